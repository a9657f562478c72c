"""Broadcasting numba kernels: binary ops, greater, where, the strided gather (every copy), sgd.

Operands are flat C-contiguous buffers read through one collapsed layout (shape, element strides,
stride 0 on broadcast dims; see _numba_layout), so one compiled kernel per (op, dtype) serves every
rank. Work is split into (row of the outer dims, BLOCK of the last dim) tasks. The inner loop has
fast paths: both operands contiguous, and one operand constant along the row, which covers scalars
and the (n, m) with (n, 1) column broadcast. Scalar functions are @njit functions LLVM inlines.
"""

from __future__ import annotations

from typing import Any

from numba import prange

from backends._numba_jit import njit, twin_kernel

_JIT: dict[str, Any] = {"cache": True, "nogil": True, "error_model": "numpy"}
BLOCK = 8192
PARALLEL_MIN = 1 << 16  # measured: add breaks even with the pool between 32k and 128k elements


@njit(inline="always", **_JIT)
def _offsets(row, shape, sa, sb):
    """Offsets into a and b of `row`, counted over the outer dims (all but the last)."""
    ia, ib, div = 0, 0, 1  # `row` is never rebound: inlined, it may be the prange index
    for d in range(shape.size - 2, -1, -1):
        k = (row // div) % shape[d]
        div *= shape[d]
        ia += k * sa[d]
        ib += k * sb[d]
    return ia, ib


@njit(inline="always", **_JIT)
def _binary_task(f, t, a, b, out, shape, sa, sb):
    inner = shape[shape.size - 1]
    nblk = (inner + BLOCK - 1) // BLOCK
    row, lo = t // nblk, (t % nblk) * BLOCK
    n = min(BLOCK, inner - lo)
    xa, xb = sa[shape.size - 1], sb[shape.size - 1]  # 1 or 0: operands are C-contiguous
    ia, ib = _offsets(row, shape, sa, sb)
    ia, ib = ia + lo * xa, ib + lo * xb
    o = out[row * inner + lo : row * inner + lo + n]
    if xa == 1 and xb == 1:
        va, vb = a[ia : ia + n], b[ib : ib + n]
        for j in range(n):
            o[j] = f(va[j], vb[j])
    elif xa == 1:  # b constant along the row: a scalar, or the (n, 1) column of an (n, m) op
        va, y = a[ia : ia + n], b[ib]
        for j in range(n):
            o[j] = f(va[j], y)
    elif xb == 1:
        x, vb = a[ia], b[ib : ib + n]
        for j in range(n):
            o[j] = f(x, vb[j])
    else:  # both constant: a single element
        for j in range(n):
            o[j] = f(a[ia], b[ib])


@njit(inline="always", **_JIT)
def _binary(f, a, b, out, shape, sa, sb):
    inner = shape[shape.size - 1]
    tasks = (out.size // inner) * ((inner + BLOCK - 1) // BLOCK)
    for t in prange(tasks):
        _binary_task(f, t, a, b, out, shape, sa, sb)


# -- scalar functions f(x, y) ---------------------------------------------------------------
@njit(**_JIT)
def _add(x, y):
    return x + y


@njit(**_JIT)
def _subtract(x, y):
    return x - y


@njit(**_JIT)
def _multiply(x, y):
    return x * y


@njit(**_JIT)
def _divide(x, y):
    return x / y


@njit(**_JIT)
def _maximum(x, y):
    return x if x >= y or x != x else y  # nan wins, as NumPy


@njit(**_JIT)
def _minimum(x, y):
    return x if x <= y or x != x else y


@njit(**_JIT)
def _power(x, y):
    return x**y


@njit(**_JIT)
def _greater(x, y):
    return x > y


@twin_kernel(PARALLEL_MIN, **_JIT)
def add(a, b, out, shape, sa, sb):
    _binary(_add, a, b, out, shape, sa, sb)


@twin_kernel(PARALLEL_MIN, **_JIT)
def subtract(a, b, out, shape, sa, sb):
    _binary(_subtract, a, b, out, shape, sa, sb)


@twin_kernel(PARALLEL_MIN, **_JIT)
def multiply(a, b, out, shape, sa, sb):
    _binary(_multiply, a, b, out, shape, sa, sb)


@twin_kernel(PARALLEL_MIN, **_JIT)
def divide(a, b, out, shape, sa, sb):
    _binary(_divide, a, b, out, shape, sa, sb)


@twin_kernel(PARALLEL_MIN, **_JIT)
def maximum(a, b, out, shape, sa, sb):
    _binary(_maximum, a, b, out, shape, sa, sb)


@twin_kernel(PARALLEL_MIN, **_JIT)
def minimum(a, b, out, shape, sa, sb):
    _binary(_minimum, a, b, out, shape, sa, sb)


@twin_kernel(PARALLEL_MIN, **_JIT)
def power(a, b, out, shape, sa, sb):
    _binary(_power, a, b, out, shape, sa, sb)


@twin_kernel(PARALLEL_MIN, **_JIT)
def greater(a, b, out, shape, sa, sb):
    _binary(_greater, a, b, out, shape, sa, sb)


# -- three operands, and one ----------------------------------------------------------------------
@njit(inline="always", **_JIT)
def _where_row(row, cond, a, b, out, shape, sc, sa, sb):
    inner = shape[shape.size - 1]
    ic, _ = _offsets(row, shape, sc, sc)
    ia, ib = _offsets(row, shape, sa, sb)
    xc, xa, xb = sc[shape.size - 1], sa[shape.size - 1], sb[shape.size - 1]
    o = out[row * inner : (row + 1) * inner]
    for j in range(inner):
        o[j] = a[ia + j * xa] if cond[ic + j * xc] else b[ib + j * xb]


@twin_kernel(PARALLEL_MIN, **_JIT)
def where(cond, a, b, out, shape, sc, sa, sb):
    """out = a where cond else b, all three read through one broadcast layout."""
    rows = out.size // shape[shape.size - 1]
    for row in prange(rows):
        _where_row(row, cond, a, b, out, shape, sc, sa, sb)


@njit(inline="always", **_JIT)
def _gather_task(t, src, out, shape, ss):
    inner = shape[shape.size - 1]
    nblk = (inner + BLOCK - 1) // BLOCK
    row, lo = t // nblk, (t % nblk) * BLOCK
    n = min(BLOCK, inner - lo)
    step = ss[shape.size - 1]
    i, _ = _offsets(row, shape, ss, ss)
    i += lo * step
    o = out[row * inner + lo : row * inner + lo + n]
    if step == 1:
        v = src[i : i + n]
        for j in range(n):
            o[j] = v[j]
    else:  # a fill or broadcast (step 0) or a transpose (any step)
        for j in range(n):
            o[j] = src[i + j * step]


@twin_kernel(PARALLEL_MIN, **_JIT)
def gather(src, out, shape, ss):
    """out (C order, its own dtype) = src read through (shape, element strides ss): copy, cast,
    fill, broadcast_to and transpose materialization are all this one loop."""
    inner = shape[shape.size - 1]
    tasks = (out.size // inner) * ((inner + BLOCK - 1) // BLOCK)
    for t in prange(tasks):
        _gather_task(t, src, out, shape, ss)


@njit(inline="always", **_JIT)
def _sgd_task(t, param, grad, lr):
    lo = t * BLOCK
    hi = min(lo + BLOCK, param.size)
    w, g = param[lo:hi], grad[lo:hi]
    for j in range(hi - lo):
        w[j] -= lr * g[j]


@twin_kernel(PARALLEL_MIN, **_JIT)
def sgd_update(param, grad, lr):
    """param -= lr * grad in place, flat buffers of one size."""
    tasks = (param.size + BLOCK - 1) // BLOCK
    for t in prange(tasks):
        _sgd_task(t, param, grad, lr)
