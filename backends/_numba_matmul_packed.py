"""Packed, register-blocked matmul in numba loops: C = alpha * (A @ B) + bias, the GotoBLAS/BLIS plan.

    pack A's k slices (rows made contiguous k runs), on the calling thread; then per task,
    in parallel (a stripe of NT columns of C, all rows or a group of them):
        for each k slice (KC_BYTES deep):   pack B's stripe (columns made contiguous k runs)
            for each MC rows of A:          that block of packed A stays in L2
                for each NR columns:        that micro-panel of packed B stays in L1
                    for each MR rows:       the micro-kernel: a 4 x 4 tile of C

The micro-kernel is 16 dot products over the packed k run: 16 scalar accumulators that LLVM keeps
in vector registers (reassoc lets it split each sum across SIMD lanes), 8 loads per 16 FMAs, then
one horizontal sum per accumulator. Scalars, unlike a small array, cannot alias the packed buffers,
which is what lets them live in registers. Packing reads A and B through (row, column) strides, so
a transposed view costs one strided pass, never a copy of the whole operand at once, and it pads
tiles and k runs with zeros so the kernel has no edge cases. The first k slice writes C, later ones
add, the last applies the epilogue (alpha, bias). Threads split C, never a sum: the result does not
depend on the number of threads.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backends._numba_jit import njit

# contract: fused multiply-add; reassoc/nsz: split sums across lanes. No nnan/ninf: inf/nan propagate.
_JIT: dict[str, Any] = {
    "cache": True,
    "nogil": True,
    "error_model": "numpy",
    "fastmath": {"contract", "reassoc", "nsz"},
}
MR = NR = 4  # the micro-tile: 16 accumulators + 8 loaded vectors fit the 16 (AVX2) or 32 registers
# k-slice depth: each tile pays its 16 horizontal sums once per slice, so deeper slices amortize them
# (the 4 + 4 packed runs then come from L2, which keeps up). Measured on AVX-512, float32: 4096 was
# 3-11 % faster than 2048 (1 thread, paired); 8192 is 11-12 % faster than 4096 on the step's long-k dW
# (m = 2048 and 60000, 2 threads) and within noise elsewhere (float64, 2048^3, k <= 1024: one slice).
KC_BYTES = 8192
MC = 64  # rows per block of packed A swept by a stripe
NT = 64  # columns of C per task (a stripe): its packed B slice, KC x NT, stays in L2
A_CHUNK_BYTES = 8 << 20  # packed A slices per parallel pass: at most 8 MB, shared in L3
MIN_TASKS = 8  # split rows too when there are fewer stripes than this
KALIGN = 16  # packed k runs are padded to whole SIMD vectors: no scalar remainder loop
PACK_GROUP = 64  # runs transposed side by side when packing a k-strided operand


@njit(inline="always", **_JIT)  # inlined with _store: 20 % faster at k = 256 (measured)
def _kernel(ap, ia, bp, jb, kp, tile):
    """tile[4 r + s] = ap[ia + r kp :][:kp] . bp[jb + s kp :][:kp], r, s < 4: a 4 x 4 block of A @ B."""
    a0, a1, a2, a3 = ap[ia:], ap[ia + kp :], ap[ia + 2 * kp :], ap[ia + 3 * kp :]
    b0, b1, b2, b3 = bp[jb:], bp[jb + kp :], bp[jb + 2 * kp :], bp[jb + 3 * kp :]
    z = tile.dtype.type(0)  # a literal 0 would type the accumulators float64 for float32 data
    c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = z
    c20 = c21 = c22 = c23 = c30 = c31 = c32 = c33 = z
    for p in range(kp):
        x0, x1, x2, x3 = a0[p], a1[p], a2[p], a3[p]
        y0, y1, y2, y3 = b0[p], b1[p], b2[p], b3[p]
        c00 += x0 * y0
        c01 += x0 * y1
        c02 += x0 * y2
        c03 += x0 * y3
        c10 += x1 * y0
        c11 += x1 * y1
        c12 += x1 * y2
        c13 += x1 * y3
        c20 += x2 * y0
        c21 += x2 * y1
        c22 += x2 * y2
        c23 += x2 * y3
        c30 += x3 * y0
        c31 += x3 * y1
        c32 += x3 * y2
        c33 += x3 * y3
    tile[0], tile[1], tile[2], tile[3] = c00, c01, c02, c03
    tile[4], tile[5], tile[6], tile[7] = c10, c11, c12, c13
    tile[8], tile[9], tile[10], tile[11] = c20, c21, c22, c23
    tile[12], tile[13], tile[14], tile[15] = c30, c31, c32, c33


@njit(inline="always", **_JIT)
def _store(c, cf, tile, i, j, first, last, alpha, bias, sbias):
    """C[i:i+4, j:j+4] = tile (first k slice) or += tile; the last slice then applies alpha, bias.
    cf is c's flat view, indexed unsigned: no negative-index wraparound code in the epilogue."""
    n, m = c.shape
    for r in range(min(MR, n - i)):
        bi = bias[np.uint64((i + r) * sbias)]
        row = np.uint64((i + r) * m + j)
        for s in range(min(NR, m - j)):
            at = row + np.uint64(s)
            v = tile[r * NR + s]
            if not first:
                v += cf[at]
            if last:
                v = v * alpha + bi
            cf[at] = v


@njit(**_JIT)
def _pack(src, so, sk, count, count_padded, k0, kc, kp, dst):
    """dst[o kp + p] = src[o so + (k0 + p) sk] for o < count, p < kc; zeros up to (count_padded, kp).

    Rows of A (o = i) or columns of B (o = j) become contiguous k runs; a k-strided source (a C-order
    B, a transposed A) is transposed 64 runs at a time, reading 256 contiguous bytes per k. The
    padding is zeroed so that garbage (nan, subnormals) never meets the FMAs.
    """
    if sk == 1:
        for o in range(count):
            run, out = src[o * so + k0 :], dst[o * kp :]  # slices: indices provably >= 0, so it vectorizes
            for p in range(kc):
                out[p] = run[p]
    else:
        for ob in range(0, count, PACK_GROUP):  # the 64 lines being written stay in L1
            for p in range(kc):
                s = (k0 + p) * sk
                for o in range(ob, min(ob + PACK_GROUP, count)):
                    # unsigned indices skip numba's negative-index wraparound: 2x faster here
                    dst[np.uint64(o * kp + p)] = src[np.uint64(s + o * so)]
    for o in range(count):
        for p in range(kc, kp):
            dst[o * kp + p] = 0
    for d in range(count * kp, count_padded * kp):
        dst[d] = 0


@njit(inline="always", **_JIT)  # inlined where used: no compile of its own
def padded(x, to):
    """x rounded up to a multiple of `to`."""
    return (x + to - 1) // to * to


def round_up(x: int, to: int) -> int:
    """`padded` for the Python side (calling the @njit one from Python would compile it)."""
    return (x + to - 1) // to * to


def pack_a(a, sai, sak, n, K, kc_even, s0, s1, ap):
    """Pack A's k slices s0..s1 - 1 one after the other into ap, rows padded to MR, k runs to KALIGN.
    A loop in Python over `_pack` calls: a few slices per matmul, and no driver kernel to compile."""
    rows = round_up(n, MR)
    for s in range(s0, s1):
        kc = min(kc_even, K - s * kc_even)
        _pack(a, sai, sak, n, rows, s * kc_even, kc, round_up(kc, KALIGN), ap[(s - s0) * rows * kc_even :])


@njit(**_JIT)
def _stripe_task(t, row_groups, ap, s0, s1, kc_even, K, b, sbk, sbj, c, alpha, bias, sbias):
    """Task t: C[a group of rows, NT columns] over k slices s0..s1 - 1: pack B's stripe, then tiles."""
    n, m = c.shape
    rows = padded((n + row_groups - 1) // row_groups, MR)
    i0, j0 = (t % row_groups) * rows, (t // row_groups) * NT
    i1, j1 = min(i0 + rows, n), min(j0 + NT, m)
    bp = np.empty(padded(j1 - j0, NR) * kc_even, c.dtype)
    tile = np.empty(MR * NR, c.dtype)
    cf = c.reshape(-1)
    for s in range(s0, s1):
        k0 = s * kc_even
        kc = min(kc_even, K - k0)
        kp = padded(kc, KALIGN)
        _pack(b[j0 * sbj :], sbj, sbk, j1 - j0, padded(j1 - j0, NR), k0, kc, kp, bp)
        aps = ap[(s - s0) * padded(n, MR) * kc_even :]
        for ic in range(i0, i1, MC):  # an MC x kc block of A stays in L2 while the stripe sweeps it
            for j in range(j0, j1, NR):
                for i in range(ic, min(ic + MC, i1), MR):  # the B micro-panel stays in L1
                    _kernel(aps, i * kp, bp, (j - j0) * kp, kp, tile)
                    _store(c, cf, tile, i, j, k0 == 0, k0 + kc == K, alpha, bias, sbias)


def plan(n: int, m: int, K: int, itemsize: int) -> tuple[int, int, int, int, int]:
    """(kc, slices, chunk, row_groups, tasks): K split in equal KALIGN-padded slices of depth kc,
    packed A in passes of `chunk` slices, C in tasks of NT columns by 1 or more groups of rows."""
    slices = (K * itemsize + KC_BYTES - 1) // KC_BYTES
    kc = round_up((K + slices - 1) // slices, KALIGN)
    slices = (K + kc - 1) // kc
    chunk = max(1, min(slices, A_CHUNK_BYTES // (round_up(n, MR) * kc * itemsize)))
    stripes = (m + NT - 1) // NT
    row_groups = min((n + MC - 1) // MC, max(1, MIN_TASKS // stripes))
    return kc, slices, chunk, row_groups, stripes * row_groups
