"""The training ops as explicit Python loops over Python floats: the readable definition of each.

Values come out of storage with `tolist()`, one loop computes them, and the results go back into
storage in one assignment (which writes through any memory layout). Nothing vectorized does the work.
Everything is read before anything is written, so a grad that aliases param or a state is harmless.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from backends._base import clip_epsilon
from backends._shapes import normalize_axes
from backends._train_checks import prepare_update

Array = Any


def _div(a: float, b: float) -> float:
    """a / b with IEEE results (inf, nan) where Python would raise ZeroDivisionError."""
    if b != 0:
        return a / b
    if a == 0 or a != a:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0 else math.nan  # nan stays nan; below 0 is nan, as NumPy


def _float(*arrays: np.ndarray) -> np.dtype:
    """The result dtype: the operands' float dtype, float64 for integers (as NumPy's exp and log)."""
    return np.result_type(*arrays, np.float32)


def _store(target: np.ndarray, values: list[float]) -> None:
    """Write values (C order) into target in place; beyond float32's range becomes inf, as NumPy."""
    with np.errstate(over="ignore"):
        target[...] = np.array(values, dtype=np.float64).reshape(target.shape)


def _columns(Z: np.ndarray) -> tuple[list[list[float]], int]:
    """Z (C, ...) as its columns (lists of C floats) along axis 0, and the column count."""
    C = Z.shape[0]
    flat = Z.reshape(C, -1).tolist()
    m = len(flat[0]) if C else 0
    return [[flat[r][j] for r in range(C)] for j in range(m)], m


def _softmax_column(z: list[float]) -> list[float]:
    top = z[0]
    for x in z:
        top = x if x > top or x != x else top  # nan wins, as numpy.max
    e = [math.exp(x - top) for x in z]  # x - top <= 0 (or nan): never overflows
    total = 0.0
    for x in e:
        total += x
    return [_div(x, total) for x in e]


def softmax(Z: np.ndarray) -> np.ndarray:
    """Each column of Z (C, m) through exp(z - max z) / sum, one column at a time."""
    columns, m = _columns(Z)
    out = np.empty(Z.shape, _float(Z))
    S = [_softmax_column(col) for col in columns]
    _store(out, [S[j][r] for r in range(Z.shape[0]) for j in range(m)])
    return out


def softmax_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """Per column: s = softmax(z), dz = s * (da - sum(da * s))."""
    zs, m = _columns(Z)
    das, _ = _columns(dA)
    dZ = []
    for z, da in zip(zs, das, strict=True):
        s = _softmax_column(z)
        dot = 0.0
        for a, p in zip(da, s, strict=True):
            dot += a * p
        dZ.append([p * (a - dot) for a, p in zip(da, s, strict=True)])
    out = np.empty(Z.shape, _float(dA, Z))
    _store(out, [dZ[j][r] for r in range(Z.shape[0]) for j in range(m)])
    return out


def categorical_cross_entropy(AL: np.ndarray, Y: np.ndarray, dtype: Any) -> np.ndarray:
    """0-d -sum over every entry of y * log(clip(a, eps, 1)), divided by m = AL.shape[-1]."""
    eps = clip_epsilon(AL, dtype)
    total = 0.0
    for a, y in zip(AL.ravel().tolist(), Y.ravel().tolist(), strict=True):
        p = 1.0 if a > 1.0 else (eps if a < eps else a)  # nan compares false and stays nan
        total += y * math.log(p)  # log(nan) is nan
    return np.array(-_div(total, AL.shape[-1]), dtype=_float(AL, Y))


def momentum_update_(param, grad, v, lr, beta):
    """v[i] = beta v[i] + (1 - beta) g[i]; param[i] -= lr v[i]."""
    grad = prepare_update(np, "momentum_update_", param, grad, v=v)
    P, G, V = param.ravel().tolist(), grad.ravel().tolist(), v.ravel().tolist()
    for i, g in enumerate(G):
        V[i] = beta * V[i] + (1.0 - beta) * g
        P[i] = P[i] - lr * V[i]
    _store(v, V)
    _store(param, P)
    return param, v


def rmsprop_update_(param, grad, s, lr, beta, epsilon):
    """s[i] = beta s[i] + (1 - beta) g[i]**2; param[i] -= lr g[i] / (sqrt(s[i]) + epsilon)."""
    grad = prepare_update(np, "rmsprop_update_", param, grad, s=s)
    P, G, S = param.ravel().tolist(), grad.ravel().tolist(), s.ravel().tolist()
    for i, g in enumerate(G):
        S[i] = beta * S[i] + (1.0 - beta) * g * g
        P[i] = P[i] - lr * _div(g, _sqrt(S[i]) + epsilon)
    _store(s, S)
    _store(param, P)
    return param, s


def adam_update_(param, grad, v, s, lr, beta1, beta2, epsilon, t):
    """The moments as momentum and RMSprop; the step from their bias-corrected values at step t."""
    grad = prepare_update(np, "adam_update_", param, grad, v=v, s=s)
    P, G = param.ravel().tolist(), grad.ravel().tolist()
    V, S = v.ravel().tolist(), s.ravel().tolist()
    bc1, bc2 = 1.0 - beta1**t, 1.0 - beta2**t
    for i, g in enumerate(G):
        V[i] = beta1 * V[i] + (1.0 - beta1) * g
        S[i] = beta2 * S[i] + (1.0 - beta2) * g * g
        P[i] = P[i] - lr * _div(_div(V[i], bc1), _sqrt(_div(S[i], bc2)) + epsilon)
    _store(v, V)
    _store(s, S)
    _store(param, P)
    return param, v, s


def _split(shape: tuple[int, ...], axis: int) -> tuple[int, int, int]:
    """(outer, n, inner): element (o, j, k) of the axis-`axis` view sits at flat (o * n + j) * inner + k."""
    return math.prod(shape[:axis]), shape[axis], math.prod(shape[axis + 1 :])


def argmax(x: np.ndarray, axis: int) -> np.ndarray:
    """Index of the first maximum along `axis` (the first nan, if any, as NumPy), int64."""
    axis = normalize_axes("argmax", axis, x.ndim)[0]
    outer, n, inner = _split(x.shape, axis)
    if n == 0:
        raise ValueError(f"argmax: axis {axis} of shape {tuple(x.shape)} is empty; nothing to pick from")
    flat = x.ravel().tolist()
    picks = []
    for o in range(outer):
        for k in range(inner):
            best, pick = flat[o * n * inner + k], 0
            for j in range(1, n):
                value = flat[(o * n + j) * inner + k]
                if best == best and (value > best or value != value):  # nan is the maximum, once found
                    best, pick = value, j
            picks.append(pick)
    return np.array(picks, dtype=np.int64).reshape(x.shape[:axis] + x.shape[axis + 1 :])


def take(x: np.ndarray, indices: Any, axis: int) -> np.ndarray:
    """x's slices at integer `indices` along `axis`; negative indices count from the end."""
    axis = normalize_axes("take", axis, x.ndim)[0]
    idx = np.asarray(indices, dtype=np.intp)
    outer, n, inner = _split(x.shape, axis)
    shape = x.shape[:axis] + idx.shape + x.shape[axis + 1 :]
    if math.prod(shape) == 0:
        return np.empty(shape, x.dtype)
    rows = []
    for i in idx.ravel().tolist():
        if not -n <= i < n:
            raise IndexError(f"take: index {i} is out of bounds for axis {axis} with size {n}")
        rows.append(i % n)
    flat = x.ravel().tolist()
    values = [flat[(o * n + j) * inner + k] for o in range(outer) for j in rows for k in range(inner)]
    return np.array(values, dtype=x.dtype).reshape(shape)
