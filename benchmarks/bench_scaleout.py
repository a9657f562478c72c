"""Scale-out: one training step of [784, 256, 128, 1] float32, data-parallel over m on dask, beside numpy.

Group "scale-out m=... float32": numpy (BLAS on every bench thread); dask on its threaded scheduler
(one BLAS thread per worker thread) and on a LocalCluster of 2 worker processes x 1 thread (data
read from a .npy file by the workers and persisted there), each for 1, 2, 4 and 8 chunks, with the
tasks of one step's graph in extra_info. The paired rows alternate a dask step (2 chunks) and a
numpy step, for drift-free ratios: the targets are threads <= 1.1x and LocalCluster <= 1.5x numpy's
step at m = 1e5, and tasks per step <= (4 L + 4) chunks. m = 1e6 in the full profile only.

Out of core, not part of `make bench` (it writes and trains on >= 4 GB; minutes):
    python -m benchmarks.bench_scaleout out-of-core [--gb 4.2] [--dir /tmp]
or XNN_BENCH_OUT_OF_CORE=1 for the `test_out_of_core` row.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks._common import label, measure, pick, selected_backends
from benchmarks._pairs import Pairs

DIMS = [784, 256, 128, 1]
SIZES = pick([100_000], [100_000, 1_000_000])
CHUNKS = (1, 2, 4, 8)
LEARNING_RATE = 0.01
pytestmark = pytest.mark.skipif(
    "dask" not in selected_backends(), reason="dask not among the benchmarked backends"
)


def _data(m: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    X = rng.standard_normal((DIMS[0], m), dtype=np.float32)
    return X, (rng.random((1, m)) > 0.5).astype(np.float32)


def _network(backend):
    import xnn

    return xnn.Network(DIMS, hidden="relu", output="sigmoid", seed=0, backend=backend, dtype="float32")


def _step(net, X, Y):
    return lambda: net.train_step(X, Y, LEARNING_RATE)  # dask: ends in the step's one compute


def _tasks_per_step(net, X, Y) -> int:
    """Tasks of the graph one train_step hands to dask (counted, then computed once)."""
    from backends._dask_layout import count_tasks

    scheduler, seen = net.be.scheduler, []
    compute = scheduler.compute
    scheduler.compute = lambda *values, **kw: seen.append(count_tasks(*values)) or compute(*values, **kw)
    try:
        net.train_step(X, Y, LEARNING_RATE)
    finally:
        scheduler.compute = compute
    return seen[0]


@pytest.fixture(scope="module", params=SIZES, ids=lambda m: f"m{m}")
def data(request):
    return request.param, *_data(request.param)


@pytest.fixture(scope="module")
def cluster():
    """2 worker processes x 1 thread on 127.0.0.1 (the nanny gives each one BLAS thread)."""
    distributed = pytest.importorskip("distributed")
    from backends._dask_scheduler import one_blas_thread_for_workers

    with one_blas_thread_for_workers():  # this session pins BLAS to every core: not for the workers
        local = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        )
    with distributed.Client(local, set_as_default=False) as client:
        yield local, client
    local.close(timeout=120)


@pytest.fixture(scope="module")
def on_disk(data, tmp_path_factory):
    """The same X, examples in rows, as a .npy file the workers read their chunks from."""
    m, X, _ = data
    path = tmp_path_factory.mktemp("scaleout") / f"X{m}.npy"
    np.save(path, np.ascontiguousarray(X.T))
    return str(path)


def _dask_inputs(mode, m, chunks, X, Y, cluster, on_disk):
    from backends.dask_backend import DaskBackend, read_npy

    size = math.ceil(m / chunks)
    if mode == "threads":
        net = _network(DaskBackend("float32", chunk=size, scheduler="threads"))
        return net, *net.inputs(X, Y)
    local, client = cluster
    net = _network(DaskBackend("float32", chunk=size, scheduler=local.scheduler_address))
    Xd = client.persist(read_npy(on_disk, chunk=size, examples_in_rows=True))  # read by the workers
    return net, *net.inputs(Xd, Y)


def _label(benchmark, row: str, m: int, **info) -> None:
    flops = 2 * m * sum(a * b for a, b in zip(DIMS, DIMS[1:], strict=False))  # forward matmuls
    label(benchmark, suite="scale-out", op="step", backend=row, dtype="float32", size=f"{DIMS} m={m}",
          n=flops, layer_dims=DIMS, m=m, **info)  # fmt: skip
    benchmark.group = f"scale-out m={m} float32"


def test_numpy_step(benchmark, data):
    m, X, Y = data
    net = _network("numpy")
    _label(benchmark, "numpy", m, scheduler="numpy", chunks=1)
    measure(benchmark, _step(net, *net.inputs(X, Y)))


@pytest.mark.parametrize("chunks", CHUNKS)
@pytest.mark.parametrize("mode", ["threads", "cluster"])
def test_dask_step(benchmark, data, mode, chunks, request):
    m, X, Y = data
    cluster = request.getfixturevalue("cluster") if mode == "cluster" else None
    on_disk = request.getfixturevalue("on_disk") if mode == "cluster" else None
    net, Xb, Yb = _dask_inputs(mode, m, chunks, X, Y, cluster, on_disk)
    tasks = _tasks_per_step(net, Xb, Yb)
    _label(benchmark, f"dask-{mode}-{chunks}", m, scheduler=mode, chunks=chunks, tasks_per_step=tasks,
           task_budget=(4 * (len(DIMS) - 1) + 4) * chunks)  # fmt: skip
    measure(benchmark, _step(net, Xb, Yb))


@pytest.mark.parametrize("mode", ["threads", "cluster"])
def test_dask_vs_numpy_paired(benchmark, data, mode, request):
    """A dask step (2 chunks) and a numpy step alternated call by call: the targets' ratio."""
    m, X, Y = data
    cluster = request.getfixturevalue("cluster") if mode == "cluster" else None
    on_disk = request.getfixturevalue("on_disk") if mode == "cluster" else None
    net, Xb, Yb = _dask_inputs(mode, m, 2, X, Y, cluster, on_disk)
    ref = _network("numpy")
    steps = {"dask": _step(net, Xb, Yb), "numpy": _step(ref, *ref.inputs(X, Y))}
    pairs = Pairs(steps, pause_s=0, warm_up=False)  # back to back, as the targets were set
    times = pairs.times

    _label(benchmark, f"dask-{mode}-2-vs-numpy", m, scheduler=mode, chunks=2, paired=True)
    measure(benchmark, pairs.one)
    ratios = [a / b for a, b in zip(times["dask"][1:], times["numpy"][1:], strict=True)]  # warm-up dropped
    target = 1.1 if mode == "threads" else 1.5
    benchmark.extra_info.update(
        paired_ratio=float(np.median(ratios)), paired_calls=len(ratios), target=target
    )


# -- out of core: >= 4 GB of float32 on disk, trained with peak resident memory measured -------------
def generate(folder: Path, gb: float, n_x: int = DIMS[0]) -> tuple[Path, Path, int]:
    """X (m, n_x) float32 examples in rows and y (m,) labels as .npy, written block by block."""
    m = int(gb * 1e9 / (n_x * 4))
    x_path, y_path = folder / f"ooc_X_{m}x{n_x}.npy", folder / f"ooc_y_{m}.npy"
    if x_path.exists() and y_path.exists():
        return x_path, y_path, m
    rng, block, labels = np.random.default_rng(0), 50_000, np.empty(m, dtype=np.float32)
    with open(x_path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False, "shape": (m, n_x)})
        for start in range(0, m, block):
            rows = rng.standard_normal((min(block, m - start), n_x), dtype=np.float32)
            labels[start : start + len(rows)] = rows[:, 0] + 0.5 * rows[:, 1] > 0
            f.write(rows.tobytes())
    np.save(y_path, labels)
    return x_path, y_path, m


def train_from_disk(x_path: str, y_path: str, iterations: int, dims: list[int]) -> dict:
    """Full-batch training read from the files each step; peak RSS of this process, in MB."""
    import xnn
    from backends.dask_backend import DaskBackend, read_npy

    X, Y = read_npy(x_path, examples_in_rows=True), read_npy(y_path)
    net = xnn.Network(dims, hidden="relu", output="sigmoid", backend=DaskBackend("float32"), seed=0)
    start = time.perf_counter()
    costs = net.fit(X, Y, 0.05, iterations, progress=False)
    seconds = time.perf_counter() - start
    return {
        "gb_on_disk": os.path.getsize(x_path) / 1e9, "m": X.shape[1], "chunks": X.numblocks[1],
        "layer_dims": dims, "iterations": iterations, "seconds": seconds, "costs": costs,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }  # fmt: skip


def out_of_core(folder: Path, gb: float, iterations: int, dims: list[int]) -> dict:
    """Generate (once), then train in a fresh process so that its peak RSS is the training's alone."""
    x_path, y_path, _ = generate(folder, gb)
    code = (
        "import json, sys; from benchmarks.bench_scaleout import train_from_disk; "
        "print(json.dumps(train_from_disk(*sys.argv[1:3], int(sys.argv[3]), json.loads(sys.argv[4]))))"
    )
    args = [sys.executable, "-c", code, str(x_path), str(y_path), str(iterations), json.dumps(dims)]
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(args, capture_output=True, text=True, cwd=root, check=False)
    if done.returncode:
        raise RuntimeError(f"out-of-core training failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not os.environ.get("XNN_BENCH_OUT_OF_CORE"), reason="long: set XNN_BENCH_OUT_OF_CORE=1")
def test_out_of_core(benchmark):
    folder = Path(os.environ.get("XNN_BENCH_OUT_OF_CORE_DIR") or tempfile.gettempdir())
    result = benchmark.pedantic(out_of_core, args=(folder, 4.2, 3, [784, 64, 1]), rounds=1, iterations=1)
    _label(benchmark, "dask-out-of-core", result["m"], **{k: v for k, v in result.items() if k != "m"})
    benchmark.group = "scale-out out-of-core float32"
    assert result["gb_on_disk"] >= 4 and result["peak_rss_mb"] < 1536


def main(argv: list[str] | None = None) -> int:
    """`python -m benchmarks.bench_scaleout out-of-core`: prints the run's JSON (peak_rss_mb, seconds)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_scaleout")
    parser.add_argument("what", choices=["out-of-core"])
    parser.add_argument("--gb", type=float, default=4.2, help="size of X on disk (default 4.2)")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()), help="where the files go")
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--layers", type=int, nargs="*", default=[64], help="hidden sizes (default 64)")
    args = parser.parse_args(argv)
    result = out_of_core(args.dir, args.gb, args.iterations, [DIMS[0], *args.layers, 1])
    print(json.dumps(result, indent=1))
    return 0 if result["peak_rss_mb"] < 1536 else 1


if __name__ == "__main__":
    sys.exit(main())
