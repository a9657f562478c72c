"""Vectorized backend written against `self.xp`: numpy here, cupy in the subclass (the default backend).

Ops reach the array library through four hooks, `_unary`, `_broadcast`, `_product` and `_alloc`:
the cupy subclass overrides the hooks (to name host arrays and out-of-memory errors), not the ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backends._base import Array, Backend, DTypeLike
from backends._shapes import (
    WEAK,
    Axis,
    Shape,
    broadcast_error,
    check_broadcast_to,
    check_matmul,
    check_reshape,
    check_transpose,
    check_update,
    floating,
    floatings,
    matmul_shape,
    weak_operands,
    writable_float,
)
from backends._workspace import Recycling


class NumpyBackend(Recycling, Backend):
    """Vectorized CPU: every op is one NumPy call (BLAS for matmul)."""

    name = "numpy"
    xp: Any = np
    _float = floating
    _floats = floatings
    RELU_SELECT_MAX = 4096  # relu_backward's switch: a select up to this size, bit masking above

    def _dt(self, dtype: DTypeLike) -> Any:
        return self.dtype if dtype is None else dtype

    # -- hooks: every call into the array library goes through one of these ----------------------
    def _unary(self, op: str, f: Any, x: Array) -> Array:
        return f(x)

    def _broadcast(self, op: str, f: Any, *args: Array) -> Array:
        try:
            return f(*args)
        except ValueError as e:
            raise broadcast_error(op, *(np.shape(a) for a in args)) from e

    def _product(self, op: str, f: Any, *args: Array) -> Array:
        """f(a, b, *rest) computing a @ b (+ rest): matmul and linear_forward."""
        try:
            return f(*args)
        except ValueError as e:  # the bias: the matmul's shapes were checked before
            raise broadcast_error(op, matmul_shape(*args[:2]), *(np.shape(a) for a in args[2:])) from e

    def _alloc(self, op: str, make: Any, shape: Shape, dtype: DTypeLike, *fill: float) -> Array:
        return make(shape, *fill, dtype=self._dt(dtype))

    def _linear(self, W: Array, A: Array, b: Array) -> Array:
        Z = self._matmul_into(W, A)
        if getattr(b, "dtype", Z.dtype) != Z.dtype and self.xp.result_type(Z.dtype, b.dtype) != Z.dtype:
            return Z + b  # a wider bias (float64 on float32 products) widens Z, as W @ A + b does
        Z += b  # in place into the matmul's output: no second (n, m) temporary
        return Z

    # -- creation and transfer ------------------------------------------------------------------
    def asarray(self, data: Any, dtype: DTypeLike = None) -> Array:
        return self.xp.asarray(data, dtype=self._dt(dtype))

    def to_numpy(self, x: Array) -> np.ndarray:
        return np.asarray(x)

    def zeros(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        return self._alloc("zeros", self.xp.zeros, shape, dtype)

    def ones(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        return self._alloc("ones", self.xp.ones, shape, dtype)

    def full(self, shape: Shape, fill_value: float, dtype: DTypeLike = None) -> Array:
        return self._alloc("full", self.xp.full, shape, dtype, fill_value)

    def empty(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        return self._alloc("empty", self.xp.empty, shape, dtype)

    def astype(self, x: Array, dtype: DTypeLike) -> Array:
        return x.astype(dtype, copy=True)

    def copy(self, x: Array) -> Array:
        return self.xp.array(x, copy=True)

    def item(self, x: Array) -> float:
        if x.size != 1:
            raise ValueError(f"item: expected an array with one element, got shape {tuple(x.shape)}")
        return float(x.reshape(()))

    # -- matmul ---------------------------------------------------------------------------------
    def matmul(self, a: Array, b: Array) -> Array:
        check_matmul(a.shape, b.shape)
        return self._product("matmul", self.xp.matmul, self._float(a), self._float(b))

    # -- elementwise ----------------------------------------------------------------------------
    def exp(self, x: Array) -> Array:
        with np.errstate(over="ignore"):
            return self._unary("exp", self.xp.exp, self._float(x))

    def log(self, x: Array) -> Array:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._unary("log", self.xp.log, self._float(x))

    def tanh(self, x: Array) -> Array:
        return self._unary("tanh", self.xp.tanh, self._float(x))

    def sqrt(self, x: Array) -> Array:
        with np.errstate(invalid="ignore"):
            return self._unary("sqrt", self.xp.sqrt, self._float(x))

    def negative(self, x: Array) -> Array:
        return self._unary("negative", self.xp.negative, self._float(x))

    def abs(self, x: Array) -> Array:
        return self._unary("abs", self.xp.abs, self._float(x))

    def add(self, a: Array, b: Array) -> Array:
        return self._broadcast("add", self.xp.add, self._float(a), self._float(b))

    def subtract(self, a: Array, b: Array) -> Array:
        return self._broadcast("subtract", self.xp.subtract, self._float(a), self._float(b))

    def multiply(self, a: Array, b: Array) -> Array:
        return self._broadcast("multiply", self.xp.multiply, self._float(a), self._float(b))

    def divide(self, a: Array, b: Array) -> Array:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return self._broadcast("divide", self.xp.divide, self._float(a), self._float(b))

    def maximum(self, a: Array, b: Array) -> Array:
        return self._broadcast("maximum", self.xp.maximum, self._float(a), self._float(b))

    def minimum(self, a: Array, b: Array) -> Array:
        return self._broadcast("minimum", self.xp.minimum, self._float(a), self._float(b))

    def power(self, a: Array, b: Array) -> Array:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._broadcast("power", self.xp.power, self._float(a), self._float(b))

    def greater(self, a: Array, b: Array) -> Array:
        return self._broadcast("greater", self.xp.greater, self._float(a), self._float(b))

    def where(self, cond: Array, a: Array, b: Array) -> Array:
        return self._broadcast("where", self.xp.where, cond, self._float(a), self._float(b))

    def clip(self, x: Array, lo: float, hi: float) -> Array:
        return self.xp.minimum(self.xp.maximum(self._float(x), lo), hi)  # np.clip's own definition

    # -- shape ----------------------------------------------------------------------------------
    def broadcast_to(self, x: Array, shape: Shape) -> Array:
        check_broadcast_to(x.shape, tuple(shape))
        return self.xp.broadcast_to(x, shape)

    def reshape(self, x: Array, shape: Shape) -> Array:
        return self.xp.reshape(x, check_reshape(x.shape, shape))

    def transpose(self, x: Array, axes: tuple[int, ...] | None = None) -> Array:
        return self.xp.transpose(x, check_transpose(axes, x.ndim))

    # -- reductions -----------------------------------------------------------------------------
    def sum(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        return self.xp.sum(self._float(x), axis=axis, keepdims=keepdims)

    def max(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        return self.xp.max(self._float(x), axis=axis, keepdims=keepdims)

    def argmax(self, x: Array, axis: int = 0) -> Array:
        if x.shape[axis] == 0:
            raise ValueError(f"argmax: axis {axis} of shape {tuple(x.shape)} is empty; nothing to pick from")
        return self.xp.argmax(x, axis=axis).astype(self.xp.int64, copy=False)

    def take(self, x: Array, indices: Any, axis: int = 0) -> Array:
        return self.xp.take(x, self.xp.asarray(indices, dtype=self.xp.intp), axis=axis)

    def mean(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        return self.xp.mean(self._float(x), axis=axis, keepdims=keepdims)

    # -- activations: one expression each, stable at any |z| ------------------------------------
    def sigmoid(self, Z: Array) -> Array:
        """exp(min(Z, 0)) / (1 + exp(-|Z|)): never overflows, and branch-free (no where)."""
        xp, Z = self.xp, self._float(Z)
        d = xp.exp(-xp.abs(Z))
        d += 1
        s = xp.exp(xp.minimum(Z, 0))
        s /= d
        return s

    def relu(self, Z: Array) -> Array:
        return self.xp.maximum(self._float(Z), 0)

    # -- fused neural-network ops: fewer passes and temporaries than the defaults -----------------
    def linear_forward(self, W: Array, A: Array, b: Array) -> Array:
        """Z = W @ A_prev + b, the bias added in place into the matmul's output."""
        check_matmul(W.shape, A.shape)
        return self._product("linear_forward", self._linear, *self._floats(W, A, b))

    def linear_backward(
        self, dZ: Array, A_prev: Array, W: Array, need_dA_prev: bool = True, lambd: float = 0.0
    ) -> tuple[Array | None, Array, Array]:
        """(dA_prev, dW, db); the 1/m folded into in-place scaling, no dA_prev when not needed."""
        dZ, A_prev, W = self._floats(dZ, A_prev, W)
        inv_m = 1.0 / dZ.shape[1]
        # float32: the same GEMM turned over, 0.98-1.48x as fast with OpenBLAS on an idle 2-core machine,
        # 1.3-3.6x with a competing process (paired); float64 keeps the plain form (0.72-1.03x turned)
        dW = (A_prev @ dZ.T).T if dZ.dtype == np.float32 else dZ @ A_prev.T
        dW *= inv_m
        if lambd:
            dW += (lambd * inv_m) * W
        db = dZ.sum(axis=1, keepdims=True)
        db *= inv_m
        return (self._matmul_into(W.T, dZ) if need_dA_prev else None), dW, db

    def relu_backward(self, dA: Array, Z: Array) -> Array:
        """dA's bits kept where Z > 0, zeroed elsewhere: exactly 0 there even for an inf or nan dA (which
        dA * (Z > 0) would turn into nan), and branch-free (np.where is ~10x slower on random signs)."""
        if type(dA) in WEAK:  # a Python scalar dA takes Z's float dtype (the weak rule)
            dA = weak_operands(dA, self._float(Z), xp=self.xp)[0]
        dA = self._float(dA)
        if dA.size <= self.RELU_SELECT_MAX:  # small or a scalar: one select beats five
            return self.xp.where(Z > 0, dA, 0)  # bit ops on call overhead; 0 takes dA's dtype (weak)
        bits = np.dtype(f"i{dA.dtype.itemsize}")
        keep = (Z > 0).view(np.uint8).astype(bits)
        keep *= -1  # all ones where Z > 0
        if keep.shape != dA.shape:  # broadcast: not in place
            return np.bitwise_and(keep, dA.view(bits)).view(dA.dtype)
        keep &= dA.view(bits)
        return keep.view(dA.dtype)

    def sigmoid_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = dA * e / (1 + e)**2, e = exp(-|Z|): s (1 - s) without 1 - s cancelling in the tails."""
        xp = self.xp
        e = xp.exp(-xp.abs(self._float(Z)))
        d = e + 1
        d *= d
        e /= d
        return self._float(dA) * e

    def tanh_backward(self, dA: Array, Z: Array) -> Array:
        return self._xp_train.tanh_backward(self.xp, self._float(dA), self._float(Z))

    def sgd_update_(self, param: Array, grad: Array, lr: float) -> Array:
        check_update("sgd_update_", param, grad)
        param -= param.dtype.type(lr) * grad
        return param

    # -- training ops with in-place ufuncs (backends._xp_train), imported here to keep this block whole
    from backends import _xp_train

    def activation_forward_(self, Z: Array, activation: str, slope: float = 0.01) -> Array:
        if activation == "relu" and writable_float(self.xp, Z):
            return self._xp_train.relu_inplace(self.xp, Z)
        return self.activation_forward(Z, activation, slope)

    def activation_backward_(self, dA: Array, Z: Array, activation: str, slope: float = 0.01) -> Array:
        big = getattr(dA, "size", 0) > self.RELU_SELECT_MAX  # smaller: the select, which allocates, is faster
        if big and activation == "relu" and self._xp_train.spendable(self.xp, dA, Z):
            return self._xp_train.relu_backward_inplace(self.xp, dA, Z)
        return self.activation_backward(dA, Z, activation, slope)

    def softmax(self, Z: Array) -> Array:
        return self._xp_train.softmax(self.xp, self._float(Z))

    def categorical_cross_entropy(self, AL: Array, Y: Array) -> Array:
        if AL.shape != Y.shape:
            return super().categorical_cross_entropy(AL, Y)
        return self._xp_train.categorical_cross_entropy(self.xp, self._float(AL), self._float(Y), self.dtype)

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
