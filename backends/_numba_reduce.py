"""Reduction numba kernels: sum/max over any axes, dot, and the fused cost and bias-gradient sums.

A reduction reads its C-contiguous input once, in memory order. The layout (see _numba_layout)
splits the dims into outer kept dims (which output row), folded dims, and the contiguous last dim:
folded inside each row (`*_last`) or carried as a vector of outputs (`*_outer`).
Sums may be reassociated (fastmath "reassoc" only, so inf and nan behave as in NumPy): LLVM then
keeps several partial sums in vector lanes, which is both faster and more accurate than one chain.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import prange

from backends._numba_jit import njit, twin_kernel

_JIT: dict[str, Any] = {"cache": True, "nogil": True, "error_model": "numpy", "fastmath": {"reassoc"}}
CHUNK = 16384  # elements of the contiguous dim per task
PARALLEL_MIN = 1 << 15

_ZERO, _ONE = np.float32(0.0), np.float32(1.0)


@njit(inline="always", **_JIT)
def _offset(row, shape, strides):
    off, div = 0, 1  # `row` is never rebound: inlined, it may be the prange index
    for d in range(shape.size - 1, -1, -1):
        k = (row // div) % shape[d]
        div *= shape[d]
        off += k * strides[d]
    return off


@njit(**_JIT)
def _add(acc, x):
    return acc + x


@njit(**_JIT)
def _max(acc, x):
    return x if x > acc or x != x else acc  # nan wins, as NumPy


@njit(inline="always", **_JIT)
def _fold_last_task(f, t, nchunk, x, part, init, kshape, kstr, rshape, rstr, width, nfold):
    row, lo = t // nchunk, (t % nchunk) * CHUNK
    n = min(CHUNK, width - lo)
    base = _offset(row, kshape, kstr) + lo
    acc = init
    for r in range(nfold):
        off = base + _offset(r, rshape, rstr)
        v = x[off : off + n]
        for j in range(n):
            acc = f(acc, v[j])
    part[t] = acc


@njit(inline="always", **_JIT)
def _fold_last(f, x, out, init, kshape, kstr, rshape, rstr, width):
    """out[row] = f-fold over the folded dims and the contiguous last dim of each row."""
    nfold = 1
    for n in rshape:
        nfold *= n
    nchunk = (width + CHUNK - 1) // CHUNK
    part = np.empty(out.size * nchunk, out.dtype)
    for t in prange(part.size):
        _fold_last_task(f, t, nchunk, x, part, init, kshape, kstr, rshape, rstr, width, nfold)
    for row in range(out.size):
        acc = init
        for c in range(nchunk):
            acc = f(acc, part[row * nchunk + c])
        out[row] = acc


@njit(inline="always", **_JIT)
def _fold_outer_task(f, t, nchunk, x, out, init, kshape, kstr, rshape, rstr, width, nfold):
    row, lo = t // nchunk, (t % nchunk) * CHUNK
    n = min(CHUNK, width - lo)
    base = _offset(row, kshape, kstr) + lo
    o = out[row * width + lo : row * width + lo + n]
    for j in range(n):
        o[j] = init
    for r in range(nfold):
        off = base + _offset(r, rshape, rstr)
        v = x[off : off + n]
        for j in range(n):
            o[j] = f(o[j], v[j])


@njit(inline="always", **_JIT)
def _fold_outer(f, x, out, init, kshape, kstr, rshape, rstr, width):
    """out[row, :] = f-fold over the folded dims, the contiguous last dim kept as a vector."""
    nfold = 1
    for n in rshape:
        nfold *= n
    nchunk = (width + CHUNK - 1) // CHUNK
    tasks = (out.size // width) * nchunk
    for t in prange(tasks):
        _fold_outer_task(f, t, nchunk, x, out, init, kshape, kstr, rshape, rstr, width, nfold)


# kernels: kernel(x, out, init, kshape, kstr, rshape, rstr, width) -- see reduce_layout
@twin_kernel(PARALLEL_MIN, **_JIT)
def sum_last(x, out, init, kshape, kstr, rshape, rstr, width):
    _fold_last(_add, x, out, init, kshape, kstr, rshape, rstr, width)


@twin_kernel(PARALLEL_MIN, **_JIT)
def max_last(x, out, init, kshape, kstr, rshape, rstr, width):
    _fold_last(_max, x, out, init, kshape, kstr, rshape, rstr, width)


@twin_kernel(PARALLEL_MIN, **_JIT)
def sum_outer(x, out, init, kshape, kstr, rshape, rstr, width):
    _fold_outer(_add, x, out, init, kshape, kstr, rshape, rstr, width)


@twin_kernel(PARALLEL_MIN, **_JIT)
def max_outer(x, out, init, kshape, kstr, rshape, rstr, width):
    _fold_outer(_max, x, out, init, kshape, kstr, rshape, rstr, width)


@twin_kernel(PARALLEL_MIN, **_JIT)
def row_sums(x, scale, out):
    """out[i] = scale * sum(x[i, :]) for a C-contiguous (n, m) x: db in linear_backward."""
    n, m = x.shape
    for i in prange(n):
        v = x[i]
        acc = _ZERO
        for j in range(m):
            acc += v[j]
        out[i] = acc * scale


@twin_kernel(PARALLEL_MIN, **_JIT)
def dot(a, b):
    """sum(a * b) of two flat vectors of one size, in their dtype."""
    nchunk = (a.size + CHUNK - 1) // CHUNK
    part = np.zeros(nchunk, a.dtype)
    for c in prange(nchunk):
        lo = c * CHUNK
        hi = min(lo + CHUNK, a.size)
        va, vb = a[lo:hi], b[lo:hi]
        acc = part[c]
        for j in range(hi - lo):
            acc += va[j] * vb[j]
        part[c] = acc
    total = _ZERO
    for c in range(nchunk):
        total += part[c]
    return total


@twin_kernel(PARALLEL_MIN, **_JIT)
def cost_sum(op, al, y, lo, hi):
    """Sum of per-example loss terms in float64: op 0 is Y log(p) + (1-Y) log(1-p), p = AL clipped
    to [lo, hi] (the cross-entropy terms); op 1 is (AL - Y)**2."""
    nchunk = (al.size + CHUNK - 1) // CHUNK
    part = np.zeros(nchunk, np.float64)
    for c in prange(nchunk):
        start = c * CHUNK
        stop = min(start + CHUNK, al.size)
        va, vy = al[start:stop], y[start:stop]
        acc = 0.0
        for j in range(stop - start):
            if op == 0:
                p = hi if va[j] > hi else (lo if va[j] < lo else va[j])
                acc += vy[j] * math.log(p) + (_ONE - vy[j]) * math.log(_ONE - p)
            else:
                d = va[j] - vy[j]
                acc += d * d
        part[c] = acc
    total = 0.0
    for c in range(nchunk):
        total += part[c]
    return total
