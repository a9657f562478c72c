"""Matmul in numba loops: C = alpha * (A @ B) + bias, A and B read through strides (transposes in place).

Two loop nests, chosen by shape (`gemm`):
- packed (`_numba_matmul_packed`): the GotoBLAS/BLIS plan, a 4 x 4 register-blocked micro-kernel
  on packed panels; everything with k >= THIN_MAX_K and at least MR rows.
- thin (here): C rows accumulated as axpys over streamed rows of B, for short k (the micro-kernel's
  horizontal sums would cost more than the k terms) and for fewer rows than a tile (a vector-matrix
  product, bound by reading B once).
Both run on the calling thread below PARALLEL_MIN_FLOPS (measured: waking the pool costs more than
the work) and in parallel over blocks of C above it; thread counts are never changed.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from backends._numba_matmul_packed import _JIT, MR, NT, _pack, gemm_packed

PARALLEL_MIN_FLOPS = 1 << 21  # n * m * k below which one thread is faster than waking the pool
THIN_MAX_K = 24  # below this depth, streaming rows of B beats 16 horizontal sums per tile
THIN_KC = 256  # k slice of the thin path: KC x NT of packed B stays in L2
THIN_MC = 64  # rows per thin task


@njit(**_JIT)
def _thin_task(t, a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c):
    """Task t: C[64 rows, NT columns] by axpys over B's rows, read in place or packed row-major."""
    n, m = c.shape
    tasks_j = (m + NT - 1) // NT
    i0, j0 = (t // tasks_j) * THIN_MC, (t % tasks_j) * NT
    i1, j1 = min(i0 + THIN_MC, n), min(j0 + NT, m)
    w = j1 - j0
    for i in range(i0, i1):
        c[i, j0:j1] = 0
    buf = np.empty(min(THIN_KC, K) * w if sbj != 1 else 0, c.dtype)
    for k0 in range(0, K, THIN_KC):
        kc = min(THIN_KC, K - k0)
        src, base, step = b, k0 * sbk + j0, sbk
        if sbj != 1:  # columns of B are strided: pack the slice so each row is a contiguous run
            _pack(b, sbk, sbj, k0, k0 + kc, k0 + kc, j0, w, w, buf, 0)
            src, base, step = buf, 0, w
        for i in range(i0, i1):
            ci = c[i, j0:j1]
            for p in range(kc):
                x, row = a[i * sai + (k0 + p) * sak], src[base + p * step : base + p * step + w]
                for j in range(w):
                    ci[j] += x * row[j]
    for i in range(i0, i1):
        ci, bi = c[i, j0:j1], bias[i * sbias]
        for j in range(w):
            ci[j] = ci[j] * alpha + bi


@njit(parallel=True, **_JIT)
def _gemm_thin(a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c, parallel):
    """`gemm` by streamed rows of B; `parallel` False runs every task on this thread."""
    n, m = c.shape
    tasks = ((n + THIN_MC - 1) // THIN_MC) * ((m + NT - 1) // NT)
    if parallel:
        for t in prange(tasks):
            t = np.int64(t)  # prange counts in uint64, which would retype the task's index arithmetic
            _thin_task(t, a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c)
    else:
        for t in range(tasks):
            t = np.int64(t)  # prange counts in uint64, which would retype the task's index arithmetic
            _thin_task(t, a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c)


@njit(**_JIT)
def gemm(a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c):
    """c (n, m) = alpha * (A @ B) + bias[i * sbias]: A (n, K) element (i, k) at a[i*sai + k*sak],
    B (K, m) element (k, j) at b[k*sbk + j*sbj]; a, b flat buffers, c C-contiguous."""
    n, m = c.shape
    parallel = n * m * K >= PARALLEL_MIN_FLOPS
    if K < THIN_MAX_K or n < MR:
        _gemm_thin(a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c, parallel)
    else:
        gemm_packed(a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c, parallel)
