"""Matmul in numba loops: C = alpha * (A @ B) + bias, A and B read through strides (transposes in place).

Two loop nests, chosen by shape (`thin_pays`):
- packed (`_numba_matmul_packed`): the GotoBLAS/BLIS plan, a 4 x 4 register-blocked micro-kernel
  on packed panels, for k * itemsize >= THIN_MAX_BYTES (k >= 80 in float32, 40 in float64).
- thin (here), for shorter k, where the micro-kernel's 16 horizontal sums per tile would cost more
  than its k terms: 4 rows of C at a time accumulate 4 rows of B at a time, vectorized along the row;
  also for outputs of one tile or less and for fewer than 4 rows of C with a row-major B.
Both run on the calling thread below PARALLEL_MIN_MACS (measured: waking the pool costs more than
the work) and in parallel over blocks of C above it; thread counts are never changed. The drivers
are plain Python: a run compiles only the task kernels of the nest and schedule it uses.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from backends._numba_jit import njit
from backends._numba_matmul_packed import _JIT, MR, NR, _pack, _stripe_task, pack_a, plan, round_up

# n * m * k below which the calling thread does it all. Measured (packed path, float32): at n*m*k = 1M
# (80 us serial) 2 threads took 0.55x the serial time while the pool was awake; the thin path only
# broke even there. A pool that must be woken on a loaded machine costs milliseconds either way.
PARALLEL_MIN_MACS = 1 << 21
THIN_MAX_BYTES = 320  # k * itemsize below which streaming rows of B beats 16 horizontal sums per tile
THIN_MC, THIN_NT = 64, 512  # rows and columns of C per thin task


@njit(**_JIT)
def _rows4(c0, c1, c2, c3, a, i0, i1, i2, i3, sak, K, src, base, step):
    """c_r = A[i_r, :] @ B for 4 rows: B's row k at src[base + k step:], A[i, k] at a[i + k sak].

    Four k at a time: each pass over a row of C does 16 FMAs per 4 loads of B and 4 loads and 4
    stores of C, so the loop is bound by the FMAs, not by the stores.
    """
    w = c0.size
    for j in range(w):
        c0[j] = c1[j] = c2[j] = c3[j] = 0
    k = 0
    while k + 4 <= K:
        p0, p1, p2, p3 = i0 + k * sak, i1 + k * sak, i2 + k * sak, i3 + k * sak
        a00, a01, a02, a03 = a[p0], a[p0 + sak], a[p0 + 2 * sak], a[p0 + 3 * sak]
        a10, a11, a12, a13 = a[p1], a[p1 + sak], a[p1 + 2 * sak], a[p1 + 3 * sak]
        a20, a21, a22, a23 = a[p2], a[p2 + sak], a[p2 + 2 * sak], a[p2 + 3 * sak]
        a30, a31, a32, a33 = a[p3], a[p3 + sak], a[p3 + 2 * sak], a[p3 + 3 * sak]
        o = base + k * step
        b0, b1, b2, b3 = src[o:], src[o + step :], src[o + 2 * step :], src[o + 3 * step :]
        for j in range(w):
            x0, x1, x2, x3 = b0[j], b1[j], b2[j], b3[j]
            c0[j] += a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3
            c1[j] += a10 * x0 + a11 * x1 + a12 * x2 + a13 * x3
            c2[j] += a20 * x0 + a21 * x1 + a22 * x2 + a23 * x3
            c3[j] += a30 * x0 + a31 * x1 + a32 * x2 + a33 * x3
        k += 4
    for kr in range(k, K):
        a0, a1, a2, a3 = a[i0 + kr * sak], a[i1 + kr * sak], a[i2 + kr * sak], a[i3 + kr * sak]
        row = src[base + kr * step :]
        for j in range(w):
            x = row[j]
            c0[j] += a0 * x
            c1[j] += a1 * x
            c2[j] += a2 * x
            c3[j] += a3 * x


@njit(**_JIT)
def _thin_task(t, a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c):
    """Task t: C[64 rows, 512 columns], 4 rows at a time, B's rows read in place or packed row-major."""
    n, m = c.shape
    tasks_j = (m + THIN_NT - 1) // THIN_NT
    i0, j0 = (t // tasks_j) * THIN_MC, (t % tasks_j) * THIN_NT
    i1, j1 = min(i0 + THIN_MC, n), min(j0 + THIN_NT, m)
    src, base, step = b, j0 * sbj, sbk
    if sbj != 1:  # B's rows are strided: pack the K x w block so that each row is a contiguous run
        src, base, step = np.empty(K * (j1 - j0), c.dtype), 0, j1 - j0
        _pack(b, sbk, sbj, K, K, j0, j1 - j0, j1 - j0, src)
    # distinct rows stand in for the missing rows of a last group of < 4: one row shared by them
    # would overlap itself, and LLVM's runtime alias check would then take the scalar loop
    spare = np.empty((3, j1 - j0), c.dtype)
    for i in range(i0, i1, 4):
        c0 = c[i, j0:j1]
        c1 = c[i + 1, j0:j1] if i + 1 < i1 else spare[0]
        c2 = c[i + 2, j0:j1] if i + 2 < i1 else spare[1]
        c3 = c[i + 3, j0:j1] if i + 3 < i1 else spare[2]
        r1, r2, r3 = min(i + 1, i1 - 1) * sai, min(i + 2, i1 - 1) * sai, min(i + 3, i1 - 1) * sai
        _rows4(c0, c1, c2, c3, a, i * sai, r1, r2, r3, sak, K, src, base, step)
    for i in range(i0, i1):
        ci, bi = c[i, j0:j1], bias[i * sbias]
        for j in range(j1 - j0):
            ci[j] = ci[j] * alpha + bi


@njit(parallel=True, **_JIT)
def thin_tasks(tasks, a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c):
    """The thin nest's tasks on numba's thread pool."""
    for t in prange(tasks):
        t = np.int64(t)  # prange counts in uint64, which would retype the task's index arithmetic
        _thin_task(t, a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c)


@njit(parallel=True, **_JIT)
def packed_tasks(tasks, row_groups, ap, s0, s1, kc, K, b, sbk, sbj, c, alpha, bias, sbias):
    """The packed nest's stripes over A's packed slices s0..s1 - 1, on numba's thread pool."""
    for t in prange(tasks):
        t = np.int64(t)
        _stripe_task(t, row_groups, ap, s0, s1, kc, K, b, sbk, sbj, c, alpha, bias, sbias)


def gemm(a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c):
    """c (n, m) = alpha * (A @ B) + bias[i * sbias]: A (n, K) element (i, k) at a[i*sai + k*sak],
    B (K, m) element (k, j) at b[k*sbk + j*sbj]; a, b flat buffers, c C-contiguous."""
    n, m = c.shape
    scheduled(a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c, n * m * K >= PARALLEL_MIN_MACS)


def thin_pays(n, m, K, sbj, itemsize):
    """Whether the thin nest is the one to run: short k; an output of one tile or less (where the
    packed nest would compile for nothing); or fewer than MR rows of a row-major B, which the thin
    nest streams once (measured: 3x faster than packing B for one row of C; 4x slower when B's rows
    are strided and need packing)."""
    return K * itemsize < THIN_MAX_BYTES or n * m <= MR * NR or (n < MR and sbj == 1)


def scheduled(a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c, parallel, thin=None):
    """`gemm` with the threads (and, for the tests, the loop nest) chosen by the caller.

    Plain Python around the task kernels: a run compiles only the nest and the schedule it uses
    (a small problem never compiles a parallel driver: measured, 8 s of a 20 s cold start).
    """
    n, m = c.shape
    if thin is None:
        thin = thin_pays(n, m, K, sbj, c.itemsize)
    if thin:
        tasks = ((n + THIN_MC - 1) // THIN_MC) * ((m + THIN_NT - 1) // THIN_NT)
        if parallel:
            thin_tasks(tasks, a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c)
        else:
            for t in range(tasks):
                _thin_task(t, a, sai, sak, b, sbk, sbj, K, bias, sbias, alpha, c)
        return
    kc, slices, chunk, row_groups, tasks = plan(n, m, K, c.itemsize)
    ap = np.empty(chunk * round_up(n, MR) * kc, c.dtype)
    for s0 in range(0, slices, chunk):
        s1 = min(s0 + chunk, slices)
        pack_a(a, sai, sak, n, K, kc, s0, s1, ap)  # on this thread: under 1 % of the work
        if parallel:
            packed_tasks(tasks, row_groups, ap, s0, s1, kc, K, b, sbk, sbj, c, alpha, bias, sbias)
        else:
            for t in range(tasks):
                _stripe_task(t, row_groups, ap, s0, s1, kc, K, b, sbk, sbj, c, alpha, bias, sbias)
