"""Explicit pure-Python loops over elements: the readable definition of every op, and the baseline.

Storage is numpy arrays (so results interoperate), but every value is computed by a Python `for`
loop over Python floats: `tolist()` in, one loop, `numpy.array(list)` out. Nothing vectorized does
the work. Slow by nature, never made slow on purpose. The math of one element, with NumPy's answer
where Python's float operators raise, is in `_python_scalars`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from backends import _python_scalars as scalar
from backends._base import Array, DTypeLike
from backends._host_storage import HostStorage
from backends._shapes import (
    WEAK,
    Axis,
    Shape,
    as_shape,
    broadcast_shape,
    c_strides,
    check_broadcast_to,
    check_matmul,
    check_reshape,
    check_transpose,
    check_update,
    floating,
    normalize_axes,
    reduced_shape,
    weak_operands,
)


def offsets(out_shape: Shape, shape: Shape, strides: list[int] | None = None) -> list[int]:
    """Flat index into an array of `shape` for each element of `out_shape`, in C order.

    `shape` is right-aligned against `out_shape`; a size-1 (or missing) dimension is re-read
    (stride 0): that is all NumPy broadcasting is.
    """
    strides = c_strides(shape) if strides is None else strides
    pad = len(out_shape) - len(shape)
    index = [0]
    for k, n in enumerate(out_shape):
        j = k - pad
        step = 0 if j < 0 or shape[j] == 1 else strides[j]
        index = [i + t * step for i in index for t in range(n)]
    return index


class PythonBackend(HostStorage):
    """Interpreted loops, one element at a time."""

    name = "python"
    _float = floating

    def _out(self, values: list[Any], shape: Shape, dtype: DTypeLike = None) -> np.ndarray:
        with np.errstate(over="ignore"):  # a float64 result beyond float32's range becomes inf
            return np.array(values, dtype=self.dtype if dtype is None else dtype).reshape(shape)

    def _unary(self, f: Callable[[float], float], x: Array) -> Array:
        x = self._float(np.asarray(x) if type(x) in WEAK else x)  # a Python scalar: a 0-d array
        return self._out([f(v) for v in x.ravel().tolist()], x.shape, x.dtype)

    def _binary(
        self, op: str, f: Callable[[float, float], Any], a: Array, b: Array, dtype: Any = None
    ) -> Array:
        a, b = weak_operands(self._float(a), self._float(b))  # a Python scalar takes the array's dtype
        shape = broadcast_shape(op, np.shape(a), np.shape(b))
        av, bv = np.ravel(a).tolist(), np.ravel(b).tolist()
        ia, ib = offsets(shape, np.shape(a)), offsets(shape, np.shape(b))
        values = [f(av[i], bv[j]) for i, j in zip(ia, ib, strict=True)]
        return self._out(values, shape, np.result_type(a, b) if dtype is None else dtype)

    # -- creation and transfer ------------------------------------------------------------------
    def full(self, shape: Shape, fill_value: float, dtype: DTypeLike = None) -> Array:
        shape = as_shape(shape)
        size = math.prod(shape)
        return self._out([fill_value for _ in range(size)], shape, dtype)

    def astype(self, x: Array, dtype: DTypeLike) -> Array:
        return self._out(x.ravel().tolist(), x.shape, dtype)

    def copy(self, x: Array) -> Array:
        return self._out(x.ravel().tolist(), x.shape, x.dtype)

    # -- matmul ---------------------------------------------------------------------------------
    def matmul(self, a: Array, b: Array) -> Array:
        """Triple loop: out[i][j] = sum over k of a[i][k] * b[k][j]."""
        check_matmul(a.shape, b.shape)
        a, b = self._float(a), self._float(b)
        dtype = np.result_type(a, b)
        if a.ndim == 1:
            return self._out(sum(x * y for x, y in zip(a.tolist(), b.tolist(), strict=True)), (), dtype)
        rows, cols = a.tolist(), b.T.tolist()  # columns of b as lists: b.T here is only a view
        values = [sum(x * y for x, y in zip(row, col, strict=True)) for row in rows for col in cols]
        return self._out(values, (a.shape[0], b.shape[1]), dtype)

    # -- elementwise ----------------------------------------------------------------------------
    def exp(self, x: Array) -> Array:
        return self._unary(scalar.exp, x)

    def log(self, x: Array) -> Array:
        return self._unary(scalar.log, x)

    def tanh(self, x: Array) -> Array:
        return self._unary(math.tanh, x)

    def sqrt(self, x: Array) -> Array:
        return self._unary(scalar.sqrt, x)

    def negative(self, x: Array) -> Array:
        return self._unary(lambda v: -v, x)

    def abs(self, x: Array) -> Array:
        return self._unary(abs, x)

    def add(self, a: Array, b: Array) -> Array:
        return self._binary("add", lambda x, y: x + y, a, b)

    def subtract(self, a: Array, b: Array) -> Array:
        return self._binary("subtract", lambda x, y: x - y, a, b)

    def multiply(self, a: Array, b: Array) -> Array:
        return self._binary("multiply", lambda x, y: x * y, a, b)

    def divide(self, a: Array, b: Array) -> Array:
        a, b = self._float(a), self._float(b)  # int arrays: the backend's float dtype
        kind = np.result_type(a, b).kind  # two Python ints left: true division gives a float, as NumPy
        return self._binary("divide", scalar.divide, a, b, None if kind in "fc" else np.float64)

    def maximum(self, a: Array, b: Array) -> Array:
        return self._binary("maximum", scalar.maximum, a, b)

    def minimum(self, a: Array, b: Array) -> Array:
        return self._binary("minimum", scalar.minimum, a, b)

    def power(self, a: Array, b: Array) -> Array:
        return self._binary("power", scalar.power, a, b)

    def greater(self, a: Array, b: Array) -> Array:
        return self._binary("greater", lambda x, y: x > y, a, b, bool)

    def where(self, cond: Array, a: Array, b: Array) -> Array:
        a, b = weak_operands(self._float(a), self._float(b))  # a Python scalar takes the array's dtype
        shape = broadcast_shape("where", np.shape(cond), np.shape(a), np.shape(b))
        cv, av, bv = (np.ravel(x).tolist() for x in (cond, a, b))
        index = zip(*(offsets(shape, np.shape(x)) for x in (cond, a, b)), strict=True)
        values = [av[i] if cv[c] else bv[j] for c, i, j in index]
        return self._out(values, shape, np.result_type(a, b))

    def clip(self, x: Array, lo: float, hi: float) -> Array:
        return self._unary(lambda v: scalar.clip(v, lo, hi), x)

    # -- shape ----------------------------------------------------------------------------------
    def broadcast_to(self, x: Array, shape: Shape) -> Array:
        """x broadcast to `shape`: each output element reads its source through `offsets`."""
        shape = tuple(shape)
        check_broadcast_to(x.shape, shape)
        values = x.ravel().tolist()
        return self._out([values[i] for i in offsets(shape, x.shape)], shape, x.dtype)

    def reshape(self, x: Array, shape: Shape) -> Array:
        """Same elements in `shape` (C order): only the shape changes."""
        return self._out(x.ravel().tolist(), check_reshape(x.shape, shape), x.dtype)

    def transpose(self, x: Array, axes: tuple[int, ...] | None = None) -> Array:
        """Axes permuted: output element reads input at the permuted strides."""
        axes = check_transpose(axes, x.ndim)
        strides = c_strides(x.shape)
        shape = tuple(x.shape[a] for a in axes)
        values = x.ravel().tolist()
        index = offsets(shape, shape, [strides[a] for a in axes])
        return self._out([values[i] for i in index], shape, x.dtype)

    # -- reductions -----------------------------------------------------------------------------
    def _reduce(self, op: str, x: Array, axis: Axis, keepdims: bool, start: float, f: Any) -> Array:
        x = self._float(x)
        axes = normalize_axes(op, axis, x.ndim)
        kept = reduced_shape(x.shape, axes, keepdims=True)
        out = [start for _ in range(math.prod(kept))]
        # each input element lands in the output slot it reduces into (stride 0 along `axes`)
        for v, j in zip(x.ravel().tolist(), offsets(x.shape, kept), strict=True):
            out[j] = f(out[j], v)
        return self._out(out, reduced_shape(x.shape, axes, keepdims), x.dtype)

    def sum(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        return self._reduce("sum", x, axis, keepdims, 0.0, lambda acc, v: acc + v)

    def max(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        axes = normalize_axes("max", axis, x.ndim)
        if any(x.shape[k] == 0 for k in axes):
            raise ValueError(f"max: zero-size reduction over axis {axis} of shape {x.shape} has no identity")
        return self._reduce("max", x, axis, keepdims, -math.inf, scalar.maximum)

    # -- activations: the definitions, one element at a time ------------------------------------
    def sigmoid(self, Z: Array) -> Array:
        """1 / (1 + exp(-z)), from the side where exp cannot overflow."""
        return self._unary(scalar.sigmoid, Z)

    def sigmoid_backward(self, dA: Array, Z: Array) -> Array:
        return self._binary("sigmoid_backward", scalar.sigmoid_backward, dA, Z)

    def tanh_backward(self, dA: Array, Z: Array) -> Array:
        return self._binary("tanh_backward", scalar.tanh_backward, dA, Z)

    def relu(self, Z: Array) -> Array:
        return self._unary(lambda z: z if z > 0 or z != z else 0.0, Z)  # nan stays nan

    def sgd_update_(self, param: Array, grad: Array, lr: float) -> Array:
        """param[i] -= lr * grad[i], one element at a time, in place."""
        check_update("sgd_update_", param, grad)
        values = param.ravel().tolist()
        for i, g in enumerate(grad.ravel().tolist()):
            param.flat[i] = values[i] - lr * g  # .flat writes through any memory layout
        return param

    # -- training ops as loops (backends._python_train), imported here to keep this block whole --
    from backends import _python_train

    def softmax(self, Z: Array) -> Array:
        if Z.ndim == 0 or Z.shape[0] == 0:
            return super().softmax(Z)
        return self._python_train.softmax(self._float(Z))

    def softmax_backward(self, dA: Array, Z: Array) -> Array:
        if dA.shape != Z.shape or Z.ndim == 0 or Z.shape[0] == 0:
            return super().softmax_backward(dA, Z)
        return self._python_train.softmax_backward(self._float(dA), self._float(Z))

    def categorical_cross_entropy(self, AL: Array, Y: Array) -> Array:
        if AL.shape != Y.shape or AL.ndim == 0:
            return super().categorical_cross_entropy(AL, Y)
        return self._python_train.categorical_cross_entropy(self._float(AL), self._float(Y), self.dtype)

    def momentum_update_(
        self, param: Array, grad: Array, v: Array, lr: float, beta: float
    ) -> tuple[Array, Array]:
        return self._python_train.momentum_update_(param, self._float(grad), v, lr, beta)

    def rmsprop_update_(
        self, param: Array, grad: Array, s: Array, lr: float, beta: float, epsilon: float
    ) -> tuple[Array, Array]:
        return self._python_train.rmsprop_update_(param, self._float(grad), s, lr, beta, epsilon)

    def adam_update_(
        self,
        param: Array,
        grad: Array,
        v: Array,
        s: Array,
        lr: float,
        beta1: float,
        beta2: float,
        epsilon: float,
        t: int,
    ) -> tuple[Array, Array, Array]:
        return self._python_train.adam_update_(param, self._float(grad), v, s, lr, beta1, beta2, epsilon, t)

    def argmax(self, x: Array, axis: int = 0) -> Array:
        return self._python_train.argmax(x, axis)

    def take(self, x: Array, indices: Any, axis: int = 0) -> Array:
        return self._python_train.take(x, indices, axis)
