"""What `xnn info` reports: backends and why not, devices, dtype, thread settings, versions."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
from typing import Any

import backends

THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
PACKAGES = (
    "xnn",
    "numpy",
    "numba",
    "llvmlite",
    "cupy-cuda12x",
    "cupy-cuda13x",
    "cupy",
    "tqdm",
    "scikit-learn",
    "h5py",
    "matplotlib",
    "threadpoolctl",
)


def versions() -> dict[str, str]:
    """Installed versions of xnn's dependencies and extras (missing ones left out)."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return found


def threads() -> dict[str, Any]:
    """CPU counts, thread environment variables and, when threadpoolctl is installed, the live pools."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    out: dict[str, Any] = {"cpu_count": os.cpu_count(), "usable_cpus": usable}
    out.update({var: os.environ.get(var, "(unset)") for var in THREAD_VARS})
    numba = sys.modules.get("numba")  # imported by the numba backend if it loaded; never imported here
    if numba is not None:
        out["numba threads"] = numba.config.NUMBA_NUM_THREADS
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            out[f"{pool.get('internal_api')} ({pool.get('user_api')})"] = pool.get("num_threads")
    except ImportError:
        out["threadpoolctl"] = "not installed (pip install threadpoolctl shows BLAS/OpenMP pools)"
    return out


def devices(status: dict[str, str | None], dtype: str) -> dict[str, Any]:
    """memory_info() of every usable backend."""
    out: dict[str, Any] = {}
    for name, reason in status.items():
        if reason is None:
            try:
                out[name] = backends.get_backend(name, dtype).memory_info()
            except Exception as e:  # noqa: BLE001 - a report should show the failure, not stop
                out[name] = f"memory_info failed: {e}"
    return out


def default_backend() -> str:
    """XNN_BACKEND as the selection will read it, flagged when it names no backend."""
    raw = os.environ.get("XNN_BACKEND", "")
    name = raw.strip().lower()
    if not name:
        return f"(unset: {backends.DEFAULT})"
    if name not in backends.backend_names():
        return f"{raw!r} (invalid: unknown backend; expected one of {', '.join(backends.backend_names())})"
    return name


def collect() -> dict[str, Any]:
    """Everything `xnn info` prints, as a dict."""
    status = backends.available_backends()
    try:
        dtype = backends.resolve_dtype().name
    except ValueError as e:
        dtype = f"invalid XNN_DTYPE: {e}"
    return {
        "default backend (XNN_BACKEND)": default_backend(),
        "default dtype (XNN_DTYPE)": dtype,
        "backends": {
            name: "available" if why is None else f"unavailable: {why}" for name, why in status.items()
        },
        "devices": devices(status, dtype if dtype in backends.DTYPES else "float32"),
        "threads": threads(),
        "versions": versions(),
    }


def format_info(info: dict[str, Any]) -> str:
    """The nested dict as indented `key: value` lines."""
    lines = []
    for key, value in info.items():
        if isinstance(value, dict):
            lines.append(f"{key}:")
            lines.extend(f"  {k}: {v}" for k, v in value.items())
        else:
            lines.append(f"{key}: {value}")
    return "\n".join(lines)
