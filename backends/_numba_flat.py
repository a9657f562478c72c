"""Binary numba kernels for operands of one shape, and the plain copy: one loop over flat buffers.

The common case (AL - Y, a dropout mask, two gradients) needs none of the broadcasting kernels'
offsets and stride cases (`_numba_binary`), so it gets this one loop: it compiles in a quarter of
the time (a newcomer's first run compiles it) and vectorizes without a runtime stride test. The
scalar functions are the broadcasting kernels' own, so both paths round alike.
"""

from __future__ import annotations

from numba import prange

from backends import _numba_binary as bn
from backends._numba_jit import njit, twin_kernel

_JIT = bn._JIT
BLOCK = bn.BLOCK
PARALLEL_MIN = bn.PARALLEL_MIN


@njit(inline="always", **_JIT)
def _flat(f, a, b, out):
    """out[i] = f(a[i], b[i]), BLOCK elements per task."""
    for t in prange((out.size + BLOCK - 1) // BLOCK):
        lo = t * BLOCK
        hi = min(lo + BLOCK, out.size)
        va, vb, o = a[lo:hi], b[lo:hi], out[lo:hi]
        for j in range(hi - lo):
            o[j] = f(va[j], vb[j])


@twin_kernel(PARALLEL_MIN, **_JIT)
def add(a, b, out):
    _flat(bn._add, a, b, out)


@twin_kernel(PARALLEL_MIN, **_JIT)
def subtract(a, b, out):
    _flat(bn._subtract, a, b, out)


@twin_kernel(PARALLEL_MIN, **_JIT)
def multiply(a, b, out):
    _flat(bn._multiply, a, b, out)


@twin_kernel(PARALLEL_MIN, **_JIT)
def divide(a, b, out):
    _flat(bn._divide, a, b, out)


@twin_kernel(PARALLEL_MIN, **_JIT)
def maximum(a, b, out):
    _flat(bn._maximum, a, b, out)


@twin_kernel(PARALLEL_MIN, **_JIT)
def minimum(a, b, out):
    _flat(bn._minimum, a, b, out)


@twin_kernel(PARALLEL_MIN, **_JIT)
def power(a, b, out):
    _flat(bn._power, a, b, out)


@twin_kernel(PARALLEL_MIN, **_JIT)
def greater(a, b, out):
    _flat(bn._greater, a, b, out)


@twin_kernel(PARALLEL_MIN, **_JIT)
def copy(x, out):
    """out[i] = x[i]: a C-contiguous copy (casts and strided reads go through the gather kernel)."""
    for t in prange((out.size + BLOCK - 1) // BLOCK):
        lo = t * BLOCK
        hi = min(lo + BLOCK, out.size)
        v, o = x[lo:hi], out[lo:hi]
        for j in range(hi - lo):
            o[j] = v[j]
