"""Gradient checking: backward's gradients against two-sided finite differences of the cost, in float64."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from backends import Backend
from xnn import model

# The course's threshold: below this the gradients agree; above 1e-5 something is wrong.
GOOD = 1e-7


def parameters_to_vector(params: dict[str, np.ndarray]) -> tuple[np.ndarray, list[tuple[str, tuple]]]:
    """All parameters as one float64 vector (W1, b1, W2, ... in order) and the (key, shape) layout."""
    layout = [(key, np.shape(params[key])) for key in sorted(params, key=lambda k: (int(k.lstrip("dWb")), k))]
    theta = np.concatenate([np.asarray(params[key], dtype=np.float64).ravel() for key, _ in layout])
    return theta, layout


def vector_to_parameters(theta: np.ndarray, layout: list[tuple[str, tuple]]) -> dict[str, np.ndarray]:
    """The inverse of parameters_to_vector."""
    params, start = {}, 0
    for key, shape in layout:
        size = int(np.prod(shape))
        params[key] = theta[start : start + size].reshape(shape)
        start += size
    return params


def relative_difference(grad: np.ndarray, approx: np.ndarray) -> float:
    """||grad - approx|| / (||grad|| + ||approx||): the course's measure, 0 when both are 0."""
    denominator = np.linalg.norm(grad) + np.linalg.norm(approx)
    return 0.0 if denominator == 0 else float(np.linalg.norm(grad - approx) / denominator)


def numerical_gradient(cost: Callable[[np.ndarray], float], theta: np.ndarray, epsilon: float) -> np.ndarray:
    """(J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps) for every component i."""
    approx = np.empty_like(theta)
    for i in range(theta.size):
        shifted = theta.copy()
        shifted[i] = theta[i] + epsilon
        plus = cost(shifted)
        shifted[i] = theta[i] - epsilon
        approx[i] = (plus - cost(shifted)) / (2 * epsilon)
    return approx


def _cost_at(
    be: Backend,
    params: dict,
    X: Any,
    Y: Any,
    activations: Sequence[str],
    loss: str,
    slope: float,
    lambd: float,
) -> float:
    """The cost for host parameters `params` on backend arrays X, Y, as a Python float."""
    device = model.to_backend(be, params)
    AL = model.predict_proba(be, device, X, activations, slope)
    return be.item(model.compute_cost(be, AL, Y, loss, device, lambd))


def _refuse(be: Backend, keep_prob: float | Sequence[float]) -> None:
    """gradient_check needs float64 and a deterministic cost (no dropout)."""
    if be.dtype != np.float64:
        raise ValueError(
            f"gradient_check needs a float64 backend, got {be.dtype.name}: float32 rounding swamps epsilon"
        )
    probs = [keep_prob] if isinstance(keep_prob, int | float) else list(keep_prob)
    if min(probs, default=1.0) < 1.0:
        raise ValueError(
            f"gradient_check needs keep_prob = 1 (got {keep_prob}): dropout draws new masks at every "
            "cost evaluation, so finite differences measure noise; check without dropout, then turn it on"
        )


def gradient_check(
    be: Backend,
    parameters: dict[str, np.ndarray],
    X: np.ndarray,
    Y: np.ndarray,
    activations: Sequence[str],
    loss: str = "bce",
    slope: float = 0.01,
    epsilon: float = 1e-7,
    lambd: float = 0.0,
    keep_prob: float | Sequence[float] = 1.0,
) -> float:
    """Relative difference between backward's gradients and finite differences (< 1e-7: correct).

    Y (n_L, m) as the network trains on it (one-hot for softmax); lambd includes the L2 penalty.
    """
    _refuse(be, keep_prob)
    Xb, Yb = be.asarray(X), be.asarray(Y)
    AL, caches = model.forward(be, model.to_backend(be, parameters), Xb, activations, slope)
    grads = model.backward(be, AL, Yb, caches, activations, loss, slope, lambd)
    grad, _ = parameters_to_vector({k: be.to_numpy(v) for k, v in grads.items()})
    theta, layout = parameters_to_vector(parameters)

    def cost(vector: np.ndarray) -> float:
        return _cost_at(be, vector_to_parameters(vector, layout), Xb, Yb, activations, loss, slope, lambd)

    return relative_difference(grad, numerical_gradient(cost, theta, epsilon))


def check_network(net: Any, X: np.ndarray, Y: Any, epsilon: float = 1e-7) -> float:
    """gradient_check on a Network's current parameters, backend, architecture, lambd and labels."""
    Yb = net.inputs(X, Y)[1]
    return gradient_check(
        net.be,
        net.parameters,
        X,
        net.be.to_numpy(Yb),
        net.activations,
        net.loss,
        net.slope,
        epsilon,
        net.lambd,
        net.keep_prob,
    )
