"""Explicit loops, JIT-compiled: every op is an @njit kernel (`_numba_*.py`), parallel where it pays.

The loops are the python backend's, compiled: elementwise ops walk flat buffers through
(shape, strides) so any rank broadcasts (`_numba_elementwise`), reductions fold in memory order
(`_numba_reduce`), matmul is blocked and reads transposed operands in place (`_numba_matmul`), and
the NN ops are fused into one pass each. `_numba_ops` is the boundary between this class and the
kernels (dtypes, layouts, output allocation, the thread-safety lock). Kernels compile on first use
per (op, dtype) and are cached on disk, in ~/.cache/xnn/numba unless NUMBA_CACHE_DIR names another
folder (`_numba_jit`); a compile says so once on stderr (`_numba_notice`). `transpose`
returns a strided view, as NumPy does: matmul reads it in place, other kernels gather it once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    import numba
except ImportError:
    raise  # the registry turns this into BackendUnavailableError with the fix (pip install numba)
except Exception as e:  # a broken install (e.g. llvmlite/numpy mismatch) fails with other errors
    raise ImportError(f"numba is installed but failed to import ({e!r})") from e

from backends import _numba_notice  # noqa: F401  (registers the one-time compile notice)
from backends import _numba_ops as ops
from backends._base import Array, DTypeLike, clip_epsilon
from backends._host_storage import HostStorage
from backends._numba_layout import broadcast_layout
from backends._shapes import (
    Axis,
    Shape,
    check_broadcast_to,
    check_matmul,
    check_reshape,
    check_transpose,
    check_update,
    floating,
)
from backends._workspace import Recycling


class NumbaBackend(Recycling, HostStorage):
    """Compiled loops over numpy storage: one @njit kernel per op, prange above ~32k elements."""

    name = "numba"

    def _float(self, x: Any) -> Any:
        """`floating`'s rule, after a native-order copy of a byte-swapped array (e.g. '>f8' read from a
        big-endian file): numba compiles for native byte order only, NumPy reads either."""
        dtype = getattr(x, "dtype", None)
        if dtype is not None and not dtype.isnative:
            x = x.astype(dtype.newbyteorder("="))
        return floating(self, x)

    # -- creation and transfer ------------------------------------------------------------------
    def full(self, shape: Shape, fill_value: float, dtype: DTypeLike = None) -> Array:
        """Array filled with `fill_value`: the gather kernel reading one element with stride 0."""
        out = np.empty(shape, self.dtype if dtype is None else dtype)
        source = np.full(1, fill_value, out.dtype)
        return ops.gather(source, out, broadcast_layout(out.shape, ()))

    def astype(self, x: Array, dtype: DTypeLike) -> Array:
        """Copy of `x` converted to `dtype` (the cast happens in the gather kernel)."""
        return self.copy(x) if np.dtype(dtype) == x.dtype else ops.as_c(x, dtype)

    def copy(self, x: Array) -> Array:
        """Independent C-contiguous copy of `x`."""
        return ops.copy(x)

    def memory_info(self) -> dict[str, Any]:
        """CPU, plus numba's threading layer and thread count."""
        return {
            "device": "cpu",
            "threading_layer": ops.threading_layer() or "not started yet",
            "num_threads": numba.get_num_threads(),
        }

    # -- matmul ---------------------------------------------------------------------------------
    def matmul(self, a: Array, b: Array) -> Array:
        """Blocked parallel a @ b for a (n, k), b (k, m) -> (n, m); 1-D . 1-D -> 0-d dot product."""
        check_matmul(np.shape(a), np.shape(b))
        a, b = self._float(a), self._float(b)
        return ops.gemm(a, b) if np.ndim(a) == 2 else ops.dot(a, b)

    # -- elementwise unary ----------------------------------------------------------------------
    def exp(self, x: Array) -> Array:
        return ops.unary("exp", self._float(x))

    def log(self, x: Array) -> Array:
        return ops.unary("log", self._float(x))

    def tanh(self, x: Array) -> Array:
        return ops.unary("tanh", self._float(x))

    def sqrt(self, x: Array) -> Array:
        return ops.unary("sqrt", self._float(x))

    def negative(self, x: Array) -> Array:
        return ops.unary("negative", self._float(x))

    def abs(self, x: Array) -> Array:
        return ops.unary("abs", self._float(x))

    # -- elementwise binary (NumPy broadcasting, any rank) --------------------------------------
    def add(self, a: Array, b: Array) -> Array:
        return ops.binary("add", self._float(a), self._float(b))

    def subtract(self, a: Array, b: Array) -> Array:
        return ops.binary("subtract", self._float(a), self._float(b))

    def multiply(self, a: Array, b: Array) -> Array:
        return ops.binary("multiply", self._float(a), self._float(b))

    def divide(self, a: Array, b: Array) -> Array:
        return ops.binary("divide", self._float(a), self._float(b))

    def maximum(self, a: Array, b: Array) -> Array:
        return ops.binary("maximum", self._float(a), self._float(b))

    def minimum(self, a: Array, b: Array) -> Array:
        return ops.binary("minimum", self._float(a), self._float(b))

    def power(self, a: Array, b: Array) -> Array:
        return ops.binary("power", self._float(a), self._float(b))

    def greater(self, a: Array, b: Array) -> Array:
        return ops.binary("greater", self._float(a), self._float(b))

    def where(self, cond: Array, a: Array, b: Array) -> Array:
        return ops.where(cond, self._float(a), self._float(b))

    def clip(self, x: Array, lo: float, hi: float) -> Array:
        """x limited to [lo, hi] in one pass (nan stays nan)."""
        return ops.unary("clip", self._float(x), lo, hi)

    # -- shape ----------------------------------------------------------------------------------
    def broadcast_to(self, x: Array, shape: Shape) -> Array:
        """x broadcast to `shape`, materialized by the gather kernel (stride 0 on broadcast dims)."""
        shape = tuple(shape)
        check_broadcast_to(x.shape, shape)
        x = ops.as_c(x)
        return ops.gather(ops.flat(x), np.empty(shape, x.dtype), broadcast_layout(shape, x.shape))

    def reshape(self, x: Array, shape: Shape) -> Array:
        """Same elements in `shape` (C order; one -1 allowed): a view of the C-contiguous data."""
        return ops.as_c(x).reshape(check_reshape(x.shape, shape))

    def transpose(self, x: Array, axes: tuple[int, ...] | None = None) -> Array:
        """Axes permuted, as a strided view: kernels read it in place (matmul) or gather it once."""
        return x.transpose(check_transpose(axes, x.ndim))

    # -- reductions -----------------------------------------------------------------------------
    def sum(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        return ops.reduce("sum", self._float(x), axis, keepdims)

    def max(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        return ops.reduce("max", self._float(x), axis, keepdims)

    # -- activations: one fused pass each, stable at any |z| -------------------------------------
    def sigmoid(self, Z: Array) -> Array:
        """1 / (1 + exp(-Z)) via exp(-|Z|): never overflows."""
        return ops.unary("sigmoid", self._float(Z))

    def relu(self, Z: Array) -> Array:
        return ops.unary("relu", self._float(Z))

    def leaky_relu(self, Z: Array, slope: float = 0.01) -> Array:
        return ops.unary("leaky_relu", self._float(Z), slope)

    def sigmoid_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = dA * s * (1 - s), s = sigmoid(Z), in one pass."""
        dZ = ops.pair("sigmoid_backward", self._float(dA), self._float(Z))
        return super().sigmoid_backward(dA, Z) if dZ is None else dZ

    def tanh_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = dA * (1 - tanh(Z)**2), in one pass."""
        dZ = ops.pair("tanh_backward", self._float(dA), self._float(Z))
        return super().tanh_backward(dA, Z) if dZ is None else dZ

    def relu_backward(self, dA: Array, Z: Array) -> Array:
        dZ = ops.pair("relu_backward", self._float(dA), self._float(Z))
        return super().relu_backward(dA, Z) if dZ is None else dZ

    def leaky_relu_backward(self, dA: Array, Z: Array, slope: float = 0.01) -> Array:
        dZ = ops.pair("leaky_relu_backward", self._float(dA), self._float(Z), slope)
        return super().leaky_relu_backward(dA, Z, slope) if dZ is None else dZ

    # -- in place where the input may be spent: one kernel reading and writing one array ---------
    def activation_forward_(self, Z: Array, activation: str, slope: float = 0.01) -> Array:
        if isinstance(activation, str) and activation in ops.INPLACE:
            A = ops.unary_(activation, Z, slope)
            if A is not None:
                return A
        return self.activation_forward(Z, activation, slope)

    def activation_backward_(self, dA: Array, Z: Array, activation: str, slope: float = 0.01) -> Array:
        name = f"{activation}_backward" if isinstance(activation, str) else ""
        if name in ops.INPLACE_PAIR:
            dZ = ops.pair_(name, dA, self._float(Z), slope)
            if dZ is not None:
                return dZ
        return self.activation_backward(dA, Z, activation, slope)

    # -- fused neural-network ops ---------------------------------------------------------------
    def linear_forward(self, W: Array, A: Array, b: Array) -> Array:
        """Z = W @ A_prev + b, the bias added in the matmul's epilogue. W (n, n_prev), b (n, 1)."""
        n = np.shape(W)[0] if np.ndim(W) == 2 else -1
        if np.shape(b) not in ((n, 1), (1, 1), (1,), ()):
            return super().linear_forward(W, A, b)  # an unusual bias shape: broadcast add
        W, A = self._float(W), self._float(A)
        return ops.gemm(W, A, self._float(b), out=self._spare_product(np.asarray(W), np.asarray(A)))

    def linear_backward(
        self, dZ: Array, A_prev: Array, W: Array, need_dA_prev: bool = True, lambd: float = 0.0
    ) -> tuple[Array | None, Array, Array]:
        """(dA_prev, dW, db): dW = dZ A_prev.T / m and dA_prev = W.T dZ read the transposes in place."""
        check_matmul(np.shape(dZ), np.shape(A_prev)[::-1])
        dZ, A_prev, W = self._float(dZ), self._float(A_prev), self._float(W)
        inv_m = 1.0 / dZ.shape[1]
        dW = ops.gemm(dZ, np.asarray(A_prev).T, alpha=inv_m)
        if lambd:
            dW = self.add(dW, self.multiply(W, lambd * inv_m))
        db = ops.row_sums(dZ, inv_m)
        W_T = np.asarray(W).T
        dA_prev = ops.gemm(W_T, dZ, out=self._spare_product(W_T, np.asarray(dZ))) if need_dA_prev else None
        return dA_prev, dW, db

    def binary_cross_entropy(self, AL: Array, Y: Array) -> Array:
        """Cost -sum(Y log AL + (1-Y) log(1-AL)) / m over (n_L, m) in one pass, AL clipped as the base."""
        if np.shape(AL) != np.shape(Y):
            return super().binary_cross_entropy(AL, Y)
        eps = clip_epsilon(AL, self.dtype)
        return ops.cost(0, self._float(AL), self._float(Y), -1.0, eps, 1.0 - eps)

    def binary_cross_entropy_backward(self, AL: Array, Y: Array) -> Array:
        """dAL = (1 - Y) / (1 - AL) - Y / AL in one pass, AL clipped as in the cost."""
        eps = clip_epsilon(AL, self.dtype)
        dAL = ops.pair("bce_backward", self._float(AL), self._float(Y), eps, 1.0 - eps)
        return super().binary_cross_entropy_backward(AL, Y) if dAL is None else dAL

    def mean_squared_error(self, AL: Array, Y: Array) -> Array:
        """Cost sum((AL - Y)**2) / (2 m) over (n_L, m) in one pass."""
        if np.shape(AL) != np.shape(Y):
            return super().mean_squared_error(AL, Y)
        return ops.cost(1, self._float(AL), self._float(Y), 0.5)

    def sgd_update_(self, param: Array, grad: Array, lr: float) -> Array:
        """param -= lr * grad, in place (lr cast to param's dtype first, as NumPy); returns param."""
        check_update("sgd_update_", param, grad)
        ops.sgd_update(param, self._float(grad), lr)
        return param

    # -- training ops, one fused kernel each (backends._numba_train); None means compose instead --
    from backends import _numba_train_ops as _numba_train

    def softmax(self, Z: Array) -> Array:
        S = self._numba_train.softmax(self._float(Z))
        return super().softmax(Z) if S is None else S

    def softmax_backward(self, dA: Array, Z: Array) -> Array:
        dZ = self._numba_train.softmax_backward(self._float(dA), self._float(Z))
        return super().softmax_backward(dA, Z) if dZ is None else dZ

    def categorical_cross_entropy(self, AL: Array, Y: Array) -> Array:
        AL, Y = self._float(AL), self._float(Y)
        cost = self._numba_train.categorical_cross_entropy(AL, Y, clip_epsilon(AL, self.dtype))
        return super().categorical_cross_entropy(AL, Y) if cost is None else cost

    def momentum_update_(
        self, param: Array, grad: Array, v: Array, lr: float, beta: float
    ) -> tuple[Array, Array]:
        out = self._numba_train.momentum_update_(param, self._float(grad), v, lr, beta)
        return super().momentum_update_(param, grad, v, lr, beta) if out is None else out

    def rmsprop_update_(
        self, param: Array, grad: Array, s: Array, lr: float, beta: float, epsilon: float
    ) -> tuple[Array, Array]:
        out = self._numba_train.rmsprop_update_(param, self._float(grad), s, lr, beta, epsilon)
        return super().rmsprop_update_(param, grad, s, lr, beta, epsilon) if out is None else out

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
        out = self._numba_train.adam_update_(param, self._float(grad), v, s, lr, beta1, beta2, epsilon, t)
        return super().adam_update_(param, grad, v, s, lr, beta1, beta2, epsilon, t) if out is None else out

    def argmax(self, x: Array, axis: int = 0) -> Array:
        picks = self._numba_train.argmax(x, axis)
        return super().argmax(x, axis) if picks is None else picks

    def take(self, x: Array, indices: Any, axis: int = 0) -> Array:
        out = self._numba_train.take(x, indices, axis)
        return super().take(x, indices, axis) if out is None else out
