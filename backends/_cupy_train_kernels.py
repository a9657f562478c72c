"""The cupy backend's training kernels: optimizer updates in place, softmax (+ backward) one thread
per column, categorical cross-entropy as one reduction, and the device-side dropout mask.

Kernels are built on first use and compiled by CuPy per dtype (`T`); scalars arrive already in the
arrays' dtype. The update formulas are the base class's, in its order of operations (NVRTC may
still contract a multiply-add into an FMA: a rounding, within the tests' ulps). Softmax reads a
column three times (max, exp-and-sum, scale): adjacent threads read adjacent columns, so every read
is coalesced, and the second and third hit cache for the class counts networks use.

Every function takes `cp`, the backend's cupy module (`CupyBackend.xp`), and this module holds no
cupy state of its own: it never imports cupy, and kernels are cached per (cp, name). A test that
swaps in a fake cupy and re-imports the backend therefore never leaves a stale binding here.
"""

from __future__ import annotations

import functools
import importlib
import math
from typing import Any

import numpy as np

from backends._base import clip_epsilon
from backends._shapes import normalize_axes
from backends._train_checks import prepare_update

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))

# name: (in_params, out_params, body). Outputs that are also read (param, v, s) update in place.
ELEMENTWISE: dict[str, tuple[str, str, str]] = {
    "momentum_update_": (
        "T grad, T lr, T beta, T c",
        "T param, T v",
        "T m = v * beta + grad * c; v = m; param = param - lr * m;",
    ),
    "rmsprop_update_": (
        "T grad, T lr, T beta, T c, T eps",
        "T param, T s",
        "T q = s * beta + (grad * grad) * c; s = q; param = param - lr * (grad / (sqrt(q) + eps));",
    ),
    "adam_update_": (
        "T grad, T lr, T b1, T c1, T b2, T c2, T bc1, T bc2, T eps",
        "T param, T v, T s",
        "T m = v * b1 + grad * c1; T q = s * b2 + (grad * grad) * c2; v = m; s = q;"
        " param = param - lr * ((m / bc1) / (sqrt(q / bc2) + eps));",
    ),
    "dropout_mask": ("T keep, T scale", "T u", "u = u < keep ? scale : T(0);"),
}

# One thread per column i of a C-contiguous (rows, cols) array; nan wins the max, as numpy.max.
_SOFTMAX = """
T top = Z[i];
for (ptrdiff_t r = 1; r < rows; ++r) { T z = Z[r * cols + i]; if (z > top || z != z) top = z; }
T total = T(0);
for (ptrdiff_t r = 0; r < rows; ++r) { T e = exp(Z[r * cols + i] - top); S[r * cols + i] = e; total += e; }
for (ptrdiff_t r = 0; r < rows; ++r) S[r * cols + i] = S[r * cols + i] / total;
"""
_SOFTMAX_BACKWARD = """
T dot = T(0);
for (ptrdiff_t r = 0; r < rows; ++r) dot += dA[r * cols + i] * S[r * cols + i];
for (ptrdiff_t r = 0; r < rows; ++r) S[r * cols + i] = S[r * cols + i] * (dA[r * cols + i] - dot);
"""
COLUMNWISE: dict[str, tuple[str, str, str]] = {
    "softmax": ("raw T Z, int64 rows, int64 cols", "raw T S", _SOFTMAX),
    "softmax_backward": (
        "raw T dA, raw T Z, int64 rows, int64 cols",
        "raw T S",
        _SOFTMAX + _SOFTMAX_BACKWARD,
    ),
}

# Each term is scaled by -1/m before the sum (as the BCE kernel): clip, log, sum and mean in one pass.
CCE_PARAMS = "T AL, T Y, T lo, T scale"
_CCE_TERM = "scale * (Y * log(xnn_clip(AL, lo, T(1))))"


def _helpers() -> Any:
    """The cupy backend's helper module as currently imported (preamble, boundary errors)."""
    return importlib.import_module("backends._cupy_kernels")  # the current one: see the module docstring


@functools.cache
def elementwise(cp: Any, name: str) -> Any:
    """Kernel `name` of ELEMENTWISE or COLUMNWISE, built once per cupy module."""
    in_params, out_params, body = ELEMENTWISE[name] if name in ELEMENTWISE else COLUMNWISE[name]
    return cp.ElementwiseKernel(in_params, out_params, body, f"xnn_{name}", preamble=_helpers().PREAMBLE)


@functools.cache
def categorical_cross_entropy_kernel(cp: Any) -> Any:
    """-sum(Y log clip(AL, lo, 1)) / m as one reduction to a 0-d array."""
    preamble = _helpers().PREAMBLE
    return cp.ReductionKernel(
        CCE_PARAMS, "T cost", _CCE_TERM, "a + b", "cost = a", "0", "xnn_cce", preamble=preamble
    )


def launch(
    cp: Any, op: str, kernel: Any, args: dict[str, Any], shape: Any, dtype: Any, **options: Any
) -> Any:
    """kernel(*args), with host arrays and out-of-memory turned into errors that name the fix."""
    try:
        return kernel(*args.values(), **options)
    except TypeError as e:
        _helpers().raise_if_host(e, op, **args)
        raise
    except cp.cuda.memory.OutOfMemoryError as e:
        raise _helpers().out_of_memory(op, shape, dtype) from e


def require_device(cp: Any, op: str, **arrays: Any) -> None:
    """A TypeError naming the first argument that is not a cupy array (cupy would copy it silently)."""
    for name, a in arrays.items():
        if not isinstance(a, cp.ndarray):
            _helpers().raise_if_host(TypeError(f"{type(a)} is not a cupy.ndarray"), op, **{name: a})


def _floats(*arrays: Any) -> bool:
    """One float dtype for all: what a kernel typed by `T` accepts."""
    return arrays[0].dtype in FLOATS and all(a.dtype == arrays[0].dtype for a in arrays)


def update(cp: Any, op: str, param: Any, grad: Any, states: dict[str, Any], *scalars: float) -> tuple | None:
    """An in-place update kernel on param and its states: (param, *states), or None for other dtypes."""
    require_device(cp, op, param=param, grad=grad, **states)
    grad = prepare_update(cp, op, param, grad, **states)
    if not _floats(param, *states.values()):
        return None
    t = param.dtype.type
    names = ELEMENTWISE[op][0].replace("T ", "").split(", ")[1:]
    args = {"grad": grad.astype(param.dtype, copy=False), **dict(zip(names, map(t, scalars), strict=True))}
    launch(cp, op, elementwise(cp, op), {**args, "param": param, **states}, param.shape, param.dtype)
    return (param, *states.values())


def momentum_update_(cp, param, grad, v, lr, beta):
    return update(cp, "momentum_update_", param, grad, {"v": v}, lr, beta, 1.0 - beta)


def rmsprop_update_(cp, param, grad, s, lr, beta, epsilon):
    return update(cp, "rmsprop_update_", param, grad, {"s": s}, lr, beta, 1.0 - beta, epsilon)


def adam_update_(cp, param, grad, v, s, lr, beta1, beta2, epsilon, t):
    scalars = (lr, beta1, 1.0 - beta1, beta2, 1.0 - beta2, 1.0 - beta1**t, 1.0 - beta2**t, epsilon)
    return update(cp, "adam_update_", param, grad, {"v": v, "s": s}, *scalars)


def _columnwise(cp: Any, op: str, **arrays: Any) -> Any:
    """Kernel `op` over axis 0 of same-shape (C, ...) arrays, one thread per column; None if unsuited."""
    require_device(cp, op, **arrays)
    shapes = {a.shape for a in arrays.values()}
    shape = shapes.pop()
    if shapes or not shape or shape[0] == 0 or not _floats(*arrays.values()):
        return None
    flat = {k: cp.ascontiguousarray(a).reshape(shape[0], -1) for k, a in arrays.items()}
    rows, cols = flat["Z"].shape
    S = cp.empty((rows, cols), flat["Z"].dtype)
    if S.size:
        args = {**flat, "rows": rows, "cols": cols, "S": S}
        launch(cp, op, elementwise(cp, op), args, shape, S.dtype, size=cols)
    return S.reshape(shape)


def softmax(cp: Any, Z: Any) -> Any:
    return _columnwise(cp, "softmax", Z=Z)


def softmax_backward(cp: Any, dA: Any, Z: Any) -> Any:
    return _columnwise(cp, "softmax_backward", dA=dA, Z=Z)


def categorical_cross_entropy(cp: Any, AL: Any, Y: Any, dtype: Any) -> Any:
    """0-d -sum(Y log clip(AL, eps, 1)) / m in one reduction kernel; None for other shapes/dtypes."""
    require_device(cp, "categorical_cross_entropy", AL=AL, Y=Y)
    if AL.shape != Y.shape or not AL.shape or AL.shape[-1] == 0 or not _floats(AL, Y):
        return None
    t = AL.dtype.type
    args = {"AL": AL, "Y": Y, "lo": t(clip_epsilon(AL, dtype)), "scale": t(-1.0 / AL.shape[-1])}
    kernel = categorical_cross_entropy_kernel(cp)
    return launch(cp, "categorical_cross_entropy", kernel, args, (), AL.dtype)


def dropout_mask(cp: Any, shape: Any, keep_prob: float, seed: int, dtype: Any) -> Any:
    """1/keep_prob where a device uniform draw < keep_prob, else 0: cupy.random, not numpy's stream."""
    t = np.dtype(dtype).type
    try:
        u = cp.random.default_rng(seed).random(shape, dtype=dtype)
    except cp.cuda.memory.OutOfMemoryError as e:
        raise _helpers().out_of_memory("dropout_mask", shape, dtype) from e
    args = {"keep": t(keep_prob), "scale": t(1.0 / keep_prob), "u": u}
    launch(cp, "dropout_mask", elementwise(cp, "dropout_mask"), args, shape, dtype)
    return u


def check_take_indices(cp: Any, shape: tuple[int, ...], indices: Any, axis: int) -> None:
    """IndexError for host indices outside [-n, n) (cupy.take would wrap them around silently)."""
    if isinstance(indices, cp.ndarray):
        return  # checking device indices would cost a sync: they are taken as cupy takes them
    idx = np.asarray(indices, dtype=np.intp)
    axis = normalize_axes("take", axis, len(shape))[0]
    n = shape[axis]
    bad = idx[(idx < -n) | (idx >= n)]
    if bad.size and math.prod(shape[:axis] + shape[axis + 1 :]):  # numpy checks nothing for an empty result
        raise IndexError(f"take: index {bad.flat[0]} is out of bounds for axis {axis} with size {n}")
