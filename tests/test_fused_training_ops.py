"""softmax (+ backward), categorical cross-entropy, argmax and take on every backend and dtype against
NumPy: random shapes of any rank, huge logits, nan and inf, non-contiguous inputs."""

from __future__ import annotations

import numpy as np
import pytest
import train_oracle as oracle
from helpers import assert_close, cast, host
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from backends._base import bce_epsilon

shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6)


def _draw(data, shape, low=-30.0, high=30.0):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    return rng.uniform(low, high, shape)


@given(data=st.data(), shape=shapes, transposed=st.booleans())
def test_softmax_matches_numpy_on_any_rank(be, data, shape, transposed):
    (Z,) = cast(be, _draw(data, shape))
    Z = Z.T.copy().T if transposed else Z  # same values, Fortran order: kernels must not assume C
    S = be.softmax(be.asarray(Z))
    assert_close(be, S, oracle.softmax(Z).astype(be.dtype), scale=1.0, ulps=8)
    np.testing.assert_allclose(host(be, S).sum(axis=0), 1.0, rtol=8 * np.finfo(be.dtype).eps * shape[0])


@pytest.mark.parametrize("shape", [(2, 1), (10, 7), (3, 4, 5)], ids=str)
def test_softmax_is_finite_and_exact_at_logits_up_to_1e4(be, shape):
    rng = np.random.default_rng(1)
    Z = rng.choice([-1e4, -9999.5, 0.0, 9999.0, 1e4], size=shape) + rng.uniform(-1, 1, shape)
    (Z,) = cast(be, Z)
    S = host(be, be.softmax(be.asarray(Z)))
    assert np.isfinite(S).all() and S.dtype == be.dtype
    assert_close(be, S, oracle.softmax(Z).astype(be.dtype), scale=1.0, ulps=8)


def test_softmax_propagates_nan_and_inf_per_column_as_numpy(be):
    inf, nan = np.inf, np.nan
    Z = np.array(
        [[0.0, nan, inf, -inf, -inf, 1.0], [1.0, 2.0, 3.0, -inf, 5.0, -inf], [2.0, 0.0, inf, -inf, 0.0, 2.0]]
    )
    (Z,) = cast(be, Z)
    expected = oracle.softmax(Z).astype(be.dtype)  # nan column, nan (inf - inf), nan (all -inf), exact 0s
    assert_close(be, be.softmax(be.asarray(Z)), expected, scale=1.0, ulps=8)


@given(data=st.data(), shape=shapes)
def test_softmax_backward_matches_numpy(be, data, shape):
    Z, dA = cast(be, _draw(data, shape, -20, 20), _draw(data, shape, -5, 5))
    dZ = be.softmax_backward(be.asarray(dA), be.asarray(Z))
    assert_close(be, dZ, oracle.softmax_backward(dA, Z).astype(be.dtype), scale=np.abs(dA).max() + 1, ulps=32)


@given(data=st.data(), shape=shapes)
def test_categorical_cross_entropy_matches_numpy(be, data, shape):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    AL = oracle.softmax(rng.normal(size=shape) * 5)
    AL.flat[0] = 0.0  # clipped to eps: finite
    labels = rng.integers(0, shape[0], shape[1:])
    Y = np.arange(shape[0]).reshape(-1, *[1] * labels.ndim) == labels  # one-hot along axis 0
    AL, Y = cast(be, AL, Y)
    cost = be.categorical_cross_entropy(be.asarray(AL), be.asarray(Y))
    expected = oracle.categorical_cross_entropy(AL, Y, bce_epsilon(be.dtype))
    assert host(be, cost).shape == () and np.isfinite(be.item(cost))
    tol = 64 * np.finfo(be.dtype).eps * (abs(expected) + np.log(1 / bce_epsilon(be.dtype)))
    assert abs(be.item(cost) - expected) <= tol


def test_categorical_cross_entropy_of_nan_is_nan(be):
    AL, Y = cast(be, [[0.5, np.nan], [0.5, 0.3]], [[1.0, 0.0], [0.0, 1.0]])
    assert np.isnan(be.item(be.categorical_cross_entropy(be.asarray(AL), be.asarray(Y))))


@given(data=st.data(), shape=shapes)
def test_argmax_matches_numpy_with_ties_nan_and_any_axis(be, data, shape):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.integers(-2, 3, shape).astype(be.dtype)  # small integers: many ties
    if data.draw(st.booleans()):
        x.flat[rng.integers(0, x.size, 2)] = np.nan
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    got = host(be, be.argmax(be.asarray(x), axis))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, np.argmax(x, axis=axis))


def test_argmax_of_integers_and_of_a_transposed_view(be):
    x = np.array([[3, 9, 9], [9, 1, 2]], dtype=np.int64)
    np.testing.assert_array_equal(host(be, be.argmax(be.asarray(x, dtype=np.int64), 0)), [1, 0, 0])
    (y,) = cast(be, np.arange(12.0).reshape(3, 4) % 5)
    np.testing.assert_array_equal(host(be, be.argmax(be.asarray(y).T, 1)), np.argmax(y.T, axis=1))


@given(data=st.data(), shape=shapes)
def test_take_matches_numpy_along_any_axis(be, data, shape):
    (x,) = cast(be, _draw(data, shape))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[axis]
    idx = np.array(data.draw(st.lists(st.integers(-n, n - 1), max_size=6)), dtype=np.int64)
    if data.draw(st.booleans()) and idx.size % 2 == 0:
        idx = idx.reshape(2, -1)  # index arrays of any shape, as numpy.take
    got = host(be, be.take(be.asarray(x), idx, axis))
    assert got.dtype == be.dtype
    np.testing.assert_array_equal(got, np.take(x, idx, axis=axis))


def test_take_refuses_indices_out_of_bounds(be):
    x = be.asarray(np.arange(12.0).reshape(3, 4))
    for bad in ([4], [0, -5]):
        with pytest.raises(IndexError, match="out of bounds for axis 1 with size 4"):
            be.take(x, np.array(bad), 1)


def test_take_reads_strided_views(be):
    X = np.arange(60.0).reshape(6, 10)
    view = be.asarray(X)[::2, 1::3]  # (3, 3), not contiguous
    got = host(be, be.take(view, np.array([2, 0]), 1))
    np.testing.assert_array_equal(got, X[::2, 1::3][:, [2, 0]])
