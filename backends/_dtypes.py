"""The dtype rule of every backend: float32 (default) or float64, native byte order."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

DTYPES = ("float32", "float64")


def resolve_dtype(dtype: Any = None) -> np.dtype:
    """float32 | float64 (native byte order) from the argument, else XNN_DTYPE, else float32."""
    source = "argument dtype"
    if dtype is None:
        dtype = os.environ.get("XNN_DTYPE", "").strip().lower() or "float32"
        source = "XNN_DTYPE"
    try:
        resolved = np.dtype(dtype)
    except TypeError as e:
        raise ValueError(f"unknown dtype {dtype!r} (from {source}); expected one of {DTYPES}") from e
    if resolved.name not in DTYPES:
        raise ValueError(f"unsupported dtype {resolved.name!r} (from {source}); expected one of {DTYPES}")
    # '>f8' is float64 too, but a non-native byte order must never reach a kernel or a cache key.
    return np.dtype(resolved.name)
