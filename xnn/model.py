"""The course's step functions, written once against the backend contract: forward, cost, backward, update.

Shapes: X (n_x, m), Y (n_L, m), W[l] (n[l], n[l-1]), b[l] (n[l], 1), Z, A, dZ, dA[l] (n[l], m).
A cache per layer is (A_prev, W, Z): exactly what backward needs, nothing recomputed. For the ReLUs
it holds A = g(Z) in Z's place (g'(Z) reads the same from A), and A is written over Z's memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from backends import Backend
from backends._base import backward_from_output

Array = Any
Cache = tuple[Array, Array, Array]


@lru_cache(maxsize=64)
def layer_keys(L: int) -> tuple[tuple[str, str], ...]:
    """(("W1", "b1"), ..., ("WL", "bL")), formatted once per depth."""
    return tuple((f"W{layer}", f"b{layer}") for layer in range(1, L + 1))


@lru_cache(maxsize=64)
def grad_keys(L: int) -> tuple[tuple[str, str], ...]:
    """(("dW1", "db1"), ..., ("dWL", "dbL"))."""
    return tuple((f"dW{layer}", f"db{layer}") for layer in range(1, L + 1))


@lru_cache(maxsize=64)
def no_masks(L: int) -> tuple[None, ...]:
    """(None,) * L: forward without dropout."""
    return (None,) * L


def to_backend(be: Backend, params: dict) -> dict:
    """Host parameters {"W1": ndarray, ...} as the backend's arrays in its dtype."""
    return {key: be.asarray(value) for key, value in params.items()}


def forward(
    be: Backend,
    params: dict,
    X: Array,
    activations: Sequence[str],
    slope: float = 0.01,
    masks: Sequence[Array | None] | None = None,
) -> tuple[Array, list[Cache]]:
    """(AL, caches): A[l] = g[l](W[l] A[l-1] + b[l]), l = 1..L. X (n_x, m) -> AL (n_L, m).

    masks: one per layer, inverted-dropout masks (n[l], m) multiplied into A[l] so that the next layer,
    and backward, see the dropped activations; None entries (always the output layer's) keep every unit.
    """
    L = len(activations)
    caches = []
    A = X
    for (kW, kb), activation, mask in zip(layer_keys(L), activations, masks or no_masks(L), strict=True):
        W = params[kW]
        Z = be.linear_forward(W, A, params[kb])
        if backward_from_output(activation, slope):  # the ReLUs: g'(Z) reads the same from A = g(Z),
            Z = A_next = be.activation_forward_(Z, activation, slope)  # so A takes Z's memory and place
        else:
            A_next = be.activation_forward(Z, activation, slope)
        caches.append((A, W, Z))
        A = A_next
        if mask is not None:
            A = be.multiply(A, mask)
    return A, caches


def predict_proba(
    be: Backend, params: dict, X: Array, activations: Sequence[str], slope: float = 0.01
) -> Array:
    """AL (n_L, m) without keeping caches: inference holds one layer's activations at a time, each
    written over its Z where the backend can (nothing else reads Z)."""
    A = X
    for (kW, kb), activation in zip(layer_keys(len(activations)), activations, strict=True):
        A = be.activation_forward_(be.linear_forward(params[kW], A, params[kb]), activation, slope)
    return A


def compute_cost(
    be: Backend, AL: Array, Y: Array, loss: str = "bce", params: dict | None = None, lambd: float = 0.0
) -> Array:
    """The cost as a backend scalar (read with be.item): bce, cce or mse, summed over the output units
    and divided by m, plus the L2 penalty (lambd / 2m) sum ||W[l]||^2 when lambd > 0 (needs params)."""
    if loss == "bce":
        cost = be.binary_cross_entropy(AL, Y)
    elif loss == "cce":
        cost = be.categorical_cross_entropy(AL, Y)
    elif loss == "mse":
        cost = be.mean_squared_error(AL, Y)
    else:
        raise ValueError(f"unknown loss {loss!r}; expected one of bce, cce, mse")
    return be.add(cost, l2_cost(be, params, lambd, AL.shape[1])) if lambd else cost


def l2_cost(be: Backend, params: dict, lambd: float, m: int) -> Array:
    """(lambd / 2m) sum over layers of ||W[l]||_F^2 (biases are not penalised), a backend scalar."""
    total = None
    for kW, _ in layer_keys(len(params) // 2):
        W = params[kW]
        square = be.sum(be.multiply(W, W))
        total = square if total is None else be.add(total, square)
    return be.multiply(total, be.full((), lambd / (2 * m)))


def output_dZ(be: Backend, AL: Array, Y: Array, Z: Array, activation: str, loss: str, slope: float) -> Array:
    """dZ[L] (n_L, m); sigmoid + bce and softmax + cce are AL - Y directly: stable, one pass."""
    if loss == "bce" and activation == "sigmoid":
        return be.subtract(AL, Y)
    if loss == "cce":  # resolve_loss ties cce to a softmax output
        return be.softmax_cross_entropy_backward(AL, Y)
    if loss == "bce":
        dAL = be.binary_cross_entropy_backward(AL, Y)
    else:
        dAL = be.mean_squared_error_backward(AL, Y)
    return be.activation_backward(dAL, Z, activation, slope)


def backward(
    be: Backend,
    AL: Array,
    Y: Array,
    caches: list[Cache],
    activations: Sequence[str],
    loss: str = "bce",
    slope: float = 0.01,
    lambd: float = 0.0,
    masks: Sequence[Array | None] | None = None,
    spent: list[Array] | None = None,
) -> dict:
    """{"dW1": (n1, n_x), "db1": (n1, 1), ...}; dA is never computed for the input layer.

    lambd adds (lambd / m) W[l] to dW[l] (inside linear_backward); masks are forward's dropout masks,
    applied to dA[l] so that dropped units get no gradient. spent: a list that receives this pass's
    own dZ and dA arrays once read for the last time (for `be.recycle`).
    """
    L = len(caches)
    keys = grad_keys(L)
    grads = {}
    dZ = output_dZ(be, AL, Y, caches[-1][2], activations[-1], loss, slope)
    for layer in range(L, 0, -1):
        A_prev, W, _ = caches[layer - 1]
        dA_prev, dW, db = be.linear_backward(dZ, A_prev, W, layer > 1, lambd)
        if spent is not None:
            spent.append(dZ)  # this pass's own array, read for the last time
        grads[keys[layer - 1][0]], grads[keys[layer - 1][1]] = dW, db
        if layer > 1:
            if masks and masks[layer - 2] is not None:
                dA_prev = be.multiply(dA_prev, masks[layer - 2])
            # dA_prev is this pass's own array: the derivative may be written over it
            dZ = be.activation_backward_(dA_prev, caches[layer - 2][2], activations[layer - 2], slope)
            if spent is not None and dZ is not dA_prev:
                spent.append(dA_prev)
    return grads


def recycle(be: Backend, AL: Array, caches: list[Cache], spent: list[Array]) -> None:
    """Hand a step's own arrays back to the backend once it is done with them: backward's `spent`,
    forward's every Z (or A in its place), every A but X, and AL. Only for callers that never give
    the caches away (a training step): the backend may write later outputs into them."""
    done = [AL, *spent, caches[0][2]]  # caches[0][0] is X: the caller's, never recycled
    for A_prev, _, Z in caches[1:]:
        done.extend((A_prev, Z))
    be.recycle(*done)


def update_parameters(be: Backend, params: dict, grads: dict, learning_rate: float) -> dict:
    """W[l] -= learning_rate * dW[l], b[l] likewise; returns the updated params (use them: on backends
    with immutable arrays they are new arrays, elsewhere the same ones updated in place)."""
    L = len(params) // 2
    updated = {}
    for (kW, kb), (gW, gb) in zip(layer_keys(L), grad_keys(L), strict=True):
        updated[kW] = be.sgd_update_(params[kW], grads[gW], learning_rate)
        updated[kb] = be.sgd_update_(params[kb], grads[gb], learning_rate)
    return updated
