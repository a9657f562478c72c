"""What does a backend's training step cost? forward, backward and a full step per net, plus peers.

Peers (step only, same net, same initial parameters, same data): a lean hand-written NumPy step,
the course's notebook-style NumPy step, and PyTorch autograd + SGD on CPU (and CUDA when usable;
skipped when torch is not installed). The issue's targets: the numpy backend's step within 1.1x of
the lean NumPy step and no slower than PyTorch CPU.
"""

from __future__ import annotations

import numpy as np
import pytest

import xnn
from benchmarks import _reference as ref
from benchmarks._common import (
    DTYPES,
    label,
    load_backend,
    measure,
    pick,
    selected_backends,
    sized_params,
    synced,
)
from benchmarks._pairs import Pairs
from benchmarks._threads import bench_threads

NETS = pick(  # (layer_dims, m)
    [((2, 4, 1), 400), ((12288, 20, 7, 5, 1), 209), ((784, 256, 128, 1), 2048)],
    [((2, 4, 1), 400), ((12288, 20, 7, 5, 1), 209), ((784, 256, 128, 1), 2048), ((784, 256, 128, 1), 60000)],
)
PYTHON_NETS = pick([(2, 4, 1)], [(2, 4, 1), (12288, 20, 7, 5, 1)])  # the loops finish in seconds
# torch rows carry the `torch` mark: `python -m benchmarks run` times them in a process of their own,
# since torch's thread pool and numpy's BLAS threads slow each other when they share one
# the NumPy peers run with the numpy backend (so a numba-only run does not repeat them)
PEERS = [
    pytest.param(p, marks=[pytest.mark.torch] if p.startswith("torch") else [])
    for p in ("numpy-lean", "numpy-naive", "torch-cpu", "torch-cuda")
    if p.startswith("torch") or "numpy" in selected_backends()
]
LEARNING_RATE = 0.01


def _net_id(net: tuple) -> str:
    return f"{list(net[0])}-m{net[1]}".replace(" ", "")


def _size(net: tuple) -> str:
    return f"{list(net[0])} m={net[1]}"


def _data(net: tuple, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    """Seeded host data: X (n_x, m) standard normal, Y (1, m) of 0/1."""
    dims, m = net
    rng = np.random.default_rng(1)
    return rng.standard_normal((dims[0], m)).astype(dtype), (rng.random((1, m)) > 0.5).astype(dtype)


def _activations(dims: tuple) -> list[str]:
    return ["relu"] * (len(dims) - 2) + ["sigmoid"]


def _label(benchmark, op: str, backend: str, dtype: str, net: tuple) -> None:
    dims, m = net
    flops = 2 * m * sum(a * b for a, b in zip(dims, dims[1:], strict=False))  # forward matmuls
    label(
        benchmark,
        suite="network",
        op=op,
        backend=backend,
        dtype=dtype,
        size=_size(net),
        n=flops,
        layer_dims=list(dims),
        m=m,
        forward_flops=flops,
        learning_rate=LEARNING_RATE,
    )


BACKEND_NETS = sized_params(NETS, lambda name, net: name != "python" or net[0] in PYTHON_NETS, _net_id)


@pytest.mark.parametrize("phase", ("forward", "backward"))
@pytest.mark.parametrize(("case", "net"), BACKEND_NETS)
def test_phase(benchmark, case, net, phase):
    """xnn.forward, or xnn.backward from one forward's caches, on a backend."""
    name, dtype = case
    be = load_backend(name, dtype)
    dims = net[0]
    params = {k: be.asarray(v) for k, v in ref.he_params(dims, dtype).items()}
    X, Y = (be.asarray(a) for a in _data(net, dtype))
    acts = _activations(dims)
    _label(benchmark, phase, name, dtype, net)
    if phase == "forward":
        measure(benchmark, synced(be, xnn.forward, be, params, X, acts))
        return
    AL, caches = xnn.forward(be, params, X, acts)
    measure(benchmark, synced(be, xnn.backward, be, AL, Y, caches, acts, "bce"))


@pytest.mark.parametrize(("case", "net"), BACKEND_NETS)
def test_step(benchmark, case, net):
    """xnn.Network.step: one forward + backward + SGD update, no cost."""
    name, dtype = case
    be = load_backend(name, dtype)
    model = xnn.Network(
        list(net[0]), hidden="relu", output="sigmoid", init="he", seed=0, backend=name, dtype=dtype
    )
    X, Y = model.inputs(*_data(net, dtype))  # validated and converted once, outside the timing
    _label(benchmark, "step", name, dtype, net)
    measure(benchmark, synced(be, model.step, X, Y, LEARNING_RATE))


def _peer_step(peer: str, net: tuple, dtype: str):
    """The zero-argument step of a reference implementation (torch imported only here)."""
    params = ref.he_params(net[0], dtype)
    X, Y = _data(net, dtype)
    if peer.startswith("torch"):
        torch = pytest.importorskip("torch", reason="torch not installed: peer rows skipped")
        device = peer.removeprefix("torch-")
        if device == "cuda" and not torch.cuda.is_available():
            pytest.skip("torch-cuda: no CUDA device usable by torch")
        return ref.torch_step(params, X, Y, LEARNING_RATE, device, bench_threads())
    fn = ref.lean_step if peer == "numpy-lean" else ref.naive_step
    return lambda: fn(params, X, Y, LEARNING_RATE)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("peer", PEERS)
@pytest.mark.parametrize("net", NETS, ids=_net_id)
def test_peer_step(benchmark, net, peer, dtype):
    """A reference training step of the same net, timed like the backends'."""
    step = _peer_step(peer, net, dtype)
    _label(benchmark, "step", peer, dtype, net)
    benchmark.extra_info["reference"] = True
    measure(benchmark, step)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("net", NETS, ids=_net_id)
def test_step_paired(benchmark, net, dtype):
    """The numpy backend's step and the lean NumPy step alternated call by call: a drift-free ratio."""
    if "numpy" not in selected_backends():
        pytest.skip("the paired ratio needs the numpy backend")
    model = xnn.Network(
        list(net[0]), hidden="relu", output="sigmoid", init="he", seed=0, backend="numpy", dtype=dtype
    )
    X, Y = model.inputs(*_data(net, dtype))
    params, (Xh, Yh) = ref.he_params(net[0], dtype), _data(net, dtype)
    steps = {
        "numpy": lambda: model.step(X, Y, LEARNING_RATE),
        "numpy-lean": lambda: ref.lean_step(params, Xh, Yh, LEARNING_RATE),
    }
    pairs = Pairs(steps, pause_s=0, warm_up=False)  # back to back: both steps run on the same BLAS threads
    times = pairs.times

    _label(benchmark, "step-pair", "numpy", dtype, net)
    measure(benchmark, pairs.one)
    ratios = [
        a / b for a, b in zip(times["numpy"][2:], times["numpy-lean"][2:], strict=True)
    ]  # warm-up dropped
    benchmark.extra_info.update(
        paired=True,
        paired_ratio=float(np.median(ratios)),
        paired_medians={name: float(np.median(t[2:])) for name, t in times.items()},
        paired_calls=len(ratios),
    )
