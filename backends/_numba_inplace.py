"""In-place numba kernels for the activation ops whose input may be spent: A over Z, dZ over dA.

Each reads and writes one buffer at the same index (x[j] = f(x[j])), so LLVM sees one array and
vectorizes; an out-of-place kernel called with out = x would meet LLVM's runtime overlap check and
run its scalar loop. The scalar functions are `_numba_elementwise`'s own: the values are the
out-of-place ops' values, bit for bit.
"""

from __future__ import annotations

from numba import prange

from backends import _numba_elementwise as ew
from backends._numba_jit import njit, twin_kernel

_JIT = ew._JIT
BLOCK = ew.BLOCK
PARALLEL_MIN = ew.PARALLEL_MIN


@njit(inline="always", **_JIT)
def _over(f, x, p, q):
    """x[i] = f(x[i], p, q), BLOCK elements per task."""
    for t in prange((x.size + BLOCK - 1) // BLOCK):
        lo = t * BLOCK
        v = x[lo : min(lo + BLOCK, x.size)]
        for j in range(v.size):
            v[j] = f(v[j], p, q)


@njit(inline="always", **_JIT)
def _over_pair(f, a, b, p, q):
    """a[i] = f(a[i], b[i], p, q) for flat buffers of one size that do not overlap."""
    for t in prange((a.size + BLOCK - 1) // BLOCK):
        lo = t * BLOCK
        hi = min(lo + BLOCK, a.size)
        va, vb = a[lo:hi], b[lo:hi]
        for j in range(hi - lo):
            va[j] = f(va[j], vb[j], p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def relu(x, p, q):
    _over(ew._relu, x, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def leaky_relu(x, p, q):
    _over(ew._leaky_relu, x, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def relu_backward(a, b, p, q):
    _over_pair(ew._relu_backward, a, b, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def leaky_relu_backward(a, b, p, q):
    _over_pair(ew._leaky_relu_backward, a, b, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def sigmoid_backward(a, b, p, q):
    _over_pair(ew._sigmoid_backward, a, b, p, q)


@twin_kernel(PARALLEL_MIN, **_JIT)
def tanh_backward(a, b, p, q):
    _over_pair(ew._tanh_backward, a, b, p, q)
