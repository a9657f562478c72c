"""The numba matmul kernel: every tile and block edge, both loop nests, serial and parallel, any layout.

Most cases use small integers stored as floats: every product and partial sum is then exact in
float32 (|sums| < 2**24), so the result must equal the integer oracle bit for bit, whatever order
the kernel sums in. A single wrong, missing or doubled term fails. Random real values (Hypothesis)
are checked against NumPy in float64 with a bound relative to the sum of |terms| per output.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import backends

pytest.importorskip("numba")
mm = pytest.importorskip("backends._numba_matmul")
pk = pytest.importorskip("backends._numba_matmul_packed")
ops = pytest.importorskip("backends._numba_ops")

DTYPES = ("float32", "float64")
LAYOUTS = ("C", "T", "strided", "reversed")
KC = {dt: pk.KC_BYTES // np.dtype(dt).itemsize for dt in DTYPES}  # k depth of one packed slice


def ints(rng, shape, dtype):
    """Integers in [-3, 3] as `dtype`: products and sums stay exact."""
    return rng.integers(-3, 4, shape).astype(dtype)


def laid_out(x, layout):
    """x (C order) re-stored as a transposed view, a strided view or a view with negative strides."""
    if layout == "T":
        return np.ascontiguousarray(x.T).T
    if layout == "strided":
        wide = np.zeros((x.shape[0], 2 * x.shape[1]), x.dtype)
        wide[:, ::2] = x
        return wide[:, ::2]
    if layout == "reversed":
        return np.ascontiguousarray(x[::-1, ::-1])[::-1, ::-1]
    return x


def exact(a, b, bias=None, alpha=1.0):
    """alpha * (a @ b) + bias computed in int64/float64: exact for the small-integer inputs."""
    prod = (
        a.astype(np.int64) @ b.astype(np.int64) if a.size and b.size else np.zeros((a.shape[0], b.shape[1]))
    )
    return alpha * prod + (0 if bias is None else bias.astype(np.float64))


def check_exact(n, k, m, dtype, la="C", lb="C", bias=False, alpha=1.0, seed=0):
    """ops.gemm on integer-valued operands equals the exact product, in `dtype` and shape (n, m);
    so does each loop nest forced on the same operands, serial and parallel."""
    rng = np.random.default_rng(seed)
    a, b = ints(rng, (n, k), dtype), ints(rng, (k, m), dtype)
    col = ints(rng, (n, 1), dtype) if bias else None
    got = ops.gemm(laid_out(a, la), laid_out(b, lb), col, alpha)
    assert got.dtype == np.dtype(dtype) and got.shape == (n, m)
    want = exact(a, b, col, alpha).astype(dtype)
    np.testing.assert_array_equal(got, want)
    for thin in (True, False) if n * m * k else ():
        for parallel in (False, True):
            forced = forced_gemm(laid_out(a, la), laid_out(b, lb), col, alpha, thin, parallel)
            np.testing.assert_array_equal(forced, want, err_msg=f"thin={thin} parallel={parallel}")


def forced_gemm(a, b, bias, alpha, thin, parallel):
    """ops.gemm's kernel call with the loop nest and the schedule chosen here, not by the size rules."""
    dt = a.dtype
    (fa, sai, sak), (fb, sbk, sbj) = ops.matrix(a, dt), ops.matrix(b, dt)
    bias = np.zeros(1, dt) if bias is None else bias.reshape(-1)
    c = np.empty((a.shape[0], b.shape[1]), dt)
    sbias = 1 if bias.size > 1 else 0
    mm.scheduled(fa, sai, sak, fb, sbk, sbj, a.shape[1], bias, sbias, dt.type(alpha), c, parallel, thin)
    return c


def is_packed(n, k, m, dtype, sbj=1):
    """Whether ops.gemm runs the packed micro-kernel rather than the thin path for this shape."""
    return not mm.thin_pays(n, m, k, sbj, np.dtype(dtype).itemsize)


# -- every edge the loop nests have, in both dtypes ------------------------------------------------
EDGES = [  # (n, k, m): tiles MR = NR = 4, k padding KALIGN = 16, blocks MC = NT = 64; thin tasks 64 x 512
    (1, 1, 1),
    (3, 5, 3),
    (4, 16, 4),
    (5, 17, 5),
    (7, 15, 9),
    (63, 7, 511),  # thin, one short of a task
    (64, 3, 512),  # thin, one task exactly
    (65, 9, 513),  # thin, one past
    (9, 1, 300),  # k = 1: an outer product
    (63, 95, 63),  # packed from here on, in both dtypes
    (64, 96, 64),
    (65, 97, 65),
    (127, 111, 129),
    (130, 80, 512),  # m an exact multiple of 512 with n > 128
    (131, 81, 1024),
    (3, 100, 70),  # fewer rows than a tile
    (70, 100, 3),  # fewer columns than a tile
    (300, 90, 1),  # m = 1: a matrix-vector product
    (1, 90, 300),  # n = 1: a vector-matrix product
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,k,m", EDGES)
def test_edges_exact(n, k, m, dtype):
    check_exact(n, k, m, dtype)
    check_exact(n, k, m, dtype, "T", "T", bias=True, alpha=0.5, seed=1)


@pytest.mark.parametrize("dtype", DTYPES)
def test_thin_packed_boundary_exact(dtype):
    """The last depth on the thin path and the first on the packed one, each at tile edges +-1."""
    k_packed = -(-mm.THIN_MAX_BYTES // np.dtype(dtype).itemsize)
    assert not is_packed(9, k_packed - 1, 70, dtype) and is_packed(9, k_packed, 70, dtype)
    for k in (k_packed - 1, k_packed):
        for n, m in [(3, 5), (4, 4), (5, 3), (9, 70)]:
            check_exact(n, k, m, dtype, "T", "C", bias=True, alpha=0.5, seed=k + n)


@pytest.mark.parametrize("dtype", DTYPES)
def test_k_slice_edges_exact(dtype):
    """k at one packed slice, +-1, and past two slices (a partial last slice adds into C)."""
    kc = KC[dtype]
    for k in (kc - 1, kc, kc + 1, 2 * kc + 17):
        check_exact(9, k, 6, dtype, "C", "T", bias=True, alpha=0.5, seed=k)


def test_chunks_of_packed_a_exact():
    """Packed A larger than one pass (A_CHUNK_BYTES): the slices run in several passes."""
    n, k = 2100, 3 * KC["float32"]
    assert n * KC["float32"] * 4 * 2 > pk.A_CHUNK_BYTES
    check_exact(n, k, 5, "float32", "T", "C", bias=True, alpha=0.5)


@pytest.mark.parametrize("la", LAYOUTS)
@pytest.mark.parametrize("lb", LAYOUTS)
def test_every_layout_on_both_paths(la, lb):
    check_exact(67, 90, 66, "float32", la, lb, bias=True, alpha=0.5)  # packed
    check_exact(67, 7, 66, "float64", la, lb, bias=True, alpha=0.5)  # thin, packing strided B


@pytest.mark.parametrize("dtype", DTYPES)
def test_empty_dims(dtype):
    for n, k, m in [(0, 5, 3), (4, 5, 0), (0, 0, 0)]:
        check_exact(n, k, m, dtype)
    got = ops.gemm(np.ones((3, 0), dtype), np.ones((0, 2), dtype), np.arange(3, dtype=dtype)[:, None], 0.5)
    np.testing.assert_array_equal(got, np.repeat(np.arange(3.0)[:, None], 2, axis=1))  # k = 0: bias


# -- serial and parallel, thin and packed: the same sums ----------------------------------------------
def flat_args(a, b, dtype, bias, alpha):
    """The kernel's arguments for C-order a, b: flat buffers, strides, bias, alpha, output."""
    n, k = a.shape
    c = np.empty((n, b.shape[1]), dtype)
    return (
        a.reshape(-1),
        k,
        1,
        b.reshape(-1),
        b.shape[1],
        1,
        k,
        bias.reshape(-1),
        1,
        np.dtype(dtype).type(alpha),
        c,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [130, 30])  # packed, thin
def test_parallel_equals_serial_bit_for_bit(k, dtype):
    """Threads split C, never a sum: both schedules give identical bits, on random reals."""
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((70, k)).astype(dtype), rng.standard_normal((k, 300)).astype(dtype)
    bias = rng.standard_normal(70).astype(dtype)
    serial, parallel = flat_args(a, b, dtype, bias, 0.3), flat_args(a, b, dtype, bias, 0.3)
    mm.scheduled(*serial, False)
    mm.scheduled(*parallel, True)
    np.testing.assert_array_equal(serial[-1], parallel[-1])
    want = 0.3 * (a.astype(np.float64) @ b) + bias[:, None]
    np.testing.assert_allclose(serial[-1], want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "n,k,m,parallel,packed",
    [
        (40, 100, 40, False, True),
        (10, 5, 100, False, False),
        (64, 100, 512, True, True),
        (200, 8, 2000, True, False),
    ],
)
def test_both_sides_of_the_parallel_threshold(n, k, m, parallel, packed):
    """Serial/parallel x thin/packed; if the thresholds move, the first assert says to move the shapes."""
    assert (n * k * m >= mm.PARALLEL_MIN_MACS, is_packed(n, k, m, "float32", sbj=k)) == (parallel, packed)
    check_exact(n, k, m, "float32", "C", "T", bias=True, alpha=0.5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_thin_nest_for_tiny_outputs_and_single_rows_of_row_major_b(dtype):
    """The shape rule's other two thin cases, at their edges, each computing the exact product."""
    k = 4 * mm.THIN_MAX_BYTES // np.dtype(dtype).itemsize  # deep enough for the packed nest
    assert not is_packed(4, k, 4, dtype, sbj=4) and is_packed(4, k, 5, dtype, sbj=5)  # one tile
    assert not is_packed(3, k, 300, dtype) and is_packed(3, k, 300, dtype, sbj=k)  # row-major B
    assert is_packed(4, k, 300, dtype)
    for n, m in [(4, 4), (4, 5), (1, 300), (3, 300), (4, 300)]:
        check_exact(n, k, m, dtype, "C", "C", bias=True, alpha=0.5, seed=n + m)
        check_exact(n, k, m, dtype, "T", "T", bias=True, alpha=0.5, seed=n + m)


# -- through the backend: transposes read in place, epilogue, dtypes, dot --------------------------
@pytest.fixture(scope="module", params=DTYPES)
def nb(request) -> backends.Backend:
    return backends.get_backend("numba", request.param)


def test_linear_ops_use_the_epilogue(nb):
    """linear_forward adds b in the epilogue, linear_backward scales dW by 1/m; transposes in place."""
    rng = np.random.default_rng(2)
    W, A, b = ints(rng, (130, 70), nb.dtype), ints(rng, (70, 512), nb.dtype), ints(rng, (130, 1), nb.dtype)
    np.testing.assert_array_equal(nb.linear_forward(W, A, b), exact(W, A, b).astype(nb.dtype))
    dZ = ints(rng, (130, 512), nb.dtype)
    dA_prev, dW, _ = nb.linear_backward(dZ, A, W)
    np.testing.assert_array_equal(dW, exact(dZ, A.T, alpha=1 / 512).astype(nb.dtype))  # 1/512 exact
    np.testing.assert_array_equal(dA_prev, exact(W.T, dZ).astype(nb.dtype))


def test_int_inputs_and_dot(nb):
    """Ints: the backend computes in its float dtype, a direct kernel call in float64; 1-D . 1-D: 0-d."""
    a, b = np.arange(12).reshape(3, 4), np.arange(8).reshape(4, 2)
    got, direct = nb.matmul(a, b), ops.gemm(a, b)
    assert got.dtype == nb.dtype and direct.dtype == np.float64
    np.testing.assert_array_equal(got, a @ b)
    np.testing.assert_array_equal(direct, a @ b)
    x, y = np.arange(5, dtype=nb.dtype), np.arange(5, dtype=nb.dtype)[::-1]
    d = nb.matmul(x, y)
    assert d.shape == () and d.dtype == nb.dtype and float(d) == float(x @ y)


@pytest.mark.parametrize("k", [5, 170])  # thin and packed
def test_inf_and_nan_propagate_as_in_numpy(nb, k):
    """Zero padding must not turn inf into nan in real outputs (0 * inf is nan)."""
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((9, k)).astype(nb.dtype), rng.standard_normal((k, 7)).astype(nb.dtype)
    a[2, 3], b[1, 5], a[6, 0] = np.inf, -np.inf, np.nan
    with np.errstate(invalid="ignore", over="ignore"):
        want = a.astype(np.float64) @ b.astype(np.float64)
    got = nb.matmul(a, b)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))


# -- random shapes, layouts and real values ----------------------------------------------------------
@given(
    n=st.integers(0, 80),
    k=st.integers(0, 150),
    m=st.integers(0, 80),
    layouts=st.tuples(st.sampled_from(LAYOUTS), st.sampled_from(LAYOUTS)),
    dtype=st.sampled_from(DTYPES),
    seed=st.integers(0, 2**16),
)
def test_random_shapes_against_numpy(n, k, m, layouts, dtype, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((n, k)).astype(dtype), rng.standard_normal((k, m)).astype(dtype)
    bias, alpha = rng.standard_normal((n, 1)).astype(dtype), 0.37
    got = ops.gemm(laid_out(a, layouts[0]), laid_out(b, layouts[1]), bias, alpha).astype(np.float64)
    a64, b64, bias64 = (x.astype(np.float64) for x in (a, b, bias))
    want = alpha * (a64 @ b64) + bias64
    terms = alpha * (np.abs(a64) @ np.abs(b64)) + np.abs(bias64)  # the sum of |terms| per output
    assert np.all(np.abs(got - want) <= (k + 4) * np.finfo(dtype).eps * terms)
