"""Vectorized backend written against `self.xp`: numpy here, cupy in the subclass (the default backend)."""

from __future__ import annotations

from typing import Any

import numpy as np

from backends._base import Array, Backend, DTypeLike
from backends._shapes import Axis, Shape, broadcast_error, check_matmul


class NumpyBackend(Backend):
    """Vectorized CPU: every op is one NumPy call (BLAS for matmul)."""

    name = "numpy"
    xp: Any = np

    def _dt(self, dtype: DTypeLike) -> Any:
        return self.dtype if dtype is None else dtype

    def _binary(self, ufunc: Any, a: Array, b: Array) -> Array:
        try:
            return ufunc(a, b)
        except ValueError as e:
            raise broadcast_error(ufunc.__name__, np.shape(a), np.shape(b)) from e

    # -- creation and transfer ------------------------------------------------------------------
    def asarray(self, data: Any, dtype: DTypeLike = None) -> Array:
        """Native array from array-like `data`, in `dtype` (default: the backend's float dtype)."""
        return self.xp.asarray(data, dtype=self._dt(dtype))

    def to_numpy(self, x: Array) -> np.ndarray:
        """Host numpy copy (or view on CPU) of a native array."""
        return np.asarray(x)

    def zeros(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        """Array of zeros."""
        return self.xp.zeros(shape, dtype=self._dt(dtype))

    def ones(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        """Array of ones."""
        return self.xp.ones(shape, dtype=self._dt(dtype))

    def full(self, shape: Shape, fill_value: float, dtype: DTypeLike = None) -> Array:
        """Array filled with `fill_value`."""
        return self.xp.full(shape, fill_value, dtype=self._dt(dtype))

    def empty(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        """Uninitialised array (contents arbitrary)."""
        return self.xp.empty(shape, dtype=self._dt(dtype))

    def astype(self, x: Array, dtype: DTypeLike) -> Array:
        """Copy of `x` converted to `dtype`."""
        return x.astype(dtype, copy=True)

    def copy(self, x: Array) -> Array:
        """Independent copy of `x`."""
        return self.xp.array(x, copy=True)

    def item(self, x: Array) -> float:
        """The one element of a size-1 array as a Python float."""
        if x.size != 1:
            raise ValueError(f"item: expected an array with one element, got shape {tuple(x.shape)}")
        return float(x.reshape(()))

    # -- matmul ---------------------------------------------------------------------------------
    def matmul(self, a: Array, b: Array) -> Array:
        """a @ b for a (n, k), b (k, m) -> (n, m); 1-D . 1-D -> 0-d dot product."""
        check_matmul(a.shape, b.shape)
        return self.xp.matmul(a, b)

    # -- elementwise ----------------------------------------------------------------------------
    def exp(self, x: Array) -> Array:
        """e**x elementwise (inf on overflow)."""
        with np.errstate(over="ignore"):
            return self.xp.exp(x)

    def log(self, x: Array) -> Array:
        """Natural log elementwise (-inf at 0, nan below)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.xp.log(x)

    def tanh(self, x: Array) -> Array:
        """tanh elementwise; also the tanh activation."""
        return self.xp.tanh(x)

    def sqrt(self, x: Array) -> Array:
        """Square root elementwise (nan below 0)."""
        with np.errstate(invalid="ignore"):
            return self.xp.sqrt(x)

    def negative(self, x: Array) -> Array:
        """-x elementwise."""
        return self.xp.negative(x)

    def abs(self, x: Array) -> Array:
        """|x| elementwise."""
        return self.xp.abs(x)

    def add(self, a: Array, b: Array) -> Array:
        """a + b, broadcast."""
        return self._binary(self.xp.add, a, b)

    def subtract(self, a: Array, b: Array) -> Array:
        """a - b, broadcast."""
        return self._binary(self.xp.subtract, a, b)

    def multiply(self, a: Array, b: Array) -> Array:
        """a * b, broadcast."""
        return self._binary(self.xp.multiply, a, b)

    def divide(self, a: Array, b: Array) -> Array:
        """a / b, broadcast (inf/nan on division by zero, as NumPy)."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return self._binary(self.xp.divide, a, b)

    def maximum(self, a: Array, b: Array) -> Array:
        """Elementwise max, broadcast."""
        return self._binary(self.xp.maximum, a, b)

    def minimum(self, a: Array, b: Array) -> Array:
        """Elementwise min, broadcast."""
        return self._binary(self.xp.minimum, a, b)

    def power(self, a: Array, b: Array) -> Array:
        """a ** b, broadcast."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._binary(self.xp.power, a, b)

    def greater(self, a: Array, b: Array) -> Array:
        """a > b as a bool array, broadcast."""
        return self._binary(self.xp.greater, a, b)

    def where(self, cond: Array, a: Array, b: Array) -> Array:
        """a where cond is true else b, all three broadcast."""
        try:
            return self.xp.where(cond, a, b)
        except ValueError as e:
            raise broadcast_error("where", cond.shape, np.shape(a), np.shape(b)) from e

    def clip(self, x: Array, lo: float, hi: float) -> Array:
        """x limited to [lo, hi]."""
        return self.xp.clip(x, lo, hi)

    # -- shape ----------------------------------------------------------------------------------
    def broadcast_to(self, x: Array, shape: Shape) -> Array:
        """x broadcast to `shape` per NumPy's rules."""
        from backends._shapes import check_broadcast_to

        check_broadcast_to(x.shape, tuple(shape))
        return self.xp.broadcast_to(x, shape)

    def reshape(self, x: Array, shape: Shape) -> Array:
        """Same elements in `shape` (C order; one -1 allowed)."""
        from backends._shapes import check_reshape

        return self.xp.reshape(x, check_reshape(x.shape, shape))

    def transpose(self, x: Array, axes: tuple[int, ...] | None = None) -> Array:
        """Axes permuted (reversed when `axes` is None)."""
        return self.xp.transpose(x, axes)

    # -- reductions -----------------------------------------------------------------------------
    def sum(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        """Sum over `axis` (None: all)."""
        return self.xp.sum(x, axis=axis, keepdims=keepdims)

    def max(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        """Max over `axis` (None: all)."""
        return self.xp.max(x, axis=axis, keepdims=keepdims)

    def argmax(self, x: Array, axis: int = 0) -> Array:
        if x.shape[axis] == 0:
            raise ValueError(f"argmax: axis {axis} of shape {tuple(x.shape)} is empty; nothing to pick from")
        return self.xp.argmax(x, axis=axis).astype(self.xp.int64, copy=False)

    def take(self, x: Array, indices: Any, axis: int = 0) -> Array:
        return self.xp.take(x, self.xp.asarray(indices, dtype=self.xp.intp), axis=axis)

    def mean(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        """Mean over `axis` (None: all)."""
        return self.xp.mean(x, axis=axis, keepdims=keepdims)

    # -- activations: one expression each, stable at any |z| ------------------------------------
    def sigmoid(self, Z: Array) -> Array:
        """exp(min(Z, 0)) / (1 + exp(-|Z|)): never overflows, and branch-free (no where)."""
        xp = self.xp
        d = xp.exp(-xp.abs(Z))
        d += 1
        s = xp.exp(xp.minimum(Z, 0))
        s /= d
        return s

    def relu(self, Z: Array) -> Array:
        """max(Z, 0)."""
        return self.xp.maximum(Z, 0)

    # -- fused neural-network ops: fewer passes and temporaries than the defaults -----------------
    def linear_forward(self, W: Array, A: Array, b: Array) -> Array:
        """Z = W @ A_prev + b, the bias added in place into the matmul's output."""
        check_matmul(W.shape, A.shape)
        Z = W @ A
        Z += b
        return Z

    def linear_backward(
        self, dZ: Array, A_prev: Array, W: Array, need_dA_prev: bool = True, lambd: float = 0.0
    ) -> tuple[Array | None, Array, Array]:
        """(dA_prev, dW, db); the 1/m folded into in-place scaling, no dA_prev when not needed."""
        inv_m = 1.0 / dZ.shape[1]
        dW = dZ @ A_prev.T
        dW *= inv_m
        if lambd:
            dW += (lambd * inv_m) * W
        db = dZ.sum(axis=1, keepdims=True)
        db *= inv_m
        return (W.T @ dZ if need_dA_prev else None), dW, db

    def relu_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = dA where Z > 0 else 0."""
        return dA * (Z > 0)

    def sigmoid_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = dA * s * (1 - s)."""
        s = self.sigmoid(Z)
        return dA * s * (1 - s)

    def sgd_update_(self, param: Array, grad: Array, lr: float) -> Array:
        """param -= lr * grad, in place."""
        param -= param.dtype.type(lr) * grad
        return param

    # -- training ops with in-place ufuncs (backends._xp_train), imported here to keep this block whole
    from backends import _xp_train

    def softmax(self, Z: Array) -> Array:
        if Z.dtype.kind != "f":
            return super().softmax(Z)
        return self._xp_train.softmax(self.xp, Z)

    def categorical_cross_entropy(self, AL: Array, Y: Array) -> Array:
        if AL.dtype.kind != "f" or AL.shape != Y.shape:
            return super().categorical_cross_entropy(AL, Y)
        return self._xp_train.categorical_cross_entropy(self.xp, AL, Y, self.dtype)

    def momentum_update_(
        self, param: Array, grad: Array, v: Array, lr: float, beta: float
    ) -> tuple[Array, Array]:
        return self._xp_train.momentum_update_(self.xp, param, grad, v, lr, beta)

    def rmsprop_update_(
        self, param: Array, grad: Array, s: Array, lr: float, beta: float, epsilon: float
    ) -> tuple[Array, Array]:
        return self._xp_train.rmsprop_update_(self.xp, param, grad, s, lr, beta, epsilon)

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
        return self._xp_train.adam_update_(self.xp, param, grad, v, s, lr, beta1, beta2, epsilon, t)
