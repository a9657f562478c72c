"""How far is a step from its peers? Ratios timed call by call (benchmarks/_pairs.py), issue 14's targets.

- numba step / numpy step, [784, 256, 128, 1] float32 at m = 2048 and 60000 (runs where numba is
  selected; numpy, the reference, is always registered and usable).
- numpy step / the step's GEMMs alone in plain NumPy (benchmarks/_gemms.py) at m = 60000.
Each row's extra_info carries pair_ratio (median of per-pair ratios), pair_medians and pairs.
"""

from __future__ import annotations

import pytest

from benchmarks._common import label, load_backend, pick, selected_backends
from benchmarks._gemms import gemm_flops, step_gemms
from benchmarks._pairs import Pairs
from benchmarks._steps import backend_step, host_data

DIMS = (784, 256, 128, 1)
DTYPE = "float32"
LEARNING_RATE = 0.01
PAIRS = {2048: pick(15, 40), 60000: pick(8, 16)}  # ~0.5 s a numpy step at 60000; 4 pairs scattered 1.07-1.37


def _size(m: int) -> str:
    return f"{list(DIMS)} m={m}"


def _record(benchmark, op: str, backend: str, m: int, pairs: Pairs, ratio_of: tuple[str, str]) -> None:
    """Label the row and time PAIRS[m] pairs; the summary goes to extra_info."""
    label(benchmark, suite="targets", op=op, backend=backend, dtype=DTYPE, size=_size(m), n=m, m=m)
    benchmark.pedantic(pairs.one, rounds=PAIRS[m], iterations=1)
    benchmark.extra_info.update(pairs.summary(*ratio_of), layer_dims=list(DIMS))


@pytest.mark.parametrize("m", list(PAIRS))
def test_numba_vs_numpy_step(benchmark, m):
    """numba's step and numpy's, alternated: numba / numpy (issue 14: <= 1.6 at 2048, <= 1.3 at 60000)."""
    if "numba" not in selected_backends():
        pytest.skip("numba is not among XNN_BENCH_BACKENDS")
    load_backend("numba", DTYPE)  # skips with the reason when numba cannot run here
    calls = {name: backend_step(name, DIMS, m, DTYPE, upload=False) for name in ("numba", "numpy")}
    _record(benchmark, "numba/numpy step", "numba", m, Pairs(calls), ("numba", "numpy"))


def test_numpy_step_vs_gemms(benchmark):
    """numpy's step and its GEMMs alone, alternated: step / GEMMs (issue 14: <= 1.1 at m = 60000)."""
    if "numpy" not in selected_backends():
        pytest.skip("numpy is not among XNN_BENCH_BACKENDS")
    m = max(PAIRS)
    X = host_data(DIMS[0], m, DTYPE)[0]  # the step's X shape and dtype; values do not change a GEMM's time
    calls = {"numpy": backend_step("numpy", DIMS, m, DTYPE, upload=False), "gemms": step_gemms(DIMS, X)}
    _record(benchmark, "numpy step/GEMMs", "numpy", m, Pairs(calls), ("numpy", "gemms"))
    benchmark.extra_info["gemm_flops"] = gemm_flops(DIMS, m)
