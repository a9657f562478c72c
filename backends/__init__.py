"""Array backends behind one interface; pick one with XNN_BACKEND or get_backend(name).

Backend modules are imported only when asked for, so `import backends` never imports numba or cupy.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import os
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any

import numpy as np

from backends._base import Backend
from backends._dtypes import DTYPES, resolve_dtype

__all__ = [
    "DTYPES",
    "Backend",
    "BackendUnavailableError",
    "as_backend",
    "available_backends",
    "backend_names",
    "get_backend",
    "parse_backend_list",
    "resolve_dtype",
    "set_backend",
    "use_backend",
]

# One line per backend: adding a backend is one file plus one line here.
REGISTRY: dict[str, str] = {
    "numpy": "backends.numpy_backend:NumpyBackend",
    "python": "backends.python_backend:PythonBackend",
    "numba": "backends.numba_backend:NumbaBackend",
    "cupy": "backends.cupy_backend:CupyBackend",
    "dask": "backends.dask_backend:DaskBackend",
}
DEFAULT = "numpy"
INSTALL_HINTS = {
    "numba": 'pip install numba  (or: pip install "xnn")',
    "cupy": 'pip install "xnn[cuda12]"  (CUDA 12 driver) or  pip install "xnn[cuda13]"  (CUDA 13)',
    "dask": 'pip install "xnn[dask]"  (dask[array] and distributed)',
}


class BackendUnavailableError(RuntimeError):
    """A known backend that cannot run here (library missing, no device); the cause is chained."""


_current: ContextVar[Backend | None] = ContextVar("xnn_backend", default=None)
_instances: dict[tuple[str, str], Backend] = {}


def backend_names() -> tuple[str, ...]:
    """Every name XNN_BACKEND accepts."""
    return (*REGISTRY, "auto")


def _requested_name(name: str | None) -> tuple[str, str]:
    """(normalized name, where it came from): the argument, else use_backend/set_backend, else XNN_BACKEND."""
    if name is not None:
        return name.strip().lower() or DEFAULT, "the argument"
    if (current := _current.get()) is not None:
        return current.name, "use_backend/set_backend"
    env = os.environ.get("XNN_BACKEND", "")
    return env.strip().lower() or DEFAULT, "XNN_BACKEND"


def _requested_dtype(dtype: Any) -> np.dtype:
    """The argument, else the current use_backend/set_backend's dtype, else XNN_DTYPE."""
    if dtype is None and (current := _current.get()) is not None:
        return current.dtype
    return resolve_dtype(dtype)


def _load(name: str, dtype: np.dtype) -> Backend:
    """Import and construct a registered backend; failures become BackendUnavailableError."""
    key = (name, dtype.name)
    if key not in _instances:
        module_name, _, cls_name = REGISTRY[name].partition(":")
        try:
            cls = getattr(importlib.import_module(module_name), cls_name)
            _instances[key] = cls(dtype=dtype)
        except BackendUnavailableError:
            raise
        except ImportError as e:
            raise BackendUnavailableError(
                f"backend {name!r} cannot be used: {e}. Fix: {INSTALL_HINTS.get(name, 'reinstall xnn')}"
            ) from e
    return _instances[key]


def _auto(dtype: np.dtype) -> Backend:
    """cupy when a GPU is usable, else numpy; never raises for a missing GPU."""
    try:
        return _load("cupy", dtype)
    except BackendUnavailableError:
        return _load("numpy", dtype)


def get_backend(name: str | None = None, dtype: Any = None) -> Backend:
    """The backend for `name` and `dtype`, each resolved on its own: argument, else the
    use_backend/set_backend context, else XNN_BACKEND / XNN_DTYPE."""
    requested, source = _requested_name(name)
    resolved = _requested_dtype(dtype)
    if requested == "auto":
        return _auto(resolved)
    if requested not in REGISTRY:
        raise ValueError(
            f"unknown backend {requested!r} (from {source}); expected one of {', '.join(backend_names())}"
        )
    return _load(requested, resolved)


def as_backend(backend: str | Backend | None, dtype: Any = None) -> Backend:
    """A Backend instance from a name (None: XNN_BACKEND / use_backend) or an instance."""
    if not isinstance(backend, Backend):
        return get_backend(backend, dtype)
    if dtype is not None and resolve_dtype(dtype) != backend.dtype:
        raise ValueError(f"dtype {dtype!r} differs from the given backend's {backend.dtype.name}; pass one")
    return backend


def set_backend(name: str | None, dtype: Any = None) -> Backend:
    """Make `name` the current backend for this context (None: back to XNN_BACKEND)."""
    backend = get_backend(name, dtype) if name is not None else None
    _current.set(backend)
    return backend if backend is not None else get_backend()


@contextlib.contextmanager
def use_backend(name: str, dtype: Any = None) -> Iterator[Backend]:
    """`with use_backend("numba"):` runs the block on that backend, then restores the previous one."""
    token = _current.set(get_backend(name, dtype))
    try:
        yield _current.get()  # type: ignore[misc]
    finally:
        _current.reset(token)


def available_backends() -> dict[str, str | None]:
    """{name: None if usable here, else the reason it is not}."""
    status: dict[str, str | None] = {}
    for name in REGISTRY:
        try:
            _load(name, resolve_dtype("float32"))
            status[name] = None
        except BackendUnavailableError as e:
            status[name] = str(e)
    return status


def parse_backend_list(raw: str | None, source: str, known: Iterable[str]) -> tuple[str, ...]:
    """Names from "numpy, Numba" (commas, any case and spaces); empty or None: every known name.

    Raises ValueError naming the source (e.g. XNN_BENCH_BACKENDS), the unknown names, the valid ones
    and the fix. Duplicates are dropped, the first place kept.
    """
    known = tuple(known)
    names = tuple(dict.fromkeys(n.strip().lower() for n in (raw or "").split(",") if n.strip()))
    unknown = [n for n in names if n not in known]
    if unknown:
        hints = [
            f"{n!r} (did you mean {close[0]!r}?)" if (close := _close(n, known)) else repr(n) for n in unknown
        ]
        raise ValueError(
            f"{source}={raw!r} names unknown backend(s) {', '.join(hints)}; expected a comma-separated "
            f"list of {', '.join(known)} (empty for all of them)"
        )
    return names or known


def _close(name: str, known: tuple[str, ...]) -> list[str]:
    return difflib.get_close_matches(name, known, n=1, cutoff=0.6)
