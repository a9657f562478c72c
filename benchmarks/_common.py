"""What every benchmark shares: the size profile, the backends under test, and the timing helper."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import backends
from benchmarks._names import parse_backend_list
from benchmarks._profiles import PROFILES, Profile, check_profile

DTYPES = ("float32", "float64")


def profile_name() -> str:
    """quick (default) | full, from XNN_BENCH_PROFILE (the conftest copies --bench-profile there)."""
    try:
        return check_profile(os.environ.get("XNN_BENCH_PROFILE"), "XNN_BENCH_PROFILE")
    except ValueError as e:
        raise pytest.UsageError(str(e)) from None


def profile() -> Profile:
    """The active Profile."""
    return PROFILES[profile_name()]


def pick(quick: Any, full: Any) -> Any:
    """The quick or the full value, by the active profile."""
    return full if profile_name() == "full" else quick


def selected_backends() -> tuple[str, ...]:
    """XNN_BENCH_BACKENDS="numpy,numba" narrows the run; default: every registered backend."""
    try:
        return parse_backend_list(
            os.environ.get("XNN_BENCH_BACKENDS"), "XNN_BENCH_BACKENDS", backends.REGISTRY
        )
    except ValueError as e:
        raise pytest.UsageError(str(e)) from None


def backend_cases(limit: Callable[[str], bool] = lambda name: True) -> list[tuple[str, str]]:
    """(backend, dtype) for every selected backend where `limit(name)` holds."""
    return [(name, dtype) for name in selected_backends() if limit(name) for dtype in DTYPES]


def sized_params(
    sizes: list[Any], limit: Callable[[str, Any], bool], ids: Callable[[Any], str] = str
) -> list[Any]:
    """pytest params ((backend, dtype), size) where `limit(name, size)` holds."""
    return [
        pytest.param(case, n, id=f"{case[0]}-{case[1]}-{ids(n)}")
        for n in sizes
        for case in backend_cases()
        if limit(case[0], n)
    ]


def load_backend(name: str, dtype: str) -> backends.Backend:
    """The backend, or a skip naming why it cannot run here."""
    try:
        return backends.get_backend(name, dtype)
    except backends.BackendUnavailableError as e:
        pytest.skip(f"backend {name} unavailable here: {e}")


def timed_once(fn: Callable[[], Any]) -> float:
    """Seconds one call of fn takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def warm_up(fn: Callable[[], Any]) -> float:
    """Call fn outside the timing (JIT compile, caches, CUDA context); seconds of a warm call."""
    first = timed_once(fn)
    return first if first > 1.0 else timed_once(fn)


def measure(benchmark: Any, fn: Callable[[], Any], slow_rounds: int = 3) -> Any:
    """Warm up, then time fn with rounds/iterations sized to the profile's budget.

    A call over a second gets at most `slow_rounds` rounds (seconds-long loops: 3 say enough).
    """
    p = profile()
    call_s = max(warm_up(fn), 1e-7)
    iterations = max(1, min(1000, int(p.round_s / call_s)))
    floor = min(p.min_rounds, slow_rounds) if call_s > 1.0 else p.min_rounds
    rounds = max(floor, min(p.max_rounds, int(p.budget_s / (call_s * iterations))))
    benchmark.extra_info.update(rounds=rounds, iterations=iterations)
    return benchmark.pedantic(fn, rounds=rounds, iterations=iterations)


def synced(be: backends.Backend, op: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    """A zero-argument callable: op(*args), then be.synchronize() so GPU work is inside the timing."""

    def call() -> Any:
        out = op(*args)
        be.synchronize()
        return out

    return call


def label(
    benchmark: Any, *, suite: str, op: str, backend: str, dtype: str, size: str, n: float, **info: Any
) -> None:
    """Name the group op+size+dtype (backends side by side) and record what the report reads."""
    benchmark.group = f"{op} {size} {dtype}"
    benchmark.extra_info.update(
        suite=suite, op=op, backend=backend, dtype=dtype, size=size, n=n, profile=profile_name(), **info
    )


def random_array(shape: tuple[int, ...], dtype: str, seed: int = 0) -> np.ndarray:
    """Host standard-normal data, seeded, in dtype."""
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)
