"""activation_forward_ / activation_backward_: the same values as the out-of-place ops on every backend,
written over their input only where that input may be spent, at sizes on both sides of every switch."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, cast, small_shapes, values
from hypothesis import given
from hypothesis import strategies as st

from backends import _xp_train, get_backend
from backends._base import ACTIVATIONS, backward_from_output
from xnn import model

SLOPE = 0.05
NUMPY = get_backend("numpy", "float64")
# 6 elements (select), 6,000 (blocked bit masks, one block) and just over two blocks
SIZES = [1, 1000, (2 * _xp_train.RELU_BLOCK) // 6 + 7]


def specials(repeat: int) -> tuple[np.ndarray, np.ndarray]:
    """dA with inf and nan, Z with nan, -0.0 and both signs, tiled to 6 * repeat columns."""
    dA = np.tile([[np.inf, -np.inf, np.nan, 1.5, np.nan, -0.0]], repeat)
    Z = np.tile([[-1.0, 0.0, -2.0, 3.0, 5.0, np.nan]], repeat)
    return dA, Z


@pytest.mark.parametrize("activation", ACTIVATIONS)
@given(data=st.data())
def test_in_place_ops_give_the_out_of_place_values(be, activation, data):
    shape = data.draw(small_shapes(min_dims=1, max_dims=2, max_side=6))
    Z, dA = cast(be, data.draw(values(shape, -50, 50)), data.draw(values(shape, -5, 5)))
    want_A = be.to_numpy(be.activation_forward(be.asarray(Z), activation, SLOPE))
    want_dZ = be.to_numpy(be.activation_backward(be.asarray(dA), be.asarray(Z), activation, SLOPE))
    assert_close(be, be.activation_forward_(be.asarray(Z), activation, SLOPE), want_A, ulps=0)
    dZ = be.activation_backward_(be.asarray(dA), be.asarray(Z), activation, SLOPE)
    assert_close(be, dZ, want_dZ, ulps=0)


@pytest.mark.parametrize("repeat", SIZES)
def test_relu_backward_in_place_is_exactly_zero_where_z_is_not_positive(be, repeat):
    dA, Z = cast(be, *specials(repeat))
    want = np.where(Z > 0, dA, 0.0)  # nan Z counts as not positive; inf/nan dA there still gives 0
    got = be.activation_backward_(be.asarray(dA), be.asarray(Z), "relu")
    assert_close(be, got, want, ulps=0)


# relu forward in place: one call, one block exactly, one element more, and just over two blocks
BLOCK = _xp_train.RELU_FORWARD_BLOCK
FORWARD_SIZES = [6, BLOCK, BLOCK + 1, 2 * BLOCK + 7]


@pytest.mark.parametrize("size", FORWARD_SIZES)
def test_relu_forward_in_place_is_numpy_maximum_at_every_size(be, size):
    """inf, -inf, nan, -0.0 and both signs, tiled across relu_inplace's block boundaries."""
    (Z,) = cast(be, np.resize([np.inf, -np.inf, np.nan, -0.0, 2.5, -3.0], (1, size)))
    want = np.maximum(Z, 0)
    assert_close(be, be.activation_forward_(be.asarray(Z), "relu"), want, ulps=0)  # -0.0 == 0.0


@pytest.mark.parametrize("repeat", SIZES)
def test_numpy_writes_over_the_spent_array_and_nowhere_else(repeat):
    dA, Z = specials(repeat)
    dA_in, Z_in = dA.copy(), Z.copy()
    dZ = NUMPY.activation_backward_(dA_in, Z_in, "relu")
    np.testing.assert_array_equal(Z_in, Z)  # the read input is untouched
    assert np.shares_memory(dZ, dA_in) == (dA.size > NUMPY.RELU_SELECT_MAX)
    A = NUMPY.activation_forward_(Z_in, "relu")
    assert np.shares_memory(A, Z_in)
    np.testing.assert_array_equal(A, np.maximum(Z, 0))


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda a: a.T, id="transposed view"),
        pytest.param(lambda a: a[:, ::2], id="strided view"),
        pytest.param(lambda a: np.broadcast_to(a[:1], a.shape), id="read-only broadcast"),
        pytest.param(lambda a: a.astype(np.int64), id="int array"),
        pytest.param(lambda a: a.astype(a.dtype.newbyteorder()), id="non-native byte order"),
    ],
)
def test_numpy_falls_back_to_a_new_array_when_the_input_cannot_be_spent(make):
    rng = np.random.default_rng(0)
    dA, Z = rng.standard_normal((2, 8000)) * 3, rng.standard_normal((2, 8000)) * 3
    spent, other = make(dA), make(Z)
    before = np.array(spent, copy=True)
    dZ = NUMPY.activation_backward_(spent, other, "relu")
    np.testing.assert_array_equal(dZ, NUMPY.relu_backward(before, other))
    A = NUMPY.activation_forward_(other, "relu")
    np.testing.assert_array_equal(A, np.maximum(np.asarray(other, np.float64), 0))
    if not np.shares_memory(dZ, spent):  # a fallback leaves its input as it was
        np.testing.assert_array_equal(spent, before)


def test_overlapping_dA_and_Z_fall_back():
    x = np.random.default_rng(1).standard_normal(20000)
    dA, Z = x[:10000].reshape(2, 5000), x[5000:15000].reshape(2, 5000)  # half of each is the other
    want = NUMPY.relu_backward(dA.copy(), Z.copy())
    np.testing.assert_array_equal(NUMPY.activation_backward_(dA, Z, "relu"), want)


@pytest.mark.parametrize(("activation", "slope", "expected"), [
    ("relu", 0.01, True), ("leaky_relu", 0.01, True), ("leaky_relu", 0.0, True),
    ("leaky_relu", -0.5, False), ("sigmoid", 0.01, False), ("tanh", 0.01, False), ("linear", 0.01, False),
])  # fmt: skip
def test_backward_from_output_only_where_the_derivative_reads_the_same_from_A(activation, slope, expected):
    assert backward_from_output(activation, slope) is expected
    if expected:  # g'(Z) and g'(g(Z)) agree on every sign, zero and nan
        Z = np.array([[-3.0, -0.0, 0.0, 2.0, np.nan, np.inf, -np.inf]])
        dA = np.ones_like(Z)
        with np.errstate(invalid="ignore"):  # leaky_relu(-inf) with slope 0 is nan, as 0 * -inf
            A = NUMPY.activation_forward(Z, activation, slope)
        from_A = NUMPY.activation_backward(dA, A, activation, slope)
        np.testing.assert_array_equal(from_A, NUMPY.activation_backward(dA, Z, activation, slope))


def test_relu_caches_hold_A_in_Z_place_and_A_took_Z_memory():
    rng = np.random.default_rng(2)
    params = {"W1": rng.standard_normal((5, 3)), "b1": np.zeros((5, 1)), "W2": rng.standard_normal((1, 5)),
              "b2": np.zeros((1, 1))}  # fmt: skip
    X = rng.standard_normal((3, 7))
    AL, caches = model.forward(NUMPY, params, X, ["relu", "sigmoid"])
    (_, _, A1), (A1_next_input, _, Z2) = caches
    assert A1 is A1_next_input  # layer 2 reads exactly the array layer 1's cache keeps
    np.testing.assert_array_equal(A1, np.maximum(params["W1"] @ X, 0))
    np.testing.assert_allclose(Z2, params["W2"] @ A1)  # sigmoid keeps its Z: 1 - A would lose the tails
