"""Elementwise ops and broadcasting on every backend against NumPy, shapes and values from Hypothesis."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, cast, small_shapes, values
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

# (op, numpy oracle, value range): ranges reach overflow and the edges of each op's domain
UNARY = [
    ("exp", np.exp, (-200.0, 200.0)),
    ("log", np.log, (-1.0, 1e4)),
    ("tanh", np.tanh, (-1e4, 1e4)),
    ("sqrt", np.sqrt, (-1.0, 1e6)),
    ("negative", np.negative, (-1e6, 1e6)),
    ("abs", np.abs, (-1e6, 1e6)),
]
BINARY = [
    ("add", np.add, (-1e6, 1e6), (-1e6, 1e6)),
    ("subtract", np.subtract, (-1e6, 1e6), (-1e6, 1e6)),
    ("multiply", np.multiply, (-1e3, 1e3), (-1e3, 1e3)),
    ("divide", np.divide, (-1e3, 1e3), (-1e3, 1e3)),
    ("maximum", np.maximum, (-1e6, 1e6), (-1e6, 1e6)),
    ("minimum", np.minimum, (-1e6, 1e6), (-1e6, 1e6)),
    ("power", np.power, (0.0, 10.0), (-4.0, 4.0)),
]


@pytest.mark.parametrize(("op", "oracle", "bounds"), UNARY, ids=[u[0] for u in UNARY])
@given(data=st.data())
def test_unary_matches_numpy(be, op, oracle, bounds, data):
    x = data.draw(values(data.draw(small_shapes()), *bounds))
    (x,) = cast(be, x)
    with np.errstate(all="ignore"):
        expected = oracle(x)
    assert_close(be, getattr(be, op)(be.asarray(x)), expected)


@pytest.mark.parametrize(("op", "oracle", "ra", "rb"), BINARY, ids=[b[0] for b in BINARY])
@given(data=st.data())
def test_binary_broadcasts_like_numpy(be, op, oracle, ra, rb, data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4))
    a, b = cast(
        be, data.draw(values(shapes.input_shapes[0], *ra)), data.draw(values(shapes.input_shapes[1], *rb))
    )
    with np.errstate(all="ignore"):
        expected = oracle(a, b)
    result = getattr(be, op)(be.asarray(a), be.asarray(b))
    assert result.shape == shapes.result_shape
    assert_close(be, result, expected)


def test_divide_by_zero_gives_numpys_inf_and_nan(be):
    a = np.array([[1.0, -1.0, 0.0, 2.0]])
    b = np.zeros((3, 1))
    a, b = cast(be, a, b)
    with np.errstate(all="ignore"):
        expected = a / b
    assert_close(be, be.divide(be.asarray(a), be.asarray(b)), expected)


@given(data=st.data())
def test_greater_and_where_broadcast_three_ways(be, data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=4, max_side=4))
    c_shape, a_shape, b_shape = shapes.input_shapes
    c1, c2 = cast(be, data.draw(values(c_shape, -3, 3)), data.draw(values(c_shape, -3, 3)))
    a, b = cast(be, data.draw(values(a_shape)), data.draw(values(b_shape)))
    cond = be.greater(be.asarray(c1), be.asarray(c2))
    np.testing.assert_array_equal(be.to_numpy(cond), c1 > c2)
    assert be.to_numpy(cond).dtype == np.bool_
    assert_close(be, be.where(cond, be.asarray(a), be.asarray(b)), np.where(c1 > c2, a, b))


@given(data=st.data())
def test_clip_matches_numpy(be, data):
    x = data.draw(values(data.draw(small_shapes()), -10, 10))
    lo = data.draw(st.floats(-5, 0))
    hi = data.draw(st.floats(0, 5))
    (x,) = cast(be, x)
    assert_close(be, be.clip(be.asarray(x), lo, hi), np.clip(x, be.dtype.type(lo), be.dtype.type(hi)))


def test_nan_propagates_through_maximum_and_minimum(be):
    a, b = cast(be, np.array([np.nan, 1.0, 2.0]), np.array([0.0, np.nan, 1.0]))
    for op in ("maximum", "minimum"):
        assert_close(be, getattr(be, op)(be.asarray(a), be.asarray(b)), getattr(np, op)(a, b))


@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide", "maximum", "minimum", "power"])
def test_incompatible_broadcast_names_both_shapes(be, op):
    a, b = be.ones((3, 4)), be.ones((2, 4))
    with pytest.raises(ValueError, match=r"\(3, 4\) and \(2, 4\) are not broadcastable"):
        getattr(be, op)(a, b)


def test_where_incompatible_shapes_raise(be):
    with pytest.raises(ValueError, match="not broadcastable"):
        be.where(be.greater(be.ones((2, 3)), be.zeros(())), be.ones((4, 3)), be.zeros((1,)))
