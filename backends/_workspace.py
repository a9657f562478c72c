"""Workspace reuse across training steps: big arrays a step has finished with become the next step's
outputs of the same shape and dtype, instead of fresh memory.

Why: an (n, m) array of more than a few MiB is a fresh `mmap` from the C allocator on every step, and
its first write page-faults through all of it. At [784, 256, 128, 1], m = 60000, float32, that was
~2,600 faults per numpy step; on this project's 2-core VM the step then took 367-526 ms (numba
445-848 ms) where the same step on memory kept mapped took 358-395 ms (numba 423-462 ms).

Only arrays handed in through `recycle` are reused: the caller promises nobody reads them again (the
training step does, for its own forward caches and backward temporaries). Reused arrays are plain,
C-contiguous, writeable numpy arrays that own their memory; views, read-only arrays and other array
types are never kept. The workspace keeps at most PER_SHAPE arrays of one shape and dtype and
MAX_BYTES in all; `free` drops them (`Backend.free_workspace`, which `fit` calls when it ends).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from backends._array_ops import Array

MIN_BYTES = 1 << 20  # smaller arrays come from the allocator's heap, already mapped: nothing to gain
MIN_SIZE = MIN_BYTES // 8  # elements below which no float array is big enough to be kept
PER_SHAPE = 2  # one step needs at most two (n, m) outputs of one shape at once (Z and dA_prev)
MAX_BYTES = 1 << 30


class Workspace:
    """Spare arrays by (shape, dtype); thread-safe (dask's inner backends run in worker threads)."""

    def __init__(self, per_shape: int = PER_SHAPE, max_bytes: int = MAX_BYTES) -> None:
        self.per_shape, self.max_bytes = per_shape, max_bytes
        self._spare: dict[tuple[tuple[int, ...], np.dtype], list[np.ndarray]] = {}
        self._kept: set[int] = set()  # ids of the arrays held: one array is never kept twice
        self.nbytes = 0  # bytes held for reuse (read on every matmul: a plain attribute)
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, int]:
        """Pickled (with a backend inside an estimator) as an empty workspace: spare memory is not state."""
        return {"per_shape": self.per_shape, "max_bytes": self.max_bytes}

    def __setstate__(self, state: dict[str, int]) -> None:
        self.__init__(**state)

    def give(self, arrays: tuple[Any, ...]) -> None:
        """Keep the arrays that can serve as outputs later; the others are left to the garbage collector."""
        for a in arrays:
            if getattr(a, "nbytes", 0) < MIN_BYTES or not reusable(a):
                continue  # the size first: a tiny net's step pays one comparison per array
            with self._lock:
                spare = self._spare.setdefault((a.shape, a.dtype), [])
                if id(a) in self._kept or len(spare) >= self.per_shape:
                    continue
                if self.nbytes + a.nbytes > self.max_bytes:
                    continue
                spare.append(a)
                self._kept.add(id(a))
                self.nbytes += a.nbytes

    def take(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray | None:
        """A kept array of exactly this shape and dtype (now the caller's, contents undefined), or None."""
        if not self.nbytes:
            return None
        with self._lock:
            spare = self._spare.get((shape, np.dtype(dtype)))
            if not spare:
                return None
            a = spare.pop()
            self._kept.discard(id(a))
            self.nbytes -= a.nbytes
            return a

    def free(self) -> None:
        """Drop every kept array (their memory goes back to the allocator)."""
        with self._lock:
            self._spare.clear()
            self._kept.clear()
            self.nbytes = 0


def reusable(a: Any) -> bool:
    """A plain numpy float array worth keeping: owns its C-contiguous, writeable memory of MIN_BYTES+."""
    return (
        type(a) is np.ndarray
        and a.nbytes >= MIN_BYTES
        and a.base is None
        and a.dtype.char in "fd"
        and a.flags.c_contiguous
        and a.flags.writeable
    )


class Recycling:
    """Mixin for backends on numpy storage: `recycle` feeds a Workspace, their matmuls write into it."""

    _workspace: Workspace | None = None

    def recycle(self, *arrays: Array) -> None:
        if self._workspace is None:
            self._workspace = Workspace()
        self._workspace.give(arrays)

    def free_workspace(self) -> None:
        if self._workspace is not None:
            self._workspace.free()

    def _matmul_into(self, a: Array, b: Array) -> Array:
        """a @ b by `self.xp` for 2-D a, b, written into a recycled array when the workspace has one."""
        ws = self._workspace
        if ws is None or not ws.nbytes or a.shape[0] * b.shape[-1] < MIN_SIZE:
            return self.xp.matmul(a, b)  # small products (a tiny net's) pay no lookup
        out = self._spare_product(a, b)
        return self.xp.matmul(a, b) if out is None else self.xp.matmul(a, b, out=out)

    def _spare_product(self, a: Any, b: Any) -> np.ndarray | None:
        """A recycled array to write a @ b into (2-D a, b, checked), or None: allocate as usual."""
        ws = self._workspace
        if ws is None or not ws.nbytes or a.ndim != 2 or b.ndim != 2:
            return None
        dtype = a.dtype if a.dtype == b.dtype else np.result_type(a.dtype, b.dtype)
        if a.shape[0] * b.shape[1] * dtype.itemsize < MIN_BYTES:
            return None  # never kept: a small net pays no lookup while big arrays wait in the workspace
        return ws.take((a.shape[0], b.shape[1]), dtype)
