"""Explicit loops, JIT-compiled: every op is an @njit kernel (`_numba_*.py`), parallel where it pays.

The loops are the python backend's, compiled: elementwise ops walk flat buffers through
(shape, strides) so any rank broadcasts (`_numba_elementwise`), reductions fold in memory order
(`_numba_reduce`), matmul is blocked and reads transposed operands in place (`_numba_matmul`), and
the NN ops are fused into one pass each. `_numba_ops` is the boundary between this class and the
kernels (dtypes, layouts, output allocation, the thread-safety lock). Kernels compile on first use
per (op, dtype) and are cached on disk (cache=True; numba honours NUMBA_CACHE_DIR). `transpose`
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

from backends import _numba_ops as ops
from backends._base import Array, Backend, DTypeLike, bce_epsilon
from backends._numba_layout import broadcast_layout
from backends._shapes import Axis, Shape, check_broadcast_to, check_matmul, check_reshape


class NumbaBackend(Backend):
    """Compiled loops over numpy storage: one @njit kernel per op, prange above ~32k elements."""

    name = "numba"

    # -- creation and transfer ------------------------------------------------------------------
    def asarray(self, data: Any, dtype: DTypeLike = None) -> Array:
        """Native array from array-like `data`, in `dtype` (default: the backend's float dtype)."""
        return np.asarray(data, dtype=self.dtype if dtype is None else dtype)

    def to_numpy(self, x: Array) -> np.ndarray:
        """The array itself: storage is already numpy."""
        return np.asarray(x)

    def zeros(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        """Array of zeros."""
        return self.full(shape, 0.0, dtype)

    def ones(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        """Array of ones."""
        return self.full(shape, 1.0, dtype)

    def full(self, shape: Shape, fill_value: float, dtype: DTypeLike = None) -> Array:
        """Array filled with `fill_value`: the gather kernel reading one element with stride 0."""
        out = np.empty(shape, self.dtype if dtype is None else dtype)
        source = np.full(1, fill_value, out.dtype)
        return ops.gather(source, out, broadcast_layout(out.shape, ()))

    def empty(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        """Uninitialised array (contents arbitrary)."""
        return np.empty(shape, self.dtype if dtype is None else dtype)

    def astype(self, x: Array, dtype: DTypeLike) -> Array:
        """Copy of `x` converted to `dtype` (the cast happens in the gather kernel)."""
        return self.copy(x) if np.dtype(dtype) == x.dtype else ops.as_c(x, dtype)

    def copy(self, x: Array) -> Array:
        """Independent C-contiguous copy of `x`."""
        if not x.flags.c_contiguous:
            return ops.as_c(x)
        return ops.gather(ops.flat(x), np.empty(x.shape, x.dtype), broadcast_layout(x.shape, x.shape))

    def item(self, x: Array) -> float:
        """The one element of a size-1 array as a Python float."""
        if x.size != 1:
            raise ValueError(f"item: expected an array with one element, got shape {tuple(x.shape)}")
        return float(x.reshape(()))

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
        return ops.gemm(a, b) if np.ndim(a) == 2 else ops.dot(a, b)

    # -- elementwise unary ----------------------------------------------------------------------
    def exp(self, x: Array) -> Array:
        """e**x elementwise (inf on overflow)."""
        return ops.unary("exp", x)

    def log(self, x: Array) -> Array:
        """Natural log elementwise (-inf at 0, nan below)."""
        return ops.unary("log", x)

    def tanh(self, x: Array) -> Array:
        """tanh elementwise; also the tanh activation."""
        return ops.unary("tanh", x)

    def sqrt(self, x: Array) -> Array:
        """Square root elementwise (nan below 0)."""
        return ops.unary("sqrt", x)

    def negative(self, x: Array) -> Array:
        """-x elementwise."""
        return ops.unary("negative", x)

    def abs(self, x: Array) -> Array:
        """|x| elementwise."""
        return ops.unary("abs", x)

    # -- elementwise binary (NumPy broadcasting, any rank) --------------------------------------
    def add(self, a: Array, b: Array) -> Array:
        """a + b, broadcast."""
        return ops.binary("add", a, b)

    def subtract(self, a: Array, b: Array) -> Array:
        """a - b, broadcast."""
        return ops.binary("subtract", a, b)

    def multiply(self, a: Array, b: Array) -> Array:
        """a * b, broadcast."""
        return ops.binary("multiply", a, b)

    def divide(self, a: Array, b: Array) -> Array:
        """a / b, broadcast (inf/nan on division by zero, as NumPy)."""
        return ops.binary("divide", a, b)

    def maximum(self, a: Array, b: Array) -> Array:
        """Elementwise max, broadcast (nan wins, as NumPy)."""
        return ops.binary("maximum", a, b)

    def minimum(self, a: Array, b: Array) -> Array:
        """Elementwise min, broadcast (nan wins, as NumPy)."""
        return ops.binary("minimum", a, b)

    def power(self, a: Array, b: Array) -> Array:
        """a ** b, broadcast."""
        return ops.binary("power", a, b)

    def greater(self, a: Array, b: Array) -> Array:
        """a > b as a bool array, broadcast."""
        return ops.binary("greater", a, b)

    def where(self, cond: Array, a: Array, b: Array) -> Array:
        """a where cond is true else b, all three broadcast."""
        return ops.where(cond, a, b)

    def clip(self, x: Array, lo: float, hi: float) -> Array:
        """x limited to [lo, hi] in one pass (nan stays nan)."""
        return ops.unary("clip", x, lo, hi)

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
        axes = tuple(range(x.ndim))[::-1] if axes is None else tuple(int(a) for a in axes)
        ok = all(-x.ndim <= a < x.ndim for a in axes)
        if not ok or sorted(a % x.ndim for a in axes) != list(range(x.ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of {x.ndim} axes")
        return x.transpose(axes)

    # -- reductions -----------------------------------------------------------------------------
    def sum(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        """Sum over `axis` (None: all)."""
        return ops.reduce("sum", x, axis, keepdims)

    def max(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        """Max over `axis` (None: all); nan wins, as NumPy."""
        return ops.reduce("max", x, axis, keepdims)

    # -- activations: one fused pass each, stable at any |z| -------------------------------------
    def sigmoid(self, Z: Array) -> Array:
        """1 / (1 + exp(-Z)) via exp(-|Z|): never overflows."""
        return ops.unary("sigmoid", Z)

    def relu(self, Z: Array) -> Array:
        """max(Z, 0)."""
        return ops.unary("relu", Z)

    def leaky_relu(self, Z: Array, slope: float = 0.01) -> Array:
        """Z where Z > 0 else slope * Z."""
        return ops.unary("leaky_relu", Z, slope)

    def sigmoid_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = dA * s * (1 - s), s = sigmoid(Z), in one pass."""
        dZ = ops.pair("sigmoid_backward", dA, Z)
        return super().sigmoid_backward(dA, Z) if dZ is None else dZ

    def tanh_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = dA * (1 - tanh(Z)**2), in one pass."""
        dZ = ops.pair("tanh_backward", dA, Z)
        return super().tanh_backward(dA, Z) if dZ is None else dZ

    def relu_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = dA where Z > 0 else 0."""
        dZ = ops.pair("relu_backward", dA, Z)
        return super().relu_backward(dA, Z) if dZ is None else dZ

    def leaky_relu_backward(self, dA: Array, Z: Array, slope: float = 0.01) -> Array:
        """dZ = dA where Z > 0 else slope * dA."""
        dZ = ops.pair("leaky_relu_backward", dA, Z, slope)
        return super().leaky_relu_backward(dA, Z, slope) if dZ is None else dZ

    # -- fused neural-network ops ---------------------------------------------------------------
    def linear_forward(self, W: Array, A: Array, b: Array) -> Array:
        """Z = W @ A_prev + b, the bias added in the matmul's epilogue. W (n, n_prev), b (n, 1)."""
        n = np.shape(W)[0] if np.ndim(W) == 2 else -1
        if np.shape(b) not in ((n, 1), (1, 1), (1,), ()):
            return super().linear_forward(W, A, b)  # an unusual bias shape: broadcast add
        return ops.gemm(W, A, b)

    def linear_backward(
        self, dZ: Array, A_prev: Array, W: Array, need_dA_prev: bool = True, lambd: float = 0.0
    ) -> tuple[Array | None, Array, Array]:
        """(dA_prev, dW, db): dW = dZ A_prev.T / m and dA_prev = W.T dZ read the transposes in place."""
        check_matmul(np.shape(dZ), np.shape(A_prev)[::-1])
        inv_m = 1.0 / dZ.shape[1]
        dW = ops.gemm(dZ, np.asarray(A_prev).T, alpha=inv_m)
        if lambd:
            dW = self.add(dW, self.multiply(W, self.full((), lambd * inv_m)))
        db = ops.row_sums(dZ, inv_m)
        dA_prev = ops.gemm(np.asarray(W).T, dZ) if need_dA_prev else None
        return dA_prev, dW, db

    def binary_cross_entropy(self, AL: Array, Y: Array) -> Array:
        """Cost -mean(Y log AL + (1-Y) log(1-AL)) over (1, m) in one pass, AL clipped as the base."""
        if np.shape(AL) != np.shape(Y):
            return super().binary_cross_entropy(AL, Y)
        eps = bce_epsilon(self.dtype)
        return ops.cost(0, AL, Y, -1.0, eps, 1.0 - eps)

    def binary_cross_entropy_backward(self, AL: Array, Y: Array) -> Array:
        """dAL = (1 - Y) / (1 - AL) - Y / AL in one pass, AL clipped as in the cost."""
        eps = bce_epsilon(self.dtype)
        dAL = ops.pair("bce_backward", AL, Y, eps, 1.0 - eps)
        return super().binary_cross_entropy_backward(AL, Y) if dAL is None else dAL

    def mean_squared_error(self, AL: Array, Y: Array) -> Array:
        """Cost mean((AL - Y)**2) / 2 over (1, m) in one pass."""
        if np.shape(AL) != np.shape(Y):
            return super().mean_squared_error(AL, Y)
        return ops.cost(1, AL, Y, 0.5)

    def sgd_update_(self, param: Array, grad: Array, lr: float) -> Array:
        """param -= lr * grad, in place (lr cast to param's dtype first, as NumPy); returns param."""
        if np.shape(param) != np.shape(grad):
            raise ValueError(f"sgd_update_: param {np.shape(param)} and grad {np.shape(grad)} differ")
        ops.sgd_update(param, grad, lr)
        return param

    # -- training ops, one fused kernel each (backends._numba_train); None means compose instead --
    from backends import _numba_train_ops as _numba_train

    def softmax(self, Z: Array) -> Array:
        S = self._numba_train.softmax(Z)
        return super().softmax(Z) if S is None else S

    def softmax_backward(self, dA: Array, Z: Array) -> Array:
        dZ = self._numba_train.softmax_backward(dA, Z)
        return super().softmax_backward(dA, Z) if dZ is None else dZ

    def categorical_cross_entropy(self, AL: Array, Y: Array) -> Array:
        cost = self._numba_train.categorical_cross_entropy(AL, Y, bce_epsilon(self.dtype))
        return super().categorical_cross_entropy(AL, Y) if cost is None else cost

    def momentum_update_(
        self, param: Array, grad: Array, v: Array, lr: float, beta: float
    ) -> tuple[Array, Array]:
        out = self._numba_train.momentum_update_(param, grad, v, lr, beta)
        return super().momentum_update_(param, grad, v, lr, beta) if out is None else out

    def rmsprop_update_(
        self, param: Array, grad: Array, s: Array, lr: float, beta: float, epsilon: float
    ) -> tuple[Array, Array]:
        out = self._numba_train.rmsprop_update_(param, grad, s, lr, beta, epsilon)
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
        out = self._numba_train.adam_update_(param, grad, v, s, lr, beta1, beta2, epsilon, t)
        return super().adam_update_(param, grad, v, s, lr, beta1, beta2, epsilon, t) if out is None else out

    def argmax(self, x: Array, axis: int = 0) -> Array:
        picks = self._numba_train.argmax(x, axis)
        return super().argmax(x, axis) if picks is None else picks

    def take(self, x: Array, indices: Any, axis: int = 0) -> Array:
        out = self._numba_train.take(x, indices, axis)
        return super().take(x, indices, axis) if out is None else out
