"""Thread settings for a benchmark run; imports nothing heavy, so it can run before numpy does."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


def bench_threads() -> int:
    """XNN_BENCH_THREADS, default every core."""
    raw = os.environ.get("XNN_BENCH_THREADS", "").strip()
    if raw and not (raw.isdigit() and int(raw) > 0):
        raise ValueError(f"XNN_BENCH_THREADS={raw!r}: expected a positive integer (threads per run)")
    return int(raw) if raw else (os.cpu_count() or 1)


def thread_env(env: dict[str, str] | os._Environ = os.environ) -> dict[str, str]:
    """The variables a run sets: every thread count, and NUMBA_CACHE_DIR when unset."""
    threads = str(bench_threads())
    out = {var: threads for var in THREAD_VARS}
    out["NUMBA_CACHE_DIR"] = env.get("NUMBA_CACHE_DIR") or str(ROOT / ".numba_cache")
    return out


def pin_threads() -> None:
    """Apply thread_env to this process; threadpoolctl (if installed) limits an already-loaded BLAS."""
    os.environ.update(thread_env())
    if "numpy" in sys.modules:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            return
        threadpool_limits(bench_threads())
