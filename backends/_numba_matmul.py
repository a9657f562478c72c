"""Blocked matmul in numba: C = alpha * (A @ B) + bias, any of A, B transposed, no copies of A or B.

Loop order (per task = one MB x NC block of C, tasks run in parallel):
    for each KC-deep slice of k:        the B block (KC x NC) stays in L2
        for rows i of the block, 4 at a time:
            for k in the slice, 4 at a time:   16 scalars of A, 4 rows of B, 4 rows of C
                for j in NC (vectorized):      C[i..i+3, j] += A[i..i+3, k..k+3] . B[k..k+3, j]
Each pass over j does 16 fused multiply-adds per 4 loads of B and 4 loads + 4 stores of C.
A is read element by element through (row, col) strides, so A or A.T costs the same; when B is
transposed its rows are not contiguous, so each task packs its KC x NC block of B into a small
buffer first (B itself is never copied whole).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

# contract: fused multiply-add; reassoc/nsz: reorder the 4-term sums. No nnan/ninf: inf/nan propagate.
_JIT: dict[str, Any] = {
    "cache": True,
    "nogil": True,
    "error_model": "numpy",
    "fastmath": {"contract", "reassoc", "nsz"},
}
MB, KC, NC = 128, 256, 512
PARALLEL_MIN_FLOPS = 1 << 17


@njit(inline="always", **_JIT)
def _rows4(a, sai, sak, bb, c, i, k0, k1, bk0, j0, j1, bj0):
    """C[i:i+4, j0:j1] += A[i:i+4, k0:k1] @ B[k0:k1, j0:j1], B read from bb at (bk0, bj0)."""
    w = j1 - j0
    c0, c1, c2, c3 = c[i, j0:j1], c[i + 1, j0:j1], c[i + 2, j0:j1], c[i + 3, j0:j1]
    kk = k0
    while kk + 4 <= k1:
        p = i * sai + kk * sak
        a00, a01, a02, a03 = a[p], a[p + sak], a[p + 2 * sak], a[p + 3 * sak]
        p += sai
        a10, a11, a12, a13 = a[p], a[p + sak], a[p + 2 * sak], a[p + 3 * sak]
        p += sai
        a20, a21, a22, a23 = a[p], a[p + sak], a[p + 2 * sak], a[p + 3 * sak]
        p += sai
        a30, a31, a32, a33 = a[p], a[p + sak], a[p + 2 * sak], a[p + 3 * sak]
        r = kk - bk0
        b0, b1 = bb[r, bj0 : bj0 + w], bb[r + 1, bj0 : bj0 + w]
        b2, b3 = bb[r + 2, bj0 : bj0 + w], bb[r + 3, bj0 : bj0 + w]
        for j in range(w):
            x0, x1, x2, x3 = b0[j], b1[j], b2[j], b3[j]
            c0[j] += a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3
            c1[j] += a10 * x0 + a11 * x1 + a12 * x2 + a13 * x3
            c2[j] += a20 * x0 + a21 * x1 + a22 * x2 + a23 * x3
            c3[j] += a30 * x0 + a31 * x1 + a32 * x2 + a33 * x3
        kk += 4
    while kk < k1:
        p = i * sai + kk * sak
        a0, a1, a2, a3 = a[p], a[p + sai], a[p + 2 * sai], a[p + 3 * sai]
        bk = bb[kk - bk0, bj0 : bj0 + w]
        for j in range(w):
            x = bk[j]
            c0[j] += a0 * x
            c1[j] += a1 * x
            c2[j] += a2 * x
            c3[j] += a3 * x
        kk += 1


@njit(inline="always", **_JIT)
def _row1(a, sai, sak, bb, c, i, k0, k1, bk0, j0, j1, bj0):
    """C[i, j0:j1] += A[i, k0:k1] @ B[k0:k1, j0:j1] for the rows left over after blocks of 4."""
    w = j1 - j0
    ci = c[i, j0:j1]
    for kk in range(k0, k1):
        x = a[i * sai + kk * sak]
        bk = bb[kk - bk0, bj0 : bj0 + w]
        for j in range(w):
            ci[j] += x * bk[j]


@njit(inline="always", **_JIT)
def _pack(b, sbk, sbj, buf, k0, k1, j0, j1):
    """buf[:k1-k0, :j1-j0] = B[k0:k1, j0:j1] read through strides: a transposed B made row-major.
    Done in strips of 16 columns so the 16 source lines being read stay in L1."""
    for js in range(0, j1 - j0, 16):
        je = min(js + 16, j1 - j0)
        for kk in range(k1 - k0):
            row = buf[kk]
            base = (k0 + kk) * sbk + j0 * sbj
            for j in range(js, je):
                row[j] = b[base + j * sbj]


@njit(inline="always", **_JIT)
def _epilogue(c, i0, i1, j0, j1, alpha, bias, sbias):
    for i in range(i0, i1):
        ci, bi = c[i, j0:j1], bias[i * sbias]
        for j in range(j1 - j0):
            ci[j] = ci[j] * alpha + bi


@njit(**_JIT)  # not inlined: compiled once, shared by the serial and the parallel loop
def _task(t, a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c):
    n, m = c.shape
    ncb = (m + NC - 1) // NC
    i0, j0 = (t // ncb) * MB, (t % ncb) * NC
    i1, j1 = min(i0 + MB, n), min(j0 + NC, m)
    for i in range(i0, i1):
        ci = c[i, j0:j1]
        for j in range(j1 - j0):
            ci[j] = 0
    packed = sbj != 1
    bb = np.empty((KC, NC), c.dtype) if packed else b[: K * m].reshape((K, m))
    for k0 in range(0, K, KC):
        k1 = min(k0 + KC, K)
        bk0, bj0 = 0, j0
        if packed:
            _pack(b, sbk, sbj, bb, k0, k1, j0, j1)
            bk0, bj0 = k0, 0
        i = i0
        while i + 4 <= i1:
            _rows4(a, sai, sak, bb, c, i, k0, k1, bk0, j0, j1, bj0)
            i += 4
        while i < i1:
            _row1(a, sai, sak, bb, c, i, k0, k1, bk0, j0, j1, bj0)
            i += 1
    _epilogue(c, i0, i1, j0, j1, alpha, bias, sbias)


@njit(parallel=True, **_JIT)
def gemm(a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c):
    """c (n, m) = alpha * (A @ B) + bias[i * sbias]: A (n, K) element (i, k) at a[i*sai + k*sak],
    B (K, m) element (k, j) at b[k*sbk + j*sbj]; a, b flat buffers, c C-contiguous."""
    n, m = c.shape
    tasks = ((n + MB - 1) // MB) * ((m + NC - 1) // NC)
    if n * m * K < PARALLEL_MIN_FLOPS:
        for t in range(tasks):
            _task(t, a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c)
    else:
        for t in prange(tasks):
            _task(t, a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c)
