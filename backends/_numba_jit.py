"""Our @njit (kernels cached in the user's cache folder) and twin kernels (serial and parallel).

Cache: numba writes machine code to NUMBA_CACHE_DIR when it is set, else next to the source
(`backends/__pycache__`, wherever the package is installed). Unless the user chose a folder, our
kernels go to ~/.cache/xnn/numba ($XDG_CACHE_HOME honoured): the folder is chosen per function
while it is decorated, so other libraries' numba functions keep numba's own default.

Twins: a `parallel=True` function pays for its parfor lowering (about 1 s per kernel) the first time it is
called, even when every call is small enough to take its serial branch. Compiling the same source
without `parallel` (where `prange` is `range`) for small calls keeps a newcomer's first run to the
kernels and paths it uses: the parallel twin compiles only when an array reaches `parallel_min`.
The serial twin has its own qualified name, so the two never share an entry in numba's disk cache.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
import types
from collections.abc import Callable, Iterator
from typing import Any

import numba
import numpy as np


@functools.cache
def user_cache_dir() -> str | None:
    """~/.cache/xnn/numba (or under $XDG_CACHE_HOME), created; None when it cannot be written."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "xnn", "numba")
    try:
        os.makedirs(path, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
    except OSError:
        return None  # numba's default (next to the source, else its own user folder) takes over
    return path


@contextlib.contextmanager
def _cache_folder() -> Iterator[None]:
    """numba's cache folder is the user's one while a kernel is decorated, unless one is set."""
    if numba.config.CACHE_DIR:
        yield
        return
    numba.config.CACHE_DIR = user_cache_dir() or ""
    try:
        yield
    finally:
        numba.config.CACHE_DIR = ""


def njit(*args: Any, **options: Any) -> Any:
    """numba.njit, with cache=True kernels kept in the user cache folder (see above)."""
    if args and callable(args[0]):
        return njit(**options)(args[0])

    def decorate(func: Callable) -> Any:
        with _cache_folder():
            return numba.njit(*args, **options)(func)

    return decorate


def _renamed(func: Callable, suffix: str) -> Callable:
    """The same code under another qualified name (numba's cache index is named after it)."""
    twin = types.FunctionType(func.__code__, func.__globals__, func.__name__ + suffix, func.__defaults__)
    twin.__qualname__ = func.__qualname__ + suffix
    twin.__module__ = func.__module__
    twin.__doc__ = func.__doc__
    return twin


class Kernel:
    """Callable like the kernel it wraps; routes by the size of argument `size_arg`, or by the
    largest array argument's size when it is None. The twins are the routing: the kernel's source
    loops with `prange` and never tests the size itself."""

    def __init__(self, func: Callable, parallel_min: int, size_arg: int | None, options: dict[str, Any]):
        functools.update_wrapper(self, func)
        self.py_func = func
        self.parallel_min = parallel_min
        self.size_arg = size_arg
        self.serial = njit(**options)(_renamed(func, "__serial"))
        self.parallel = njit(parallel=True, **options)(func)

    def __call__(self, *args: Any) -> Any:
        if self.size_arg is None:
            size = max((a.size for a in args if isinstance(a, np.ndarray)), default=0)
        else:
            size = args[self.size_arg].size
        return (self.parallel if size >= self.parallel_min else self.serial)(*args)


def twin_kernel(
    parallel_min: int, size_arg: int | None = None, **options: Any
) -> Callable[[Callable], Kernel]:
    """Decorator: `@twin_kernel(PARALLEL_MIN, **_JIT)` instead of `@njit(parallel=True, **_JIT)`;
    size_arg: the argument whose size decides (default: the largest array)."""
    return lambda func: Kernel(func, parallel_min, size_arg, options)
