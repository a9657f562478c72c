"""Reductions, matmul and shape ops on every backend against NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, cast, small_shapes, values
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def axes_for(ndim: int):
    """None, a single (possibly negative) int, or a tuple of distinct axes."""
    if ndim == 0:
        return st.none()
    return st.one_of(st.none(), st.integers(-ndim, ndim - 1), hnp.valid_tuple_axes(ndim))


@pytest.mark.parametrize("op", ["sum", "mean", "max"])
@given(data=st.data())
def test_reduction_matches_numpy(be, op, data):
    shape = data.draw(small_shapes(min_side=1))
    (x,) = cast(be, data.draw(values(shape, -1e4, 1e4)))
    axis = data.draw(axes_for(len(shape)))
    keepdims = data.draw(st.booleans())
    expected = getattr(np, op)(x, axis=axis, keepdims=keepdims)
    result = getattr(be, op)(be.asarray(x), axis=axis, keepdims=keepdims)
    # summation error grows with the number of terms, relative to the sum of their magnitudes
    terms = max(1, x.size // max(1, np.asarray(expected).size))
    scale = np.sum(np.abs(x), axis=axis, keepdims=keepdims, dtype=np.float64) / (terms if op == "mean" else 1)
    assert_close(be, result, expected, scale=scale, ulps=terms + 4)


def test_sum_over_empty_axis_is_zero_and_max_raises(be):
    x = be.ones((3, 0))
    assert_close(be, be.sum(x, axis=1), np.zeros(3))
    with pytest.raises(ValueError):
        be.max(x, axis=1)


@pytest.mark.parametrize("axis", [2, -3, (0, 0)])
def test_bad_axis_raises(be, axis):
    with pytest.raises(ValueError):
        be.sum(be.ones((2, 3)), axis=axis)


@given(data=st.data())
def test_matmul_matches_numpy(be, data):
    n, k, m = (data.draw(st.integers(1, 9)) for _ in range(3))
    a, b = cast(be, data.draw(values((n, k), -100, 100)), data.draw(values((k, m), -100, 100)))
    scale = np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64)
    assert_close(be, be.matmul(be.asarray(a), be.asarray(b)), a @ b, scale=scale, ulps=k + 4)


@given(data=st.data())
def test_matmul_of_transposed_operands(be, data):
    n, k, m = (data.draw(st.integers(1, 9)) for _ in range(3))
    a, b = cast(be, data.draw(values((k, n), -10, 10)), data.draw(values((m, k), -10, 10)))
    at, bt = be.transpose(be.asarray(a)), be.transpose(be.asarray(b))
    scale = np.abs(a.T).astype(np.float64) @ np.abs(b.T).astype(np.float64)
    assert_close(be, be.matmul(at, bt), a.T @ b.T, scale=scale, ulps=k + 4)


@given(data=st.data())
def test_dot_of_vectors(be, data):
    n = data.draw(st.integers(1, 64))
    a, b = cast(be, data.draw(values((n,), -10, 10)), data.draw(values((n,), -10, 10)))
    scale = np.abs(a).astype(np.float64) @ np.abs(b).astype(np.float64)
    result = be.matmul(be.asarray(a), be.asarray(b))
    assert_close(be, result, np.dot(a, b), scale=scale, ulps=n + 4)
    assert isinstance(be.item(result), float)


def test_matmul_mismatch_names_both_shapes(be):
    with pytest.raises(ValueError, match=r"a is \(3, 4\), b is \(5, 2\)"):
        be.matmul(be.ones((3, 4)), be.ones((5, 2)))
    with pytest.raises(ValueError, match="2-D"):
        be.matmul(be.ones((3, 4)), be.ones((4,)))


@given(data=st.data())
def test_broadcast_to_matches_numpy(be, data):
    target = data.draw(small_shapes(min_side=1, max_side=4))
    kept = data.draw(st.integers(0, len(target)))  # a suffix of target, some sides squeezed to 1
    shape = tuple(data.draw(st.sampled_from([1, n])) for n in target[len(target) - kept :])
    (x,) = cast(be, data.draw(values(shape)))
    result = be.broadcast_to(be.asarray(x), target)
    assert_close(be, result, np.broadcast_to(x, target))


def test_broadcast_to_incompatible_shape_raises(be):
    with pytest.raises(ValueError, match=r"cannot broadcast shape \(3, 4\) to \(2, 4\)"):
        be.broadcast_to(be.ones((3, 4)), (2, 4))
    with pytest.raises(ValueError, match="cannot broadcast"):
        be.broadcast_to(be.ones((3, 4)), (4,))


@given(data=st.data())
def test_transpose_and_reshape_match_numpy(be, data):
    shape = data.draw(small_shapes(min_dims=1))
    (x,) = cast(be, data.draw(values(shape)))
    axes = data.draw(st.permutations(range(len(shape))))
    assert_close(be, be.transpose(be.asarray(x), tuple(axes)), np.transpose(x, axes))
    assert_close(be, be.transpose(be.asarray(x)), x.T)
    assert_close(be, be.reshape(be.asarray(x), (-1,)), x.reshape(-1))
    assert_close(be, be.reshape(be.asarray(x), (1, x.size)), x.reshape(1, x.size))
    with pytest.raises(ValueError, match="reshape"):
        be.reshape(be.asarray(x), (x.size + 1,))


def test_creation_and_transfer(be):
    assert_close(be, be.zeros((2, 3)), np.zeros((2, 3), be.dtype))
    assert_close(be, be.ones((2,)), np.ones(2, be.dtype))
    assert_close(be, be.full((2, 2), 3.5), np.full((2, 2), 3.5, be.dtype))
    assert be.empty((4, 1)).shape == (4, 1)
    x = be.asarray([[1.5, 2.0]])
    assert be.to_numpy(x).dtype == be.dtype
    c = be.copy(x)
    c = be.sgd_update_(c, be.ones((1, 2)), 1.0)
    assert_close(be, c, np.array([[0.5, 1.0]], be.dtype))
    assert_close(be, x, np.array([[1.5, 2.0]], be.dtype))  # the copy was independent
    assert be.to_numpy(be.astype(x, "float64")).dtype == np.float64
    assert be.item(be.sum(x)) == pytest.approx(3.5)
    with pytest.raises(ValueError, match="one element"):
        be.item(x)
    be.synchronize()
    assert isinstance(be.memory_info(), dict)
