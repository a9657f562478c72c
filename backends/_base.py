"""The backend contract: the array primitives (`_array_ops.ArrayOps`) plus every neural-network op xnn
uses, with default implementations composed from the primitives that a backend may override (fused,
one pass instead of several).

Shapes follow the course: X (n_x, m), W (n, n_prev), b (n, 1), Z/A/dZ/dA (n, m), Y (n_L, m).
Costs sum over the output units and divide by m (the cost whose gradient backward computes).
Updates (`*_update_`) return what they update, the same arrays where storage is mutable and new
ones where it is not (dask): callers always use the returned arrays.
"""

from __future__ import annotations

import abc

import numpy as np

from backends._array_ops import Array, ArrayOps, DTypeLike
from backends._shapes import Shape

__all__ = [
    "ACTIVATIONS",
    "OUTPUT_ACTIVATIONS",
    "Array",
    "Backend",
    "DTypeLike",
    "bce_epsilon",
    "clip_epsilon",
    "check_activation",
]

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")  # elementwise: any layer
OUTPUT_ACTIVATIONS = (*ACTIVATIONS, "softmax")  # softmax mixes a column's units: output layer only
# activations computed by the backend method of their name, without a slope: name -> backward method
NAMED_OPS = {a: f"{a}_backward" for a in ("relu", "sigmoid", "tanh", "softmax")}


class Backend(ArrayOps):
    """One array library behind one interface: the primitives plus the fused neural-network ops."""

    # -- activations (stable at any |z|) and their derivatives ----------------------------------
    def sigmoid(self, Z: Array) -> Array:
        """1 / (1 + exp(-Z)), computed from exp(-|Z|) so it never overflows."""
        e = self.exp(self.negative(self.abs(Z)))
        one = 1.0
        pos = self.divide(one, self.add(one, e))
        return self.where(self.greater(Z, 0.0), pos, self.multiply(e, pos))

    def relu(self, Z: Array) -> Array:
        """max(Z, 0) (nan stays nan)."""
        return self.maximum(Z, 0.0)

    def leaky_relu(self, Z: Array, slope: float = 0.01) -> Array:
        """Z where Z > 0 else slope * Z."""
        return self.where(self.greater(Z, 0.0), Z, self.multiply(Z, float(slope)))

    def sigmoid_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = dA * s * (1 - s) = dA * e / (1 + e)**2 with e = exp(-|Z|): no cancellation in the tails."""
        e = self.exp(self.negative(self.abs(Z)))
        d = self.add(1.0, e)
        return self.multiply(dA, self.divide(e, self.multiply(d, d)))

    def tanh_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = dA * (1 - tanh(Z)**2) = dA * 4e / (1 + e)**2 with e = exp(-2|Z|): accurate in the tails."""
        e = self.exp(self.multiply(self.abs(Z), -2.0))
        d = self.add(1.0, e)
        return self.multiply(dA, self.divide(self.multiply(e, 4.0), self.multiply(d, d)))

    def relu_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = dA where Z > 0 else exactly 0 (also for an inf/nan dA, and where Z is nan)."""
        return self.where(self.greater(Z, 0.0), dA, 0.0)

    def leaky_relu_backward(self, dA: Array, Z: Array, slope: float = 0.01) -> Array:
        """dZ = dA where Z > 0 else slope * dA (Z nan counts as not > 0)."""
        return self.where(self.greater(Z, 0.0), dA, self.multiply(dA, float(slope)))

    # -- fused neural-network ops (override for one pass instead of several) --------------------
    def linear_forward(self, W: Array, A: Array, b: Array) -> Array:
        """Z = W @ A_prev + b. W (n, n_prev), A_prev (n_prev, m), b (n, 1) -> Z (n, m)."""
        return self.add(self.matmul(W, A), b)

    def linear_backward(
        self, dZ: Array, A_prev: Array, W: Array, need_dA_prev: bool = True, lambd: float = 0.0
    ) -> tuple[Array | None, Array, Array]:
        """(dA_prev, dW, db) from dZ (n, m): dW = dZ A_prev.T / m + (lambd / m) W, db = row sums / m,
        dA_prev = W.T dZ (None unless need_dA_prev)."""
        m = dZ.shape[1]
        inv_m = 1.0 / m  # Python floats: NumPy's weak scalars, which keep a float32 dZ float32
        dW = self.multiply(self.matmul(dZ, self.transpose(A_prev)), inv_m)
        if lambd:
            dW = self.add(dW, self.multiply(W, lambd / m))
        db = self.multiply(self.sum(dZ, axis=1, keepdims=True), inv_m)
        dA_prev = self.matmul(self.transpose(W), dZ) if need_dA_prev else None
        return dA_prev, dW, db

    def activation_forward(self, Z: Array, activation: str, slope: float = 0.01) -> Array:
        """A = g(Z) for g in sigmoid | tanh | relu | leaky_relu | linear."""
        if isinstance(activation, str) and activation in NAMED_OPS:  # the common case: one lookup
            return getattr(self, activation)(Z)
        if activation == "leaky_relu":
            return self.leaky_relu(Z, slope)
        check_activation(activation)
        return Z  # linear

    def activation_backward(self, dA: Array, Z: Array, activation: str, slope: float = 0.01) -> Array:
        """dZ = dA * g'(Z) for g in sigmoid | tanh | relu | leaky_relu | linear."""
        if isinstance(activation, str) and activation in NAMED_OPS:
            return getattr(self, NAMED_OPS[activation])(dA, Z)
        if activation == "leaky_relu":
            return self.leaky_relu_backward(dA, Z, slope)
        check_activation(activation)
        return dA  # linear

    def activation_forward_(self, Z: Array, activation: str, slope: float = 0.01) -> Array:
        """A = g(Z), written over Z where the backend can: returns A (use it; Z is spent, rule 6)."""
        return self.activation_forward(Z, activation, slope)

    def activation_backward_(self, dA: Array, Z: Array, activation: str, slope: float = 0.01) -> Array:
        """dZ = dA * g'(Z), written over dA where the backend can: returns dZ (use it; dA is spent)."""
        return self.activation_backward(dA, Z, activation, slope)

    def softmax(self, Z: Array) -> Array:
        """exp(Z - max) / sum over axis 0 (each column a distribution); finite at any |Z|."""
        e = self.exp(self.subtract(Z, self.max(Z, axis=0, keepdims=True)))
        return self.divide(e, self.sum(e, axis=0, keepdims=True))

    def softmax_backward(self, dA: Array, Z: Array) -> Array:
        """dZ = S * (dA - sum(dA * S, axis 0)), S = softmax(Z): the Jacobian-vector product per column."""
        S = self.softmax(Z)
        return self.multiply(S, self.subtract(dA, self.sum(self.multiply(dA, S), axis=0, keepdims=True)))

    # -- costs: sum over output units, divide by m (rule 7) -------------------------------------
    def _per_example(self, total: Array, m: int) -> Array:
        return self.divide(total, float(m))

    def binary_cross_entropy(self, AL: Array, Y: Array) -> Array:
        """Cost -sum(Y log AL + (1-Y) log(1-AL)) / m over (n_L, m), AL clipped off 0 and 1; m = 0: nan."""
        eps = clip_epsilon(AL, self.dtype)
        AL = self.clip(AL, eps, 1.0 - eps)
        one = 1.0
        terms = self.add(
            self.multiply(Y, self.log(AL)),
            self.multiply(self.subtract(one, Y), self.log(self.subtract(one, AL))),
        )
        return self.negative(self._per_example(self.sum(terms), AL.shape[-1]))

    def binary_cross_entropy_backward(self, AL: Array, Y: Array) -> Array:
        """dAL = -(Y / AL - (1 - Y) / (1 - AL)), AL clipped as in the cost."""
        eps = clip_epsilon(AL, self.dtype)
        AL = self.clip(AL, eps, 1.0 - eps)
        one = 1.0
        return self.subtract(self.divide(self.subtract(one, Y), self.subtract(one, AL)), self.divide(Y, AL))

    def categorical_cross_entropy(self, AL: Array, Y: Array) -> Array:
        """Cost -sum(Y log AL) / m over (C, m): AL softmax probabilities, Y one-hot; AL clipped at eps."""
        AL = self.clip(AL, clip_epsilon(AL, self.dtype), 1.0)
        return self.negative(self._per_example(self.sum(self.multiply(Y, self.log(AL))), AL.shape[-1]))

    def softmax_cross_entropy_backward(self, AL: Array, Y: Array) -> Array:
        """dZ = AL - Y: softmax and categorical cross-entropy differentiated together (stable, one pass)."""
        return self.subtract(AL, Y)

    def mean_squared_error(self, AL: Array, Y: Array) -> Array:
        """Cost sum((AL - Y)**2) / (2 m) over (n_L, m) (the 1/2 keeps the gradient clean); m = 0: nan."""
        d = self.subtract(AL, Y)
        return self.multiply(self._per_example(self.sum(self.multiply(d, d)), AL.shape[-1]), 0.5)

    def mean_squared_error_backward(self, AL: Array, Y: Array) -> Array:
        """dAL = AL - Y, the gradient of the per-example loss (AL - Y)**2 / 2."""
        return self.subtract(AL, Y)

    # -- parameter updates: each returns the arrays it updates (rule 6) -------------------------
    @abc.abstractmethod
    def sgd_update_(self, param: Array, grad: Array, lr: float) -> Array:
        """param -= lr * grad; returns the updated param (the same array where arrays are mutable).

        grad has exactly param's shape (never broadcast: ValueError) and may overlap param (it is read
        in full first, as NumPy); param is float32/float64 (else TypeError).
        """

    def momentum_update_(
        self, param: Array, grad: Array, v: Array, lr: float, beta: float
    ) -> tuple[Array, Array]:
        """v = beta v + (1 - beta) grad; param -= lr v. Returns (param, v)."""
        v = self.add(self.multiply(v, self._scalar(beta)), self.multiply(grad, self._scalar(1.0 - beta)))
        return self.sgd_update_(param, v, lr), v

    def rmsprop_update_(
        self, param: Array, grad: Array, s: Array, lr: float, beta: float, epsilon: float
    ) -> tuple[Array, Array]:
        """s = beta s + (1 - beta) grad**2; param -= lr grad / (sqrt(s) + epsilon). Returns (param, s)."""
        s = self.add(
            self.multiply(s, self._scalar(beta)),
            self.multiply(self.multiply(grad, grad), self._scalar(1.0 - beta)),
        )
        step = self.divide(grad, self.add(self.sqrt(s), self._scalar(epsilon)))
        return self.sgd_update_(param, step, lr), s

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
        """Adam step t >= 1 (bias-corrected, epsilon after the square root). Returns (param, v, s)."""
        v = self.add(self.multiply(v, self._scalar(beta1)), self.multiply(grad, self._scalar(1.0 - beta1)))
        s = self.add(
            self.multiply(s, self._scalar(beta2)),
            self.multiply(self.multiply(grad, grad), self._scalar(1.0 - beta2)),
        )
        v_hat = self.divide(v, self._scalar(1.0 - beta1**t))
        s_hat = self.divide(s, self._scalar(1.0 - beta2**t))
        step = self.divide(v_hat, self.add(self.sqrt(s_hat), self._scalar(epsilon)))
        return self.sgd_update_(param, step, lr), v, s

    def dropout_mask(self, shape: Shape, keep_prob: float, seed: int) -> Array:
        """Inverted-dropout mask drawn on the backend: 1/keep_prob with probability keep_prob, else 0.

        Device-side randomness (opt-in): not identical across backends. xnn's default draws masks on
        the host so that every backend trains identically.
        """
        u = np.random.default_rng(seed).random(shape)
        return self.asarray(np.where(u < keep_prob, 1.0 / keep_prob, 0.0))

    def _scalar(self, value: float) -> Array:
        return self.full((), value)


def check_activation(activation: str) -> None:
    """Raise a ValueError naming the valid activations."""
    if activation not in OUTPUT_ACTIVATIONS:
        raise ValueError(
            f"unknown activation {activation!r}; expected one of {', '.join(OUTPUT_ACTIVATIONS)}"
        )


def backward_from_output(activation: str, slope: float = 0.01) -> bool:
    """Whether g'(Z) reads the same from A = g(Z): the ReLUs (leaky only with slope >= 0, else A > 0
    where Z < 0); never sigmoid and tanh (1 - A loses their tails, which Z keeps)."""
    return activation == "relu" or (activation == "leaky_relu" and slope >= 0)


def bce_epsilon(dtype: np.dtype) -> float:
    """Smallest clip that keeps log(AL) and log(1 - AL) finite in `dtype`."""
    return 1e-7 if np.dtype(dtype).itemsize <= 4 else 1e-15


def clip_epsilon(AL: Array, backend_dtype: np.dtype) -> float:
    """bce_epsilon of the dtype AL is clipped in: its own float32/float64, else the backend's (ints,
    bools and float16 compute in it). A float32 AL on a float64 backend clipped at 1 - 1e-15 would
    round to 1 and log(1 - AL) to -inf."""
    dtype = getattr(AL, "dtype", None)
    return bce_epsilon(dtype if dtype is not None and dtype.char in "fd" else backend_dtype)
