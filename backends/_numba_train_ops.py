"""The numba backend's boundary for the training kernels (`_numba_train`): checks, dtypes, layouts.

Each function returns its result, or None when the arguments are outside what the kernel handles
(the caller then composes the op from primitives): an update whose param and states differ in
dtype or are not float32/float64, a softmax of a 0-d array, a cost of operands of two shapes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from backends import _numba_train as kt
from backends._numba_ops import FLOATS, as_c, call, compiled_reads, flat, float_dtype
from backends._shapes import normalize_axes
from backends._train_checks import prepare_update


def _oriented(arrays: tuple[np.ndarray, ...], grad: Any) -> tuple[tuple[np.ndarray, ...], Any, bool]:
    """(views, grad, copied): the arrays as they are when all are C-contiguous, transposed when all
    are F-contiguous (so C-contiguous views), else C-contiguous copies that must be written back."""
    if all(a.flags.c_contiguous for a in arrays):
        return arrays, grad, False
    if all(a.flags.f_contiguous for a in arrays):
        return tuple(a.T for a in arrays), np.asarray(grad).T, False
    return tuple(as_c(a) for a in arrays), grad, True


def update(op: str, kernel: Any, param: Any, grad: Any, states: dict[str, Any], *scalars: float):
    """Run an in-place update kernel on (param, *states) with grad; returns them, or None."""
    grad = prepare_update(np, op, param, grad, **states)
    arrays = (param, *states.values())
    if param.dtype not in FLOATS or any(a.dtype != param.dtype for a in arrays):
        return None
    for name, a in zip(("param", *states), arrays, strict=True):
        if not a.flags.writeable:
            raise ValueError(f"{op}: {name} is read-only; the update writes it in place (pass a copy)")
    views, grad, copied = _oriented(arrays, grad)
    t = param.dtype.type
    if param.size:
        g = as_c(grad, param.dtype)
        call(kernel, *(flat(v) for v in views[:1]), flat(g), *(flat(v) for v in views[1:]),
             *(t(s) for s in scalars))  # fmt: skip
    for a, v in zip(arrays, views, strict=True):
        if copied and v is not a:  # a strided array was updated as a contiguous copy
            a[...] = v
    return arrays


def momentum_update_(param, grad, v, lr, beta):
    return update("momentum_update_", kt.momentum, param, grad, {"v": v}, lr, beta, 1.0 - beta)


def rmsprop_update_(param, grad, s, lr, beta, epsilon):
    return update("rmsprop_update_", kt.rmsprop, param, grad, {"s": s}, lr, beta, 1.0 - beta, epsilon)


def adam_update_(param, grad, v, s, lr, beta1, beta2, epsilon, t):
    corrections = (1.0 - beta1**t, 1.0 - beta2**t)
    scalars = (lr, beta1, 1.0 - beta1, beta2, 1.0 - beta2, *corrections, epsilon)
    return update("adam_update_", kt.adam, param, grad, {"v": v, "s": s}, *scalars)


def _columns(x: Any, dt: np.dtype) -> np.ndarray:
    """x (C, ...) as a C-contiguous (C, m) array of dtype dt."""
    x = as_c(x, dt)
    return x.reshape(x.shape[0], -1)


def softmax(Z: Any) -> np.ndarray | None:
    """Per column of Z (C, ...): exp(z - max) / sum, one kernel; None for 0-d or empty-axis Z."""
    if np.ndim(Z) == 0 or np.shape(Z)[0] == 0:
        return None
    dt = float_dtype(Z)
    z = _columns(Z, dt)
    out = np.empty(z.shape, dt)
    if out.size:
        call(kt.softmax, z, out)
    return out.reshape(np.shape(Z))


def softmax_backward(dA: Any, Z: Any) -> np.ndarray | None:
    """S (dA - sum(dA S)) per column, S = softmax(Z), one kernel; None for other shapes."""
    if np.shape(dA) != np.shape(Z) or np.ndim(Z) == 0 or np.shape(Z)[0] == 0:
        return None
    dt = float_dtype(dA, Z)
    z, da = _columns(Z, dt), _columns(dA, dt)
    out = np.empty(z.shape, dt)
    if out.size:
        call(kt.softmax_backward, da, z, out)
    return out.reshape(np.shape(Z))


def categorical_cross_entropy(AL: Any, Y: Any, eps: float) -> np.ndarray | None:
    """0-d -sum(Y log clip(AL, eps, 1)) / m, one pass; None unless AL and Y are (..., m>0) alike."""
    if np.shape(AL) != np.shape(Y) or np.ndim(AL) == 0 or np.shape(AL)[-1] == 0:
        return None
    dt = float_dtype(AL, Y)
    al, y = as_c(AL, dt), as_c(Y, dt)
    total = call(kt.cce_sum, flat(al), flat(y), dt.type(eps))
    return np.array(-total / al.shape[-1], dtype=dt)


def _split(shape: tuple[int, ...], axis: int) -> tuple[int, int, int]:
    return math.prod(shape[:axis]), shape[axis], math.prod(shape[axis + 1 :])


def argmax(x: Any, axis: int) -> np.ndarray | None:
    """First index of the maximum along `axis` as int64; None where the kernel cannot read x."""
    x = np.asarray(x)
    axis = normalize_axes("argmax", axis, x.ndim)[0]
    outer, n, inner = _split(x.shape, axis)
    if n == 0:
        raise ValueError(f"argmax: axis {axis} of shape {x.shape} is empty; nothing to pick from")
    if x.dtype.kind not in "fiu" or not compiled_reads(x):
        return None
    out = np.empty((outer, inner), np.int64)
    if out.size:
        call(kt.argmax, as_c(x).reshape(outer, n, inner), out)
    return out.reshape(x.shape[:axis] + x.shape[axis + 1 :])


def take(x: Any, indices: Any, axis: int) -> np.ndarray | None:
    """x's slices at `indices` along `axis` (negatives from the end); None where the kernel cannot read x."""
    x = np.asarray(x)
    axis = normalize_axes("take", axis, x.ndim)[0]
    if x.dtype.kind not in "fiub" or not compiled_reads(x):
        return None
    idx = np.asarray(indices, dtype=np.intp)
    outer, n, inner = _split(x.shape, axis)
    shape = x.shape[:axis] + idx.shape + x.shape[axis + 1 :]
    out = np.empty(shape, x.dtype)
    if out.size == 0:
        return out
    wrapped = np.empty(idx.size, np.intp)
    bad = call(kt.wrap_indices, as_c(idx).reshape(-1), n, wrapped)
    if bad >= 0:
        k = idx.reshape(-1)[bad]
        raise IndexError(f"take: index {k} is out of bounds for axis {axis} with size {n}")
    call(kt.take, as_c(x).reshape(outer, n, inner), wrapped, out.reshape(outer, idx.size, inner))
    return out
