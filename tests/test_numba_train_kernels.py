"""The numba training kernels at their edges: sizes at the parallel threshold -1/0/+1 and across many
blocks, bit-for-bit agreement of the updates with NumPy's composed formula, strided arrays on the
parallel path."""

from __future__ import annotations

import numpy as np
import pytest
import train_oracle as oracle
from helpers import assert_close

import backends
from backends._base import Backend, bce_epsilon

pytest.importorskip("numba")
kt = pytest.importorskip("backends._numba_train")

P = kt.PARALLEL_MIN
SIZES = [P - 1, P, P + 1, 5 * kt.BLOCK + 3, 4 * P + 17]  # serial, the edge, parallel, many blocks


@pytest.fixture(scope="module", params=["float32", "float64"])
def nb(request) -> backends.Backend:
    return backends.get_backend("numba", request.param)


@pytest.fixture(scope="module")
def same_numpy(nb) -> backends.Backend:
    return backends.get_backend("numpy", nb.dtype)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("kind", list(oracle.UPDATES))
def test_updates_equal_numpys_composed_formula_bit_for_bit(nb, same_numpy, kind, n):
    """Same operations in the same order, no FMA, no fastmath: the same bits as Backend's default."""
    call = oracle.UPDATES[kind][0]
    inputs = oracle.update_inputs((n,), n, nb.dtype)
    inputs[1][::997] = np.nan  # and nan lands where NumPy's does
    got = call(nb, *(x.copy() for x in inputs))
    composed = type("Composed", (type(same_numpy),), {})  # numpy primitives, the base's update
    for name in ("momentum_update_", "rmsprop_update_", "adam_update_"):
        setattr(composed, name, getattr(Backend, name))
    expected = call(composed(nb.dtype), *(x.copy() for x in inputs))
    for out, want in zip(got, expected, strict=True):
        np.testing.assert_array_equal(out, want)


@pytest.mark.parametrize("n", SIZES)
def test_strided_param_on_the_parallel_path(nb, n):
    p, g, v, s = oracle.update_inputs((n,), 1, nb.dtype)
    big = np.zeros(2 * n, nb.dtype)
    big[::2] = p
    param = big[::2]
    expected = oracle.adam(p, g, v, s)
    nb.adam_update_(param, g, v, s, oracle.LR, oracle.BETA1, oracle.BETA2, oracle.EPS, oracle.STEP)
    assert_close(nb, param, expected[0].astype(nb.dtype), scale=oracle.update_scale(p, g, v, s), ulps=8)
    assert (big[1::2] == 0).all()


def softmax_shapes():
    c = kt.COLUMNS
    return [(1, P - 1), (1, P), (1, P + 1), (10, 3 * c + 1), (7, P // 7 + 2 * c + 5), (3, 1)]


@pytest.mark.parametrize("shape", softmax_shapes(), ids=str)
def test_softmax_and_backward_across_the_threshold_and_column_blocks(nb, shape):
    rng = np.random.default_rng(shape[1])
    Z = (rng.normal(size=shape) * 20).astype(nb.dtype)
    Z[0, ::101] = np.nan
    dA = rng.normal(size=shape).astype(nb.dtype)
    assert_close(nb, nb.softmax(Z), oracle.softmax(Z).astype(nb.dtype), scale=1.0, ulps=8)
    scale = np.abs(dA).max() + 1
    expected = oracle.softmax_backward(dA, Z).astype(nb.dtype)
    assert_close(nb, nb.softmax_backward(dA, Z), expected, scale=scale, ulps=32)


@pytest.mark.parametrize("n", SIZES)
def test_cross_entropy_across_the_threshold(nb, n):
    rng = np.random.default_rng(n)
    AL = rng.uniform(0, 1, (1, n)).astype(nb.dtype)
    Y = (rng.random((1, n)) < 0.5).astype(nb.dtype)
    got = nb.item(nb.categorical_cross_entropy(AL, Y))
    expected = oracle.categorical_cross_entropy(AL, Y, bce_epsilon(nb.dtype))
    assert got == pytest.approx(expected, rel=64 * float(np.finfo(nb.dtype).eps))


@pytest.mark.parametrize("n", SIZES)
def test_argmax_and_take_across_the_threshold(nb, n):
    rng = np.random.default_rng(n)
    x = rng.integers(0, 50, (3, n)).astype(nb.dtype)
    x[1, ::1001] = np.nan
    for axis in (0, 1):
        np.testing.assert_array_equal(nb.argmax(x, axis), np.argmax(x, axis=axis))
    cols = rng.permutation(n)
    np.testing.assert_array_equal(nb.take(x, cols, 1), x[:, cols])
    np.testing.assert_array_equal(nb.take(x.T, cols[:100] - n, 0), x.T[cols[:100]])


@pytest.mark.parametrize("k", [P - 1, P, P + 1])
def test_take_routes_by_its_output_across_the_threshold(nb, k):
    """take picks its twin by the output's size: k columns of a row twice as long, either side."""
    x = np.arange(2 * P, dtype=nb.dtype)[None, :] * 3 - 7
    cols = np.random.default_rng(k).permutation(2 * P)[:k]
    np.testing.assert_array_equal(nb.take(x, cols, 1), x[:, cols])
