"""Every numba kernel at its parallel threshold -1/+0/+1 and across several blocks, against NumPy.

Below PARALLEL_MIN a kernel loops on the calling thread, from it on it splits into BLOCK/CHUNK-sized
prange tasks: the two paths are different code, so each is run, at sizes whose last task is a
partial one. The last elements of every input are set to values whose results are nonzero and
distinct (a skipped task leaves freshly mapped, zeroed memory behind), and NaN/inf sit in the last
task too, so a task that is skipped, cut short or misindexed shows. Sums use integer-valued data:
exact in any order, so they are compared exactly. Matmul's tiles are tested in test_numba_matmul.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, ld_derivative, ld_sigmoid

import backends
from backends._base import bce_epsilon

pytest.importorskip("numba")
from backends import _numba_binary as bn  # noqa: E402
from backends import _numba_elementwise as ew  # noqa: E402
from backends import _numba_reduce as rd  # noqa: E402

EW, BN, RD = ew.PARALLEL_MIN, bn.PARALLEL_MIN, rd.PARALLEL_MIN
# threshold -1/+0/+1, then several tasks with a short last one, serial and parallel
EW_SIZES = [EW - 1, EW, EW + 1, 3 * ew.BLOCK + 5, EW + 3 * ew.BLOCK + 7]
BN_SIZES = [BN - 1, BN, BN + 1, 3 * bn.BLOCK + 5, BN + 3 * bn.BLOCK + 7]
RD_SIZES = [RD - 1, RD, RD + 1, 3 * rd.CHUNK + 5, RD + 3 * rd.CHUNK + 7]


@pytest.fixture(scope="module", params=["float32", "float64"])
def nb(request) -> backends.Backend:
    return backends.get_backend("numba", request.param)


def data(nb, n: int, seed: int, tail=(np.nan, np.inf, 0.75)) -> np.ndarray:
    """n values in [-3, 3], ending with `tail` (the last task's elements are the checked ones)."""
    x = np.random.default_rng(seed + n).uniform(-3, 3, n)
    x[-len(tail) :] = tail
    return x.astype(nb.dtype)


def integers(nb, shape, seed: int) -> np.ndarray:
    """Integer values in [-8, 8], the last one 5: every sum of them is exact in float32 and float64."""
    x = np.random.default_rng(seed).integers(-8, 9, shape).astype(nb.dtype)
    x.flat[-1] = 5
    return x


UNARY = {
    "exp": lambda x: np.exp(x.astype(np.float64)),
    "log": lambda x: np.log(x.astype(np.float64)),
    "tanh": lambda x: np.tanh(x.astype(np.longdouble)),
    "sqrt": lambda x: np.sqrt(x.astype(np.float64)),
    "negative": np.negative,
    "abs": np.abs,
    "sigmoid": ld_sigmoid,
    "relu": lambda x: np.maximum(x, 0),
}


@pytest.mark.parametrize("n", EW_SIZES)
def test_elementwise_kernels_around_the_parallel_threshold(nb, n):
    x = data(nb, n, 1)
    with np.errstate(all="ignore"):
        for op, oracle in UNARY.items():
            assert_close(nb, getattr(nb, op)(x), oracle(x).astype(np.float64), ulps=8)
        assert_close(nb, nb.clip(x, -0.5, 0.5), np.clip(x, -0.5, 0.5))
        assert_close(nb, nb.leaky_relu(x, 0.1), np.where(x > 0, x, nb.dtype.type(0.1) * x))


@pytest.mark.parametrize("n", EW_SIZES)
def test_fused_backward_kernels_around_the_parallel_threshold(nb, n):
    Z, dA = data(nb, n, 2), data(nb, n, 3, tail=(np.inf, np.nan, 1.5))
    AL, Y = np.abs(data(nb, n, 4, tail=(0.0, 1.0, 0.75))) / 3, (data(nb, n, 5) > 0).astype(nb.dtype)
    with np.errstate(all="ignore"):
        for g in ("sigmoid", "tanh"):
            want = (dA * ld_derivative(g, Z)).astype(np.float64)
            assert_close(nb, getattr(nb, f"{g}_backward")(dA, Z), want, ulps=8)
        assert_close(nb, nb.relu_backward(dA, Z), np.where(Z > 0, dA, 0))
        assert_close(nb, nb.leaky_relu_backward(dA, Z, 0.1), np.where(Z > 0, dA, nb.dtype.type(0.1) * dA))
        want = nb_bce_backward(nb, AL, Y)
        assert_close(nb, nb.binary_cross_entropy_backward(AL, Y), want, ulps=8)


def nb_bce_backward(nb, AL, Y):
    eps = bce_epsilon(nb.dtype)
    p = np.clip(AL, nb.dtype.type(eps), nb.dtype.type(1 - eps)).astype(np.float64)
    return (1 - Y) / (1 - p) - Y / p


BINARY = ("add", "subtract", "multiply", "divide", "maximum", "minimum", "power")


def broadcast_cases(nb, n: int):
    """(a, b) pairs whose result has about n elements: same shape (the flat kernels), then scalar,
    column and row broadcast (the broadcasting kernels' three inner-loop cases)."""
    a, b = data(nb, n, 6, tail=(np.nan, -np.inf, 1.5)), np.abs(data(nb, n, 7, tail=(2.0, np.nan, 0.75)))
    rows = 4
    cols = n // rows + 1  # a row of several blocks, the last one short
    A = data(nb, rows * cols, 8).reshape(rows, cols)
    yield a, b
    yield a, np.array(0.75, nb.dtype)
    yield A, np.abs(data(nb, rows, 9, tail=(0.75,))).reshape(rows, 1)
    yield np.abs(data(nb, cols, 10, tail=(0.75,))).reshape(1, cols), A


@pytest.mark.parametrize("n", BN_SIZES)
def test_binary_kernels_and_where_around_the_parallel_threshold(nb, n):
    with np.errstate(all="ignore"):
        for a, b in broadcast_cases(nb, n):
            for op in BINARY:
                assert_close(nb, getattr(nb, op)(a, b), getattr(np, op)(a, b), ulps=4)
            np.testing.assert_array_equal(nb.greater(a, b), np.greater(a, b))
            assert_close(nb, nb.where(nb.greater(a, b), a, b), np.where(a > b, a, b))


@pytest.mark.parametrize("n", BN_SIZES)
def test_gather_kernel_copies_fills_and_broadcasts_around_the_parallel_threshold(nb, n):
    x = data(nb, n, 11)
    cols = n // 3 + 1
    wide = data(nb, 3 * cols, 12).reshape(cols, 3)
    np.testing.assert_array_equal(nb.copy(x), x)
    np.testing.assert_array_equal(nb.copy(wide.T), wide.T)  # a Fortran-order view, gathered
    np.testing.assert_array_equal(nb.copy(x[::-1]), x[::-1])  # a negative stride
    np.testing.assert_array_equal(nb.astype(wide.T, "float64"), wide.T.astype(np.float64))
    np.testing.assert_array_equal(nb.full((n,), 2.5), np.full(n, 2.5, nb.dtype))
    np.testing.assert_array_equal(
        nb.broadcast_to(x[:cols].reshape(1, cols), (3, cols)), np.tile(x[:cols], (3, 1))
    )


@pytest.mark.parametrize("n", BN_SIZES)
def test_sgd_update_around_the_parallel_threshold(nb, n):
    P, G = data(nb, n, 13, tail=(1.0, 2.0, 3.0)), data(nb, n, 14, tail=(0.5, 0.25, 1.0))
    want = P - nb.dtype.type(0.5) * G
    param = P.copy()
    assert nb.sgd_update_(param, G, 0.5) is param
    assert_close(nb, param, want, ulps=2)
    # Fortran order, and a grad that overlaps the param (every task reads grad before any writes)
    F = np.asfortranarray(P[: 3 * (n // 3)].reshape(3, -1))
    wantF = F - nb.dtype.type(0.5) * G[: F.size].reshape(F.shape)
    assert_close(nb, nb.sgd_update_(F, G[: F.size].reshape(F.shape), 0.5), wantF, ulps=2)
    buf = P.copy()
    want = buf[1:] - nb.dtype.type(1.0) * buf[:-1]
    assert_close(nb, nb.sgd_update_(buf[1:], buf[:-1], 1.0), want, ulps=2)


@pytest.mark.parametrize("n", RD_SIZES)
def test_reductions_around_the_parallel_threshold_exactly(nb, n):
    x = integers(nb, (n,), 15)
    assert nb.item(nb.sum(x)) == x.astype(np.float64).sum()
    assert nb.item(nb.max(x)) == x.max()
    cols = n // 3 + 1  # folded along the contiguous dim (sum_last) and across rows (sum_outer)
    X = integers(nb, (3, cols), 16)
    for axis in (1, 0, (0, 1), -1):
        np.testing.assert_array_equal(nb.sum(X, axis=axis), X.astype(np.float64).sum(axis=axis))
        np.testing.assert_array_equal(nb.max(X, axis=axis, keepdims=True), X.max(axis=axis, keepdims=True))
    T = integers(nb, (2, cols, 3), 17)  # tuple axes over a rank-3 array, kept dim in the middle
    np.testing.assert_array_equal(nb.sum(T, axis=(0, 2)), T.astype(np.float64).sum(axis=(0, 2)))
    x[-2] = np.nan  # nan wins in the last chunk too
    assert np.isnan(nb.item(nb.max(x))) and np.isnan(nb.item(nb.sum(x)))


@pytest.mark.parametrize("n", [rd.CHUNK - 1, rd.CHUNK, rd.CHUNK + 1, 3 * rd.CHUNK + 5])
def test_dot_row_sums_and_costs_across_chunks(nb, n):
    a, b = integers(nb, (n,), 18), integers(nb, (n,), 19)
    assert nb.item(nb.matmul(a, b)) == a.astype(np.float64) @ b
    dZ = integers(nb, (3, n), 20)
    _, _, db = nb.linear_backward(dZ, np.ones((2, n), nb.dtype), np.ones((3, 2), nb.dtype))
    assert_close(nb, db, dZ.astype(np.float64).sum(axis=1, keepdims=True) / n, ulps=2)
    for n_L in (1, 3):
        AL, Y = integers(nb, (n_L, n), 21), integers(nb, (n_L, n), 22)
        want = ((AL.astype(np.float64) - Y) ** 2).sum() / (2 * n)
        assert_close(nb, nb.mean_squared_error(AL, Y), want, ulps=2)
        P, L = np.abs(data(nb, n_L * n, 23, tail=(0.25,))).reshape(n_L, n) / 3, (AL > 0).astype(nb.dtype)
        eps = bce_epsilon(nb.dtype)
        p = np.clip(P, nb.dtype.type(eps), nb.dtype.type(1 - eps)).astype(np.float64)
        terms = L * np.log(p) + (1 - L) * np.log(1 - p)
        cost = nb.binary_cross_entropy(P, L)
        assert_close(nb, cost, -terms.sum() / n, scale=np.abs(terms).sum() / n, ulps=16)
