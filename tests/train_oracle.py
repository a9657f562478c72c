"""NumPy oracles for the training ops, in float64, and the inputs the fused-op tests share."""

from __future__ import annotations

import numpy as np

LR, BETA1, BETA2, EPS, STEP = 0.01, 0.9, 0.999, 1e-8, 3


def f64(*arrays):
    return [np.asarray(a, dtype=np.float64) for a in arrays]


def softmax(Z):
    """Columns of Z (C, ...) as distributions over axis 0."""
    (Z,) = f64(Z)
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(Z - Z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)


def softmax_backward(dA, Z):
    (dA,) = f64(dA)
    S = softmax(Z)
    with np.errstate(invalid="ignore"):
        return S * (dA - (dA * S).sum(axis=0, keepdims=True))


def categorical_cross_entropy(AL, Y, eps):
    AL, Y = f64(AL, Y)
    with np.errstate(invalid="ignore", divide="ignore"):
        return -(Y * np.log(np.clip(AL, eps, 1.0))).sum() / AL.shape[-1]


def momentum(p, g, v, lr=LR, beta=BETA1):
    """(param, v) after one step."""
    p, g, v = f64(p, g, v)
    with np.errstate(invalid="ignore", over="ignore"):
        v = beta * v + (1 - beta) * g
        return p - lr * v, v


def rmsprop(p, g, s, lr=LR, beta=BETA1, eps=EPS):
    """(param, s) after one step."""
    p, g, s = f64(p, g, s)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        s = beta * s + (1 - beta) * g * g
        return p - lr * g / (np.sqrt(s) + eps), s


def adam(p, g, v, s, lr=LR, b1=BETA1, b2=BETA2, eps=EPS, t=STEP):
    """(param, v, s) after step t."""
    p, g, v, s = f64(p, g, v, s)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        v = b1 * v + (1 - b1) * g
        s = b2 * s + (1 - b2) * g * g
        return p - lr * (v / (1 - b1**t)) / (np.sqrt(s / (1 - b2**t)) + eps), v, s


# name: (backend call on (be, p, g, v, s), oracle on (p, g, v, s))
UPDATES = {
    "momentum": (
        lambda be, p, g, v, s: be.momentum_update_(p, g, v, LR, BETA1),
        lambda p, g, v, s: momentum(p, g, v),
    ),
    "rmsprop": (
        lambda be, p, g, v, s: be.rmsprop_update_(p, g, s, LR, BETA1, EPS),
        lambda p, g, v, s: rmsprop(p, g, s),
    ),
    "adam": (
        lambda be, p, g, v, s: be.adam_update_(p, g, v, s, LR, BETA1, BETA2, EPS, STEP),
        lambda p, g, v, s: adam(p, g, v, s),
    ),
}


def update_inputs(shape, seed, dtype):
    """param, grad, v in [-5, 5) and s in [0, 5), in `dtype`."""
    rng = np.random.default_rng(seed)
    p, g, v = (rng.uniform(-5, 5, shape).astype(dtype) for _ in range(3))
    return p, g, v, rng.uniform(0, 5, shape).astype(dtype)


def update_scale(p, g, v, s):
    """The size of every term an update adds: errors are ulps of this, not of a cancelled result."""
    # nan and inf positions are compared apart; they add nothing to the scale
    p, g, v, s = (np.where(np.isfinite(x), np.abs(x), 0.0) for x in f64(p, g, v, s))
    with np.errstate(over="ignore"):
        return p + g + v + s + g * g + 1.0
