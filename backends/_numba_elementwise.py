"""Flat elementwise numba kernels: math, activations and their fused derivatives.

Every kernel is one loop (`_unary`/`_pair`) around a scalar @njit function that LLVM inlines,
split into BLOCK-sized tasks that run on numba's thread pool (prange) once the array is big enough
to pay for waking it. Loops index slices from 0 so LLVM can prove indices non-negative and
vectorize. Kernels are module-level functions (not closures): numba's disk-cache keys stay stable.

exp and tanh: without Intel SVML, numba calls libm once per element and nothing vectorizes, so for
float32 they are written out here (range reduction + Taylor polynomial + exponent bits), which LLVM
vectorizes; error under 1 ulp for exp. float64 keeps libm (accuracy first).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from llvmlite import ir
from numba import prange, types
from numba.extending import intrinsic, overload

from backends._numba_jit import njit, twin_kernel

_JIT: dict[str, Any] = {"cache": True, "nogil": True, "error_model": "numpy"}
BLOCK = 8192  # elements per task
PARALLEL_MIN = 1 << 15  # smaller arrays run on the calling thread: waking the pool costs more

F = np.float32  # float32 constants promote in float64 kernels and keep float32 kernels float32
_ZERO, _ONE, _TWO, _FOUR = F(0.0), F(1.0), F(2.0), F(4.0)
_LOG2E, _LN2_HI, _LN2_LO = F(1.4426950408889634), F(0.693359375), F(-2.1219444005469057e-4)
_ROUND = F(12582912.0)  # 1.5 * 2**23: x + _ROUND - _ROUND rounds x to an integer
_EXP_HI, _EXP_LO = F(88.72283), F(-104.0)  # above: inf; below: 0 (below half the least denormal)
_TAYLOR = tuple(F(1.0 / math.factorial(k)) for k in range(8))  # e**r, |r| <= ln2 / 2
_TANH_SERIES = (F(-1 / 3), F(2 / 15), F(-17 / 315), F(62 / 2835))  # tanh(z)/z - 1 in z**2, |z| < 1/4


@intrinsic
def _pow2(typingctx, n):
    """2.0**n as float32 for an int32 n in [-126, 127], built from the exponent bits."""

    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        bits = builder.shl(builder.add(args[0], ir.Constant(i32, 127)), ir.Constant(i32, 23))
        return builder.bitcast(bits, ir.FloatType())

    return types.float32(types.int32), codegen


def _exp32(x):
    n = (x * _LOG2E + _ROUND) - _ROUND
    r = (x - n * _LN2_HI) - n * _LN2_LO
    c0, c1, c2, c3, c4, c5, c6, c7 = _TAYLOR
    p = c0 + r * (c1 + r * (c2 + r * (c3 + r * (c4 + r * (c5 + r * (c6 + r * c7))))))
    n = F(-150.0) if not n >= F(-150.0) else min(n, F(128.0))  # nan lands in range too
    k = np.int32(n)
    half = k >> 1
    y = (p * _pow2(half)) * _pow2(k - half)  # two steps keep each exponent in range
    return F(np.inf) if x > _EXP_HI else (_ZERO if x < _EXP_LO else y)


def _tanh32(x):
    z = abs(x)
    e = fexp(_TWO * -z)
    big = (_ONE - e) / (_ONE + e)
    z2 = z * z
    small = z + z * z2 * (
        _TANH_SERIES[0] + z2 * (_TANH_SERIES[1] + z2 * (_TANH_SERIES[2] + z2 * _TANH_SERIES[3]))
    )
    t = small if z < F(0.25) else big
    return t if x >= _ZERO else -t


def fexp(x):
    """e**x; inside numba: vectorizable for float32, libm for float64."""
    return math.exp(x)


def ftanh(x):
    """tanh(x); inside numba: vectorizable for float32, libm for float64."""
    return math.tanh(x)


@overload(fexp, jit_options={"error_model": "numpy"})
def _fexp(x):
    return _exp32 if x == types.float32 else (lambda x: math.exp(x))


@overload(ftanh, jit_options={"error_model": "numpy"})
def _ftanh(x):
    return _tanh32 if x == types.float32 else (lambda x: math.tanh(x))


# -- loops ----------------------------------------------------------------------------------------
@njit(inline="always", **_JIT)
def _unary_task(f, t, x, out, p, q):
    lo = t * BLOCK
    hi = min(lo + BLOCK, out.size)
    v, o = x[lo:hi], out[lo:hi]
    for j in range(hi - lo):
        o[j] = f(v[j], p, q)


@njit(inline="always", **_JIT)
def _unary(f, x, out, p, q):
    """out[i] = f(x[i], p, q); p, q are op parameters (slope, clip bounds)."""
    tasks = (out.size + BLOCK - 1) // BLOCK
    for t in prange(tasks):
        _unary_task(f, t, x, out, p, q)


@njit(inline="always", **_JIT)
def _pair_task(f, t, a, b, out, p, q):
    lo = t * BLOCK
    hi = min(lo + BLOCK, out.size)
    va, vb, o = a[lo:hi], b[lo:hi], out[lo:hi]
    for j in range(hi - lo):
        o[j] = f(va[j], vb[j], p, q)


@njit(inline="always", **_JIT)
def _pair(f, a, b, out, p, q):
    """out[i] = f(a[i], b[i], p, q) for same-shape operands (dA with Z, AL with Y)."""
    tasks = (out.size + BLOCK - 1) // BLOCK
    for t in prange(tasks):
        _pair_task(f, t, a, b, out, p, q)


# -- scalar functions -----------------------------------------------------------------------------
@njit(**_JIT)
def _exp(x, p, q):
    return fexp(x)


@njit(**_JIT)
def _log(x, p, q):
    return math.log(x)


@njit(**_JIT)
def _tanh(x, p, q):
    return ftanh(x)


@njit(**_JIT)
def _sqrt(x, p, q):
    return math.sqrt(x)


@njit(**_JIT)
def _negative(x, p, q):
    return -x


@njit(**_JIT)
def _abs(x, p, q):
    return abs(x)


@njit(**_JIT)
def _clip(x, p, q):
    t = p if (p != p or p > x) else x  # np.maximum(x, lo), then np.minimum(., hi), as np.clip: a nan
    return q if (q != q or q < t) else t  # x or bound gives nan, and lo > hi gives hi


@njit(**_JIT)
def _sigmoid(z, p, q):
    e = fexp(-abs(z))  # never overflows: for large |z| the small side comes from e, not 1/e
    s = _ONE / (_ONE + e)
    return s if z >= _ZERO else e * s


@njit(**_JIT)
def _relu(z, p, q):
    return z if z >= _ZERO or z != z else _ZERO  # nan stays nan, as np.maximum(z, 0)


@njit(**_JIT)
def _leaky_relu(z, p, q):
    return z if z > _ZERO else p * z


@njit(**_JIT)
def _sigmoid_backward(dA, z, p, q):
    e = fexp(-abs(z))
    return dA * (e / ((_ONE + e) * (_ONE + e)))  # s (1 - s) = e / (1 + e)**2, e = exp(-|z|)


@njit(**_JIT)
def _tanh_backward(dA, z, p, q):
    e = fexp(_TWO * -abs(z))
    return dA * (_FOUR * e / ((_ONE + e) * (_ONE + e)))  # 1 - tanh**2 without cancellation


@njit(**_JIT)
def _relu_backward(dA, z, p, q):
    return dA if z > _ZERO else _ZERO


@njit(**_JIT)
def _leaky_relu_backward(dA, z, p, q):
    return dA if z > _ZERO else p * dA


@njit(**_JIT)
def _bce_backward(al, y, p, q):
    a = q if al > q else (p if al < p else al)  # AL clipped to [eps, 1 - eps] as in the cost
    return (_ONE - y) / (_ONE - a) - y / a


# -- kernels: kernel(x, out, p, q) and kernel(a, b, out, p, q) on flat buffers of one size -------
@twin_kernel(PARALLEL_MIN, **_JIT)
def exp(x, out, p, q):
    _unary(_exp, x, out, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def log(x, out, p, q):
    _unary(_log, x, out, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def tanh(x, out, p, q):
    _unary(_tanh, x, out, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def sqrt(x, out, p, q):
    _unary(_sqrt, x, out, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def negative(x, out, p, q):
    _unary(_negative, x, out, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def abs_(x, out, p, q):
    _unary(_abs, x, out, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def clip(x, out, p, q):
    _unary(_clip, x, out, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def sigmoid(x, out, p, q):
    _unary(_sigmoid, x, out, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def relu(x, out, p, q):
    _unary(_relu, x, out, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def leaky_relu(x, out, p, q):
    _unary(_leaky_relu, x, out, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def sigmoid_backward(a, b, out, p, q):
    _pair(_sigmoid_backward, a, b, out, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def tanh_backward(a, b, out, p, q):
    _pair(_tanh_backward, a, b, out, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def relu_backward(a, b, out, p, q):
    _pair(_relu_backward, a, b, out, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def leaky_relu_backward(a, b, out, p, q):
    _pair(_leaky_relu_backward, a, b, out, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def bce_backward(a, b, out, p, q):
    _pair(_bce_backward, a, b, out, p, q)
