"""What does numba's JIT cost up front? First-call time per op in a fresh process, cold and warm cache.

cold: an empty NUMBA_CACHE_DIR, so the first call compiles (and writes the cache); warm: a cache
primed by an earlier process, so the first call loads machine code. Each round is a new process;
the timed value is the whole process (interpreter, imports, first call), and extra_info carries the
in-process first-call, steady-call and import times that the report tabulates.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

import pytest

from benchmarks._common import label, load_backend, pick, selected_backends
from benchmarks._compile_probe import OPS
from benchmarks._threads import ROOT

BACKEND = "numba"
COMPILE_OPS = pick(("matmul", "sigmoid", "sum_rows"), OPS)
COMPILE_DTYPES = pick(("float32",), ("float32", "float64"))
ROUNDS = pick(1, 3)

pytestmark = pytest.mark.skipif(
    BACKEND not in selected_backends(), reason="numba is not among XNN_BENCH_BACKENDS"
)


def run_probe(op: str, dtype: str, cache_dir: str, backend: str = BACKEND) -> dict[str, float]:
    """Times from one fresh process (see _compile_probe); raises with its stderr when it fails."""
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks._compile_probe", backend, dtype, op],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"compile probe {backend} {dtype} {op} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _summary(samples: list[dict[str, float]]) -> dict[str, float]:
    """Median of each time over the rounds."""
    return {key: statistics.median(s[key] for s in samples) for key in samples[0]}


_primed: dict[tuple[str, str], str] = {}  # (op, dtype) -> a cache dir a cold round filled


@pytest.mark.parametrize("cache", ("cold", "warm"))
@pytest.mark.parametrize("dtype", COMPILE_DTYPES)
@pytest.mark.parametrize("op", COMPILE_OPS)
def test_first_call(benchmark, tmp_path_factory, op, dtype, cache):
    """One op's first call in a new process, with an empty (cold) or primed (warm) numba cache."""
    load_backend(BACKEND, dtype)  # skips with the reason when numba cannot run here
    if cache == "warm" and (op, dtype) not in _primed:  # the cold rows ran deselected: prime here
        _primed[(op, dtype)] = str(tmp_path_factory.mktemp("numba_cache"))
        run_probe(op, dtype, _primed[(op, dtype)])
    samples: list[dict[str, float]] = []

    def one_process() -> None:
        if cache == "cold":
            _primed[(op, dtype)] = str(tmp_path_factory.mktemp("numba_cache"))
        samples.append(run_probe(op, dtype, _primed[(op, dtype)]))

    label(
        benchmark,
        suite="compile",
        op=op,
        backend=BACKEND,
        dtype=dtype,
        size=f"{cache} cache",
        n=0,
        cache=cache,
    )
    benchmark.group = f"first call {op} {dtype}"
    benchmark.pedantic(one_process, rounds=ROUNDS, iterations=1)
    benchmark.extra_info.update(_summary(samples))
