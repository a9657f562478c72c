"""The cupy backend's fused CUDA kernels and its boundary errors (host arrays, out of memory).

Every kernel is built on first use (`functools.cache`), never at import or at backend construction;
CuPy then compiles it per dtype on its first call and caches the binary on disk. The formulas are
NumpyBackend's, term for term, so results agree with the oracle to a few ulps. `T` is CuPy's type
placeholder, the dtype of the array arguments (float32 or float64); scalars (slope, lr, clip bounds)
are passed by the caller already in that dtype.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import cupy
import numpy as np

from backends._shapes import Shape, broadcast_error

# numpy.clip semantics (NaN stays NaN), which fminf/fmaxf would not keep.
PREAMBLE = """
template <typename F>
__device__ F xnn_clip(F x, F lo, F hi) { return x < lo ? lo : (x > hi ? hi : x); }
"""

# sigmoid from exp(-|z|): the exponent is never positive, so nothing overflows at any |z|.
_SIGMOID = "T e = exp(-fabs(Z)); T p = T(1) / (T(1) + e); T s = Z > T(0) ? p : e * p;"

# name: (in_params, out_params, body). relu and tanh forward are one pass already as CuPy's own
# ufuncs (maximum, tanh), so they have no kernel here.
ELEMENTWISE: dict[str, tuple[str, str, str]] = {
    "sigmoid": ("T Z", "T A", _SIGMOID + " A = s;"),
    # s (1 - s) = e / (1 + e)**2 and 1 - tanh**2 = 4e / (1 + e)**2: nothing cancels in the tails
    "sigmoid_backward": (
        "T dA, T Z",
        "T dZ",
        "T e = exp(-fabs(Z)); T d = T(1) + e; dZ = dA * (e / (d * d));",
    ),
    "tanh_backward": (
        "T dA, T Z",
        "T dZ",
        "T e = exp(T(-2) * fabs(Z)); T d = T(1) + e; dZ = dA * (T(4) * e / (d * d));",
    ),
    "relu_backward": ("T dA, T Z", "T dZ", "dZ = Z > T(0) ? dA : T(0);"),
    "leaky_relu": ("T Z, T slope", "T A", "A = Z > T(0) ? Z : Z * slope;"),
    "leaky_relu_backward": ("T dA, T Z, T slope", "T dZ", "dZ = Z > T(0) ? dA : dA * slope;"),
    "binary_cross_entropy_backward": (
        "T AL, T Y, T lo, T hi",
        "T dAL",
        "T p = xnn_clip(AL, lo, hi); dAL = (T(1) - Y) / (T(1) - p) - Y / p;",
    ),
    # param is an output argument that is also read: the update happens in place, in one pass
    "sgd_update_": ("T grad, T lr", "T param", "param -= lr * grad;"),
}

# Each term is scaled by -1/m before the sum, so clip, both logs, sum and mean are one pass.
_BCE_TERM = "scale * (Y * log(xnn_clip(AL, lo, hi)) + (T(1) - Y) * log(T(1) - xnn_clip(AL, lo, hi)))"
BCE_PARAMS = "T AL, T Y, T lo, T hi, T scale"


class GPUOutOfMemoryError(MemoryError):
    """The GPU ran out of memory; the message names the array, the pool usage and the fix."""


@functools.cache
def elementwise(name: str) -> Any:
    """The fused elementwise kernel `name` (see ELEMENTWISE), built once."""
    in_params, out_params, body = ELEMENTWISE[name]
    return cupy.ElementwiseKernel(in_params, out_params, body, f"xnn_{name}", preamble=PREAMBLE)


@functools.cache
def binary_cross_entropy() -> Any:
    """-mean(Y log AL + (1-Y) log(1-AL)), AL clipped to [lo, hi]: one reduction to a 0-d array."""
    return cupy.ReductionKernel(
        BCE_PARAMS, "T cost", _BCE_TERM, "a + b", "cost = a", "0", "xnn_bce", preamble=PREAMBLE
    )


OP_PARAMS = {"matmul": "a, b", "linear_forward": "W, A, b"}


def argument_names(name: str) -> tuple[str, ...]:
    """Argument names of op or kernel `name` in call order (inputs, then outputs), for error messages."""
    if name in OP_PARAMS:
        params = OP_PARAMS[name]
    else:
        params = BCE_PARAMS if name == "binary_cross_entropy" else ", ".join(ELEMENTWISE[name][:2])
    return tuple(p.split()[-1] for p in params.split(","))


# -- boundary errors: built only after a call failed, so the happy path never pays for them --------
def raise_if_host(error: TypeError, op: str, **args: Any) -> None:
    """Raise a TypeError naming the first argument that is not on the GPU (numpy, list, ...)."""
    for arg_name, value in args.items():
        if not isinstance(value, cupy.ndarray | int | float | bool | np.generic):
            kind = type(value)
            module = "" if kind.__module__ == "builtins" else f"{kind.__module__}."
            raise TypeError(
                f"{op}: got a {module}{kind.__qualname__} for argument {arg_name}; move it with "
                f"be.asarray(...) first (the cupy backend computes on the GPU; be.to_numpy(...) "
                f"brings results back)"
            ) from error


def raise_if_kernel_host(error: TypeError, name: str, args: tuple[Any, ...]) -> None:
    """raise_if_host for the arguments of fused kernel `name`, named as the kernel names them."""
    raise_if_host(error, name, **dict(zip(argument_names(name), args, strict=False)))


def out_of_memory(op: str, shape: Any, dtype: Any) -> GPUOutOfMemoryError:
    """The MemoryError for a failed allocation: array size, pool usage, device memory, the fix."""
    shape = (int(shape),) if isinstance(shape, int | np.integer) else tuple(int(n) for n in shape)
    dtype = np.dtype(dtype)
    pool = cupy.get_default_memory_pool()
    return GPUOutOfMemoryError(
        f"{op}: out of GPU memory allocating an array of shape {shape} {dtype.name} "
        f"({_bytes(math.prod(shape) * dtype.itemsize)}); cupy's memory pool has "
        f"{_bytes(pool.used_bytes())} in use of {_bytes(pool.total_bytes())} held{_device_free()}. "
        f"Fix: use a smaller batch_size (or smaller layers), or drop references to arrays "
        f"you no longer need"
    )


def _device_free() -> str:
    try:
        free, total = cupy.cuda.runtime.memGetInfo()
    except cupy.cuda.runtime.CUDARuntimeError:
        return ""
    return f"; the device has {_bytes(free)} free of {_bytes(total)}"


def _bytes(n: int) -> str:
    return f"{int(n):,} bytes ({int(n) / 2**30:.2f} GiB)"


def broadcast_of(args: tuple[Any, ...], op: str = "broadcast") -> Shape:
    """Broadcast shape of the array arguments (scalars ignored); ValueError naming the shapes."""
    shapes = [np.shape(a) for a in args if hasattr(a, "shape")]
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError as e:
        raise broadcast_error(op, *shapes) from e
