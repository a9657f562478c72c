"""What does fusing an optimizer update buy? Each backend's one-pass update against the base class's
default composed from primitives (`Backend.adam_update_(be, ...)`: a new array per operation).

Rows are labelled `numpy` / `numpy-composed`, `numba` / `numba-composed` (and cupy's when a GPU is
there), side by side in one group per op, size and dtype. `test_update_paired` alternates the two
paths call by call and records composed / fused as `fused_speedup`: a ratio that load drifts
cannot bias.
"""

from __future__ import annotations

import numpy as np
import pytest

from backends._base import Backend
from benchmarks._common import (
    DTYPES,
    label,
    load_backend,
    measure,
    pick,
    random_array,
    selected_backends,
    synced,
)
from benchmarks._pairs import Pairs

SIZES = [100_000, 1_000_000]
OPS = ("momentum_update_", "rmsprop_update_", "adam_update_")
FUSED = ("numpy", "numba", "cupy")  # backends with their own update; python's loops are not the question
HYPER = {
    "momentum_update_": (0.01, 0.9),
    "rmsprop_update_": (0.01, 0.9, 1e-8),
    "adam_update_": (0.01, 0.9, 0.999, 1e-8, 3),
}


def _cases() -> list:
    names = [n for n in selected_backends() if n in FUSED]
    dtypes = pick(["float32"], list(DTYPES))
    return [
        pytest.param(name, dtype, n, id=f"{name}-{dtype}-{n}")
        for name in names
        for dtype in dtypes
        for n in SIZES
    ]


def _update(be, op: str, n: int, dtype: str, composed: bool):
    """A zero-argument callable running update `op` on n-element arrays, fused or composed."""
    param, grad, v = (be.asarray(random_array((n,), dtype, seed)) for seed in (1, 2, 3))
    s = be.asarray(np.abs(random_array((n,), dtype, 4)))
    states = {"momentum_update_": (v,), "rmsprop_update_": (s,), "adam_update_": (v, s)}[op]
    fn = getattr(Backend, op) if composed else getattr(type(be), op)
    return synced(be, fn, be, param, grad, *states, *HYPER[op])


@pytest.mark.parametrize("composed", [False, True], ids=["fused", "composed"])
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize(("name", "dtype", "n"), _cases())
def test_update(benchmark, name, dtype, n, op, composed):
    """One optimizer step over an n-element parameter."""
    be = load_backend(name, dtype)
    backend = f"{name}-composed" if composed else name
    label(
        benchmark,
        suite="updates",
        op=op,
        backend=backend,
        dtype=dtype,
        size=f"{n:,} elements",
        n=n,
        elements=n,
    )
    measure(benchmark, _update(be, op, n, dtype, composed))


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize(("name", "dtype", "n"), _cases())
def test_update_paired(benchmark, name, dtype, n, op):
    """Fused and composed alternated call by call (neither always first): composed / fused medians."""
    be = load_backend(name, dtype)
    paths = {"fused": _update(be, op, n, dtype, False), "composed": _update(be, op, n, dtype, True)}
    pairs = Pairs(paths, pause_s=0, warm_up=False)  # back to back: one backend, one thread pool
    times = pairs.times

    label(
        benchmark,
        suite="updates-paired",
        op=op,
        backend=f"{name}-pair",
        dtype=dtype,
        size=f"{n:,} elements",
        n=n,
    )
    measure(benchmark, pairs.one)
    medians = {path: float(np.median(t[2:])) for path, t in times.items()}  # warm-up calls dropped
    benchmark.extra_info.update(
        fused_median=medians["fused"],
        composed_median=medians["composed"],
        fused_speedup=float(np.median(np.divide(times["composed"][2:], times["fused"][2:]))),
        pair_calls=len(times["fused"]) - 2,
    )
