"""The backend contract: every op xnn uses, typed, with default fused NN ops built from primitives.

Shapes follow the course: X (n_x, m), W (n, n_prev), b (n, 1), Z/A/dZ/dA (n, m).
A backend owns its native arrays ("Array" below): `asarray` is the way in, `to_numpy` the way out.
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar

import numpy as np

from backends._shapes import Axis, Shape

Array = Any  # the backend's native array type (numpy.ndarray or cupy.ndarray)
DTypeLike = Any

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")


class Backend(abc.ABC):
    """One array library behind one interface; subclasses implement the primitives."""

    name: ClassVar[str] = "base"

    def __init__(self, dtype: DTypeLike = None) -> None:
        from backends import resolve_dtype

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

    def memory_info(self) -> dict[str, Any]:
        """What the backend knows about its memory (device, pool sizes); CPU backends say little."""
        return {"device": "cpu"}

    # -- matmul ---------------------------------------------------------------------------------
    @abc.abstractmethod
    def matmul(self, a: Array, b: Array) -> Array:
        """a @ b for a (n, k), b (k, m) -> (n, m); 1-D . 1-D -> 0-d dot product."""

    # -- elementwise unary ----------------------------------------------------------------------
    @abc.abstractmethod
    def exp(self, x: Array) -> Array:
        """e**x elementwise (inf on overflow)."""

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
        """Elementwise max, broadcast."""

    @abc.abstractmethod
    def minimum(self, a: Array, b: Array) -> Array:
        """Elementwise min, broadcast."""

    @abc.abstractmethod
    def power(self, a: Array, b: Array) -> Array:
        """a ** b, broadcast."""

    @abc.abstractmethod
    def greater(self, a: Array, b: Array) -> Array:
        """a > b as a bool array, broadcast."""

    @abc.abstractmethod
    def where(self, cond: Array, a: Array, b: Array) -> Array:
        """a where cond is true else b, all three broadcast."""

    def clip(self, x: Array, lo: float, hi: float) -> Array:
        """x limited to [lo, hi]."""
        return self.minimum(self.maximum(x, self.full((), lo)), self.full((), hi))

    # -- shape ----------------------------------------------------------------------------------
    @abc.abstractmethod
    def broadcast_to(self, x: Array, shape: Shape) -> Array:
        """x broadcast to `shape` per NumPy's rules."""

    @abc.abstractmethod
    def reshape(self, x: Array, shape: Shape) -> Array:
        """Same elements in `shape` (C order; one -1 allowed)."""

    @abc.abstractmethod
    def transpose(self, x: Array, axes: tuple[int, ...] | None = None) -> Array:
        """Axes permuted (reversed when `axes` is None)."""

    # -- reductions -----------------------------------------------------------------------------
    @abc.abstractmethod
    def sum(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        """Sum over `axis` (None: all)."""

    @abc.abstractmethod
    def max(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        """Max over `axis` (None: all)."""

    def mean(self, x: Array, axis: Axis = None, keepdims: bool = False) -> Array:
        """Mean over `axis` (None: all)."""
        from backends._shapes import normalize_axes

        axes = normalize_axes("mean", axis, len(x.shape))
        count = int(np.prod([x.shape[k] for k in axes], dtype=np.int64))
        return self.divide(self.sum(x, axis, keepdims), self.full((), count))

    # -- activations (stable at any |z|) and their derivatives ----------------------------------
    def sigmoid(self, Z: Array) -> Array:
        """1 / (1 + exp(-Z)), computed from exp(-|Z|) so it never overflows."""
        e = self.exp(self.negative(self.abs(Z)))
        one = self.ones(())
        pos = self.divide(one, self.add(one, e))
        return self.where(self.greater(Z, self.zeros(())), pos, self.multiply(e, pos))

    def relu(self, Z: Array) -> Array:
        """max(Z, 0)."""
        return self.maximum(Z, self.zeros(()))

    def leaky_relu(self, Z: Array, slope: float = 0.01) -> Array:
        """Z where Z > 0 else slope * Z."""
        return self.where(self.greater(Z, self.zeros(())), Z, self.multiply(Z, self.full((), slope)))

    def sigmoid_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = dA * s * (1 - s), s = sigmoid(Z)."""
        s = self.sigmoid(Z)
        return self.multiply(dA, self.multiply(s, self.subtract(self.ones(()), s)))

    def tanh_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = dA * (1 - tanh(Z)**2)."""
        t = self.tanh(Z)
        return self.multiply(dA, self.subtract(self.ones(()), self.multiply(t, t)))

    def relu_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = dA where Z > 0 else 0."""
        return self.where(self.greater(Z, self.zeros(())), dA, self.zeros(()))

    def leaky_relu_backward(self, dA: Array, Z: Array, slope: float = 0.01) -> Array:
        """dZ = dA where Z > 0 else slope * dA."""
        return self.where(self.greater(Z, self.zeros(())), dA, self.multiply(dA, self.full((), slope)))

    # -- fused neural-network ops (override for one pass instead of several) --------------------
    def linear_forward(self, W: Array, A: Array, b: Array) -> Array:
        """Z = W @ A_prev + b. W (n, n_prev), A_prev (n_prev, m), b (n, 1) -> Z (n, m)."""
        return self.add(self.matmul(W, A), b)

    def linear_backward(
        self, dZ: Array, A_prev: Array, W: Array, need_dA_prev: bool = True
    ) -> tuple[Array | None, Array, Array]:
        """(dA_prev, dW, db) from dZ (n, m): dW = dZ A_prev.T / m, db = row sums / m, dA_prev = W.T dZ."""
        inv_m = self.full((), 1.0 / dZ.shape[1])
        dW = self.multiply(self.matmul(dZ, self.transpose(A_prev)), inv_m)
        db = self.multiply(self.sum(dZ, axis=1, keepdims=True), inv_m)
        dA_prev = self.matmul(self.transpose(W), dZ) if need_dA_prev else None
        return dA_prev, dW, db

    def activation_forward(self, Z: Array, activation: str, slope: float = 0.01) -> Array:
        """A = g(Z) for g in sigmoid | tanh | relu | leaky_relu | linear."""
        check_activation(activation)
        if activation == "linear":
            return Z
        if activation == "leaky_relu":
            return self.leaky_relu(Z, slope)
        return getattr(self, activation)(Z)

    def activation_backward(self, dA: Array, Z: Array, activation: str, slope: float = 0.01) -> Array:
        """dZ = dA * g'(Z) for g in sigmoid | tanh | relu | leaky_relu | linear."""
        check_activation(activation)
        if activation == "linear":
            return dA
        if activation == "leaky_relu":
            return self.leaky_relu_backward(dA, Z, slope)
        return getattr(self, f"{activation}_backward")(dA, Z)

    def binary_cross_entropy(self, AL: Array, Y: Array) -> Array:
        """Cost -mean(Y log AL + (1-Y) log(1-AL)) over (1, m), AL clipped away from 0 and 1."""
        eps = bce_epsilon(self.dtype)
        AL = self.clip(AL, eps, 1.0 - eps)
        one = self.ones(())
        terms = self.add(
            self.multiply(Y, self.log(AL)),
            self.multiply(self.subtract(one, Y), self.log(self.subtract(one, AL))),
        )
        return self.negative(self.mean(terms))

    def binary_cross_entropy_backward(self, AL: Array, Y: Array) -> Array:
        """dAL = -(Y / AL - (1 - Y) / (1 - AL)), AL clipped as in the cost."""
        eps = bce_epsilon(self.dtype)
        AL = self.clip(AL, eps, 1.0 - eps)
        one = self.ones(())
        return self.subtract(self.divide(self.subtract(one, Y), self.subtract(one, AL)), self.divide(Y, AL))

    def mean_squared_error(self, AL: Array, Y: Array) -> Array:
        """Cost mean((AL - Y)**2) / 2 over (1, m) (the 1/2 keeps the gradient clean)."""
        d = self.subtract(AL, Y)
        return self.multiply(self.mean(self.multiply(d, d)), self.full((), 0.5))

    def mean_squared_error_backward(self, AL: Array, Y: Array) -> Array:
        """dAL = AL - Y, the gradient of the per-example loss (AL - Y)**2 / 2."""
        return self.subtract(AL, Y)

    @abc.abstractmethod
    def sgd_update_(self, param: Array, grad: Array, lr: float) -> Array:
        """param -= lr * grad, in place (no new parameter array); returns param."""


def check_activation(activation: str) -> None:
    """Raise a ValueError naming the valid activations."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; expected one of {', '.join(ACTIVATIONS)}")


def bce_epsilon(dtype: np.dtype) -> float:
    """Smallest clip that keeps log(AL) and log(1 - AL) finite in `dtype`."""
    return 1e-7 if np.dtype(dtype).itemsize <= 4 else 1e-15
