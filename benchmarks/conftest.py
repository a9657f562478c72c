"""Benchmark session setup: collect bench_*.py, pin thread counts, record them in the JSON.

Thread variables must be set before numpy/numba are imported, so this runs at conftest import;
threadpoolctl (when installed) also limits a BLAS that was already loaded.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks._profiles import PROFILES
from benchmarks._threads import THREAD_VARS, bench_threads, pin_threads

pin_threads()
LOAD_AT_START = pytest.StashKey["list[float] | None"]()


def _loadavg() -> list[float] | None:
    """1/5/15-minute load averages (None where the OS has none): other work skews timings."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def pytest_addoption(parser: pytest.Parser) -> None:
    """--bench-profile quick|full (same as XNN_BENCH_PROFILE)."""
    parser.addoption(
        "--bench-profile",
        choices=tuple(PROFILES),
        default=None,
        help="benchmark sizes: quick (default, minutes) or full (the whole sweep)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the torch and gpucheck marks; copy --bench-profile into XNN_BENCH_PROFILE."""
    config.addinivalue_line("markers", "torch: a PyTorch peer row (run in its own process by the runner)")
    config.addinivalue_line(
        "markers", "gpucheck: a row of the prepared GPU check (scripts/gpu_check.py), not of `run`"
    )
    config.stash[LOAD_AT_START] = _loadavg()
    chosen = config.getoption("--bench-profile", default=None)
    if chosen:
        os.environ["XNN_BENCH_PROFILE"] = chosen


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    """bench_*.py are test modules here (the main config collects only test_*.py)."""
    named = file_path.suffix == ".py" and file_path.name.startswith("bench_")
    if named and not parent.session.isinitpath(file_path):  # pytest collects named paths itself
        return pytest.Module.from_parent(parent, path=file_path)
    return None


def _blas_info() -> list[dict[str, Any]]:
    """Loaded thread pools (BLAS, OpenMP) with their thread counts, when threadpoolctl is there."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keys = ("user_api", "internal_api", "version", "num_threads")
    return [{k: pool.get(k) for k in keys} for pool in threadpool_info()]


def _versions() -> dict[str, str]:
    """Versions of the array libraries imported in this session."""
    names = ("numpy", "numba", "cupy", "torch")
    return {n: getattr(sys.modules[n], "__version__", "?") for n in names if n in sys.modules}


def pytest_benchmark_update_machine_info(config: pytest.Config, machine_info: dict) -> None:
    """Record threads, profile, backends and library versions next to pytest-benchmark's own info."""
    from benchmarks._common import profile_name, selected_backends

    machine_info["xnn"] = {
        "profile": profile_name(),
        "threads": bench_threads(),
        "thread_env": {var: os.environ.get(var) for var in THREAD_VARS},
        "numba_cache_dir": os.environ.get("NUMBA_CACHE_DIR"),
        "backends_selected": list(selected_backends()),
        "thread_pools": _blas_info(),
        "versions": _versions(),
        "cpu_count": os.cpu_count(),
        "loadavg_start": config.stash.get(LOAD_AT_START, None),
        "loadavg_end": _loadavg(),
    }


def _family(item: pytest.Item) -> int:
    """Which thread pool a row uses: BLAS (numpy, python), cupy, numba's OpenMP, torch's."""
    if "torch-" in item.nodeid:
        return 3
    if "numba" in item.nodeid or item.path.name == "bench_compile.py":
        return 2
    return 1 if "cupy" in item.nodeid else 0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Rows grouped by thread pool: pools that spin after a call slow the next pool's rows.

    `python -m benchmarks run` goes further and times each family in a process of its own.
    """
    items.sort(key=_family)
