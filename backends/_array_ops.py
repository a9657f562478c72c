"""The array primitives every backend implements: creation and transfer, matmul, elementwise ops with
NumPy broadcasting, shape ops and reductions. `Backend` (in `_base`) adds the neural-network ops on top.

A backend owns its native arrays ("Array" below): `asarray` is the way in, `to_numpy` the way out.
Edge semantics are NumPy's on every backend (NaN propagates, inf where NumPy gives inf). Inputs that
are not float32/float64 (bool, int, float16) are converted to the backend's float dtype before an op
computes; float32 with float64 gives float64, as NumPy. Shape ops and `take` keep the dtype.
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar

import numpy as np

from backends._dtypes import resolve_dtype
from backends._shapes import Axis, Shape, normalize_axes

Array = Any  # the backend's native array type (numpy.ndarray, cupy.ndarray, dask.array.Array)
DTypeLike = Any


class ArrayOps(abc.ABC):
    """The array primitives of the contract: creation, transfer, matmul, elementwise, shape, reductions."""

    name: ClassVar[str] = "base"

    def __init__(self, dtype: DTypeLike = None) -> None:
        self.dtype: np.dtype = resolve_dtype(dtype)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(dtype={self.dtype.name})"

    # -- creation and transfer ------------------------------------------------------------------
    @abc.abstractmethod
    def asarray(self, data: Any, dtype: DTypeLike = None) -> Array:
        """Native array from array-like `data`, in `dtype` (default: the backend's float dtype)."""

    @abc.abstractmethod
    def to_numpy(self, x: Array) -> np.ndarray:
        """Host numpy copy (or view on CPU) of a native array."""

    @abc.abstractmethod
    def zeros(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        """Array of zeros."""

    @abc.abstractmethod
    def ones(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        """Array of ones."""

    @abc.abstractmethod
    def full(self, shape: Shape, fill_value: float, dtype: DTypeLike = None) -> Array:
        """Array filled with `fill_value`."""

    @abc.abstractmethod
    def empty(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        """Uninitialised array (contents arbitrary)."""

    @abc.abstractmethod
    def astype(self, x: Array, dtype: DTypeLike) -> Array:
        """Copy of `x` converted to `dtype`."""

    @abc.abstractmethod
    def copy(self, x: Array) -> Array:
        """Independent copy of `x`."""

    @abc.abstractmethod
    def item(self, x: Array) -> float:
        """The one element of a size-1 array as a Python float (the explicit device-to-host scalar)."""

    def synchronize(self) -> None:  # noqa: B027 - a real no-op on CPU backends, overridden on GPU
        """Wait until queued device work is done (no-op on CPU)."""

    def materialize(self, *arrays: Array) -> tuple[Array, ...]:
        """Finish the pending work behind `arrays` and return them, in order: the one sync of a step.

        A no-op on eager CPU backends, a stream sync on a GPU, one compute of the graph on a lazy
        backend (whose returned arrays then replace the given ones: callers must use them).
        """
        self.synchronize()
        return arrays

    def memory_info(self) -> dict[str, Any]:
        """What the backend knows about its memory (device, pool sizes); CPU backends say little."""
        return {"device": "cpu"}

    def recycle(self, *arrays: Array) -> None:  # noqa: B027 - a no-op where memory is not reused
        """The caller will never read `arrays` again (nor anyone else): the backend may write later
        outputs of the same shape and dtype into them. Training steps recycle their own temporaries;
        numpy and numba reuse big ones for matmul outputs (backends/_workspace.py), the others ignore
        this (cupy's memory pool already reuses device memory; dask's arrays are immutable)."""

    def free_workspace(self) -> None:  # noqa: B027 - nothing kept where recycle is a no-op
        """Drop the memory kept by `recycle` (`fit` calls this when it ends)."""

    # -- matmul ---------------------------------------------------------------------------------
    @abc.abstractmethod
    def matmul(self, a: Array, b: Array) -> Array:
        """a @ b for a (n, k), b (k, m) -> (n, m); 1-D . 1-D -> 0-d dot product."""

    # -- elementwise unary ----------------------------------------------------------------------
    @abc.abstractmethod
    def exp(self, x: Array) -> Array:
        """e**x elementwise (inf exactly where the dtype overflows, 0 at -inf, nan stays nan)."""

    @abc.abstractmethod
    def log(self, x: Array) -> Array:
        """Natural log elementwise (-inf at 0, nan below)."""

    @abc.abstractmethod
    def tanh(self, x: Array) -> Array:
        """tanh elementwise; also the tanh activation."""

    @abc.abstractmethod
    def sqrt(self, x: Array) -> Array:
        """Square root elementwise (nan below 0)."""

    @abc.abstractmethod
    def negative(self, x: Array) -> Array:
        """-x elementwise."""

    @abc.abstractmethod
    def abs(self, x: Array) -> Array:
        """|x| elementwise."""

    # -- elementwise binary (NumPy broadcasting, any rank) --------------------------------------
    @abc.abstractmethod
    def add(self, a: Array, b: Array) -> Array:
        """a + b, broadcast."""

    @abc.abstractmethod
    def subtract(self, a: Array, b: Array) -> Array:
        """a - b, broadcast."""

    @abc.abstractmethod
    def multiply(self, a: Array, b: Array) -> Array:
        """a * b, broadcast."""

    @abc.abstractmethod
    def divide(self, a: Array, b: Array) -> Array:
        """a / b, broadcast (inf/nan on division by zero, as NumPy)."""

    @abc.abstractmethod
    def maximum(self, a: Array, b: Array) -> Array:
        """Elementwise max, broadcast (nan wins, as NumPy)."""

    @abc.abstractmethod
    def minimum(self, a: Array, b: Array) -> Array:
        """Elementwise min, broadcast (nan wins, as NumPy)."""

    @abc.abstractmethod
    def power(self, a: Array, b: Array) -> Array:
        """a ** b, broadcast, as NumPy: signed inf on overflow or 0 ** negative, nan for a < 0 ** fraction."""

    @abc.abstractmethod
    def greater(self, a: Array, b: Array) -> Array:
        """a > b as a bool array, broadcast (nan compares false)."""

    @abc.abstractmethod
    def where(self, cond: Array, a: Array, b: Array) -> Array:
        """a where cond is true (nonzero) else b, all three broadcast."""

    def clip(self, x: Array, lo: float, hi: float) -> Array:
        """x limited to [lo, hi] (nan stays nan)."""
        return self.minimum(self.maximum(x, float(lo)), float(hi))

    # -- shape ----------------------------------------------------------------------------------
    @abc.abstractmethod
    def broadcast_to(self, x: Array, shape: Shape) -> Array:
        """x broadcast to `shape` per NumPy's rules."""

    @abc.abstractmethod
    def reshape(self, x: Array, shape: Shape) -> Array:
        """Same elements in `shape` (C order; one -1 allowed)."""

    @abc.abstractmethod
    def transpose(self, x: Array, axes: tuple[int, ...] | None = None) -> Array:
        """Axes permuted (reversed when None); axes not a permutation (negatives from the end): ValueError."""

    def take(self, x: Array, indices: Any, axis: int = 0) -> Array:
        """x's slices at integer `indices` along `axis` (a mini-batch's columns: take(X, cols, 1))."""
        axis = normalize_axes("take", axis, len(x.shape))[0]
        picked = np.take(self.to_numpy(x), np.asarray(self.to_numpy(indices), dtype=np.intp), axis=axis)
        return self.asarray(picked, dtype=x.dtype)

    # -- reductions -----------------------------------------------------------------------------
    @abc.abstractmethod
    def sum(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        """Sum over `axis` (None: all)."""

    @abc.abstractmethod
    def max(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        """Max over `axis` (None: all); nan wins; a zero-size reduction raises ValueError."""

    def mean(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        """Mean over `axis` (None: all); nan where it averages nothing."""
        axes = normalize_axes("mean", axis, len(x.shape))
        count = int(np.prod([x.shape[k] for k in axes], dtype=np.int64))
        return self.divide(self.sum(x, axis, keepdims), float(count))

    def argmax(self, x: Array, axis: int = 0) -> Array:
        """Index of the first maximum along `axis` as int64 (NaN counts as the maximum, as NumPy)."""
        axis = normalize_axes("argmax", axis, len(x.shape))[0]
        if x.shape[axis] == 0:
            raise ValueError(f"argmax: axis {axis} of shape {tuple(x.shape)} is empty; nothing to pick from")
        return self.asarray(np.argmax(self.to_numpy(x), axis=axis), dtype=np.int64)
