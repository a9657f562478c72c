"""The array primitives on dask arrays: lazy dask ops with NumPy's semantics, checked eagerly.

Shapes are known when a graph is built, so shape errors are raised then, in the contract's words.
NumPy's floating-point warnings are silenced inside the tasks that the numpy backend silences
(errstate is per thread, so it has to be set where the chunk is computed).
"""

from __future__ import annotations

import math
from typing import Any

import dask.array as da
import numpy as np
from dask.array.core import elemwise

from backends import _dask_layout as layout
from backends._array_ops import ArrayOps
from backends._base import Array, DTypeLike
from backends._shapes import (
    WEAK,
    Axis,
    Shape,
    as_shape,
    broadcast_shape,
    check_broadcast_to,
    check_matmul,
    check_reshape,
    check_transpose,
    normalize_axes,
    reduced_shape,
    weak_operands,
)

MAX_COLUMN_SHAPES = 64  # column chunkings remembered by m, so that Y follows X's chunks


def exp(x: Any) -> Any:
    with np.errstate(over="ignore"):
        return np.exp(x)


def log(x: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x)


def sqrt(x: Any) -> Any:
    with np.errstate(invalid="ignore"):
        return np.sqrt(x)


def divide(a: Any, b: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.divide(a, b)


def power(a: Any, b: Any) -> Any:
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return np.power(a, b)


def to_device_chunk(x: Any, inner: Any) -> Any:
    return inner.get().asarray(x, dtype=x.dtype)


class DaskArrayOps(ArrayOps):
    """ArrayOps on dask arrays; the subclass sets chunk, scheduler, inner and on_device."""

    chunk: int | None
    scheduler: Any
    inner: Any
    on_device: bool  # the inner backend's arrays live on a GPU (cupy): host data is moved there
    _columns_by_m: dict[int, tuple[int, ...]]

    def _dt(self, dtype: DTypeLike) -> Any:
        return self.dtype if dtype is None else np.dtype(dtype)

    def _lazy(self, x: Any) -> da.Array:
        return x if isinstance(x, da.Array) else self.asarray(x, dtype=np.asarray(x).dtype)

    def _float(self, x: Any) -> da.Array:
        """x as ops compute on it: float32/float64 as they are, other dtypes cast to the backend's."""
        x = self._lazy(x)
        return x if x.dtype.char in "fd" else x.astype(self.dtype)

    # -- layout ---------------------------------------------------------------------------------
    def _columns(self, m: int) -> tuple[int, ...]:
        """Column chunks for m examples: those of the last dask array of m columns handed in (so that
        Y follows X's chunks), else `chunk` columns, else one chunk per worker thread."""
        seen = self._columns_by_m.get(m)
        if seen is not None:
            return seen
        size = self.chunk or layout.default_size(m, self.scheduler.threads)
        return layout.split(m, size)

    def _remember_columns(self, x: da.Array) -> da.Array:
        if x.ndim == 2 and x.shape[1] > 0:
            if len(self._columns_by_m) >= MAX_COLUMN_SHAPES:
                self._columns_by_m.pop(next(iter(self._columns_by_m)))
            self._columns_by_m[x.shape[1]] = x.chunks[1]
        return x

    def _chunks_for(self, shape: Shape) -> Any:
        return ((shape[0],), self._columns(shape[1])) if len(shape) == 2 else -1

    # -- creation and transfer ------------------------------------------------------------------
    def asarray(self, data: Any, dtype: DTypeLike = None) -> Array:
        dt = self._dt(dtype)
        if isinstance(data, da.Array):
            return self._remember_columns(self._to_inner(layout.rows_whole(data.astype(dt, copy=False))))
        host = np.asarray(data, dtype=dt)
        native = self.inner.get().asarray(host, dtype=dt) if self.on_device else host
        if host.ndim != 2 or len(columns := self._columns(host.shape[1])) == 1:
            return layout.literal(native)
        return self.scheduler.place(layout.column_chunked(native, columns))

    def _to_inner(self, x: da.Array) -> da.Array:
        """Host chunks moved to the inner backend's device (a task per chunk), when it has one."""
        if not self.on_device or not isinstance(x._meta, np.ndarray):
            return x
        meta = self.inner.get().empty((0,) * x.ndim, dtype=x.dtype)
        return x.map_blocks(to_device_chunk, inner=self.inner, dtype=x.dtype, meta=meta)

    def to_numpy(self, x: Array) -> np.ndarray:
        if not isinstance(x, da.Array):
            return np.asarray(x)
        (value,) = self.scheduler.compute(x, local=_is_data(x))
        return np.asarray(self._inner_to_numpy(value))

    def _inner_to_numpy(self, value: Any) -> Any:
        return value if isinstance(value, np.ndarray | np.generic) else self.inner.get().to_numpy(value)

    def zeros(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        shape = as_shape(shape)
        if self.on_device:  # small on a GPU (scalars, masks): made on the host, moved once
            return self.asarray(np.zeros(shape, dtype=self._dt(dtype)), dtype=self._dt(dtype))
        return da.zeros(shape, dtype=self._dt(dtype), chunks=self._chunks_for(shape))

    def ones(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        shape = as_shape(shape)
        if self.on_device:  # small on a GPU (scalars, masks): made on the host, moved once
            return self.asarray(np.ones(shape, dtype=self._dt(dtype)), dtype=self._dt(dtype))
        return da.ones(shape, dtype=self._dt(dtype), chunks=self._chunks_for(shape))

    def full(self, shape: Shape, fill_value: float, dtype: DTypeLike = None) -> Array:
        shape = as_shape(shape)
        if self.on_device:
            return self.asarray(np.full(shape, fill_value, dtype=self._dt(dtype)), dtype=self._dt(dtype))
        return da.full(shape, fill_value, dtype=self._dt(dtype), chunks=self._chunks_for(shape))

    def empty(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        shape = as_shape(shape)
        if self.on_device:  # small on a GPU (scalars, masks): made on the host, moved once
            return self.asarray(np.empty(shape, dtype=self._dt(dtype)), dtype=self._dt(dtype))
        return da.empty(shape, dtype=self._dt(dtype), chunks=self._chunks_for(shape))

    def astype(self, x: Array, dtype: DTypeLike) -> Array:
        return self._lazy(x).astype(np.dtype(dtype))

    def copy(self, x: Array) -> Array:
        return layout.shallow_copy(self._lazy(x))

    def item(self, x: Array) -> float:
        if math.prod(x.shape) != 1:
            raise ValueError(f"item: expected an array with one element, got shape {tuple(x.shape)}")
        return float(self.to_numpy(x).reshape(()))

    # -- matmul ---------------------------------------------------------------------------------
    def matmul(self, a: Array, b: Array) -> Array:
        a, b = self._float(a), self._float(b)
        check_matmul(a.shape, b.shape)
        if a.ndim == 2 and a.numblocks[1] == 1:  # (n, k) @ (k, m-chunked): one task per column chunk
            b = layout.rows_whole(b)
            return da.blockwise(np.matmul, "ij", a, "ik", b, "kj", dtype=a.dtype, concatenate=True)
        return da.matmul(a, b)

    # -- elementwise ----------------------------------------------------------------------------
    def _unary(self, func: Any, x: Array) -> Array:
        x = self._float(x)
        return x.map_blocks(layout.under_errstate(func), dtype=x.dtype, meta=x._meta)

    def _floats(self, a: Any, b: Any) -> tuple[da.Array, da.Array]:
        """Both operands as float dask arrays; a Python scalar takes the other operand's dtype, as
        NumPy's weak scalars do (float32 + 0.5 stays float32; np.asarray(0.5) alone is float64)."""
        a, b = weak_operands(*(x if type(x) in WEAK else self._float(x) for x in (a, b)))
        return self._float(a), self._float(b)

    def _binary(self, func: Any, a: Array, b: Array, name: str, dtype: Any = None) -> Array:
        a, b = self._floats(a, b)
        broadcast_shape(name, a.shape, b.shape)
        return elemwise(layout.under_errstate(func), a, b, dtype=dtype or np.result_type(a.dtype, b.dtype))

    def exp(self, x: Array) -> Array:
        return self._unary(exp, x)

    def log(self, x: Array) -> Array:
        return self._unary(log, x)

    def tanh(self, x: Array) -> Array:
        return self._unary(np.tanh, x)

    def sqrt(self, x: Array) -> Array:
        return self._unary(sqrt, x)

    def negative(self, x: Array) -> Array:
        return self._unary(np.negative, x)

    def abs(self, x: Array) -> Array:
        return self._unary(np.abs, x)

    def add(self, a: Array, b: Array) -> Array:
        return self._binary(np.add, a, b, "add")

    def subtract(self, a: Array, b: Array) -> Array:
        return self._binary(np.subtract, a, b, "subtract")

    def multiply(self, a: Array, b: Array) -> Array:
        return self._binary(np.multiply, a, b, "multiply")

    def divide(self, a: Array, b: Array) -> Array:
        return self._binary(divide, a, b, "divide")

    def maximum(self, a: Array, b: Array) -> Array:
        return self._binary(np.maximum, a, b, "maximum")

    def minimum(self, a: Array, b: Array) -> Array:
        return self._binary(np.minimum, a, b, "minimum")

    def power(self, a: Array, b: Array) -> Array:
        return self._binary(power, a, b, "power")

    def greater(self, a: Array, b: Array) -> Array:
        return self._binary(np.greater, a, b, "greater", dtype=np.bool_)

    def where(self, cond: Array, a: Array, b: Array) -> Array:
        cond, (a, b) = self._lazy(cond), self._floats(a, b)
        broadcast_shape("where", cond.shape, a.shape, b.shape)
        return da.where(cond, a, b)

    def clip(self, x: Array, lo: float, hi: float) -> Array:
        x = self._float(x)
        return x.map_blocks(layout.under_errstate(np.clip), lo, hi, dtype=x.dtype, meta=x._meta)

    # -- shape ----------------------------------------------------------------------------------
    def broadcast_to(self, x: Array, shape: Shape) -> Array:
        x = self._lazy(x)
        check_broadcast_to(x.shape, tuple(shape))
        return da.broadcast_to(x, tuple(shape))

    def reshape(self, x: Array, shape: Shape) -> Array:
        x = self._lazy(x)
        new = check_reshape(x.shape, shape)
        try:
            return da.reshape(x, new)
        except NotImplementedError:  # chunks dask cannot map onto the new shape: one chunk first
            return da.reshape(layout.one_chunk(x), new)

    def transpose(self, x: Array, axes: tuple[int, ...] | None = None) -> Array:
        x = self._lazy(x)
        return da.transpose(x, check_transpose(axes, x.ndim))

    def take(self, x: Array, indices: Any, axis: int = 0) -> Array:
        x = self._lazy(x)
        axis = normalize_axes("take", axis, x.ndim)[0]
        index, n = np.asarray(self.to_numpy(indices), dtype=np.intp), x.shape[axis]
        if ((index < -n) | (index >= n)).any():
            bad = index[(index < -n) | (index >= n)][0]
            raise IndexError(f"take: index {bad} is out of bounds for axis {axis} with size {n}")
        shape = (*x.shape[:axis], *index.shape, *x.shape[axis + 1 :])
        if math.prod(shape) == 0:
            return da.zeros(shape, dtype=x.dtype)
        picked = da.take(x, np.where(index < 0, index + n, index).ravel(), axis=axis)
        if index.ndim != 1:
            return picked.reshape(shape)
        if x.ndim == 2 and axis == 1:  # a mini-batch: chunked like any other data of its width
            picked = picked.rechunk({1: self._columns(picked.shape[1])})
        return picked

    # -- reductions -----------------------------------------------------------------------------
    def sum(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        x = self._float(x)
        return da.sum(x, axis=normalize_axes("sum", axis, x.ndim), keepdims=keepdims)

    def max(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        x = self._float(x)
        axes = normalize_axes("max", axis, x.ndim)
        if any(x.shape[k] == 0 for k in axes):
            raise ValueError(f"max: zero-size axis {axis} of shape {tuple(x.shape)} has no maximum")
        if not axes:  # axis=(): nothing reduced, as NumPy (dask's max would add an axis)
            return x
        if x.size == 0:  # reducing non-empty axes of an empty array: an empty result, as NumPy
            return self.zeros(reduced_shape(x.shape, axes, keepdims), x.dtype)
        return da.max(x, axis=axes, keepdims=keepdims)

    def mean(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        x = self._float(x)
        return da.mean(x, axis=normalize_axes("mean", axis, x.ndim), keepdims=keepdims)

    def argmax(self, x: Array, axis: int = 0) -> Array:
        x = self._lazy(x)
        axis = normalize_axes("argmax", axis, x.ndim)[0]
        if x.shape[axis] == 0:
            raise ValueError(f"argmax: axis {axis} of shape {tuple(x.shape)} is empty; nothing to pick from")
        return da.argmax(x, axis=axis).astype(np.int64)


def _is_data(x: da.Array) -> bool:
    """Whether x is nothing but data held by this process (a parameter, a cost): nothing to compute."""
    return x.name.startswith(layout.LITERAL) and len(x.dask.layers) == 1
