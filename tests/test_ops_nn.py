"""Activations, their derivatives and the fused NN ops on every backend against NumPy in float64."""

from __future__ import annotations

import re

import numpy as np
import pytest
from helpers import MUTABLE_STORAGE, assert_close, cast, host, ld_derivative, ld_sigmoid, small_shapes, values
from hypothesis import given
from hypothesis import strategies as st

from backends._base import ACTIVATIONS, bce_epsilon

SLOPE = 0.05
# long-double oracles where rounding matters: the tails are checked relative to the value itself
FORWARD = {
    "sigmoid": ld_sigmoid,
    "tanh": lambda z: np.tanh(np.asarray(z, np.longdouble)),
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, SLOPE * z.astype(np.float64)),
    "linear": lambda z: z,
}
DERIVATIVE = {
    "sigmoid": lambda z: ld_derivative("sigmoid", z),
    "tanh": lambda z: ld_derivative("tanh", z),
    "relu": lambda z: (z > 0).astype(np.float64),
    "leaky_relu": lambda z: np.where(z > 0, 1.0, SLOPE),
    "linear": np.ones_like,
}


@pytest.mark.parametrize("activation", ACTIVATIONS)
@given(data=st.data())
def test_activation_forward_and_backward(be, activation, data):
    shape = data.draw(small_shapes(min_dims=1, max_dims=2, max_side=6))
    Z, dA = cast(be, data.draw(values(shape, -50, 50)), data.draw(values(shape, -5, 5)))
    A = be.activation_forward(be.asarray(Z), activation, slope=SLOPE)
    # relative error, tails included: sigmoid(-40) is 4e-18, and 0 there would be 100% wrong
    assert_close(be, A, FORWARD[activation](Z).astype(np.float64), ulps=8)
    dZ = be.activation_backward(be.asarray(dA), be.asarray(Z), activation, slope=SLOPE)
    assert_close(be, dZ, (dA * DERIVATIVE[activation](Z)).astype(np.float64), ulps=8)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_named_activation_ops_agree_with_dispatch(be, name):
    (Z,) = cast(be, np.linspace(-6, 6, 13).reshape(1, -1))
    dA = be.ones(Z.shape)
    assert_close(
        be, getattr(be, name)(be.asarray(Z)), be.to_numpy(be.activation_forward(be.asarray(Z), name))
    )
    assert_close(
        be,
        getattr(be, f"{name}_backward")(dA, be.asarray(Z)),
        be.to_numpy(be.activation_backward(dA, be.asarray(Z), name)),
    )


def test_unknown_activation_lists_the_valid_ones(be):
    with pytest.raises(ValueError, match="expected one of sigmoid, tanh, relu, leaky_relu, linear"):
        be.activation_forward(be.ones((1, 1)), "softplus")


@pytest.mark.parametrize("z", [1e4, -1e4, 88.8, -88.8, 800.0, -800.0])
def test_sigmoid_and_cross_entropy_stay_finite_at_extreme_z(be, z):
    Z = be.asarray([[z, -z, 0.0]])
    A = be.sigmoid(Z)
    assert np.all(np.isfinite(be.to_numpy(A)))
    assert np.all((be.to_numpy(A) >= 0) & (be.to_numpy(A) <= 1))
    for labels in ([[1.0, 0.0, 1.0]], [[0.0, 1.0, 0.0]]):
        Y = be.asarray(labels)
        assert np.isfinite(be.item(be.binary_cross_entropy(A, Y)))
        assert np.all(np.isfinite(be.to_numpy(be.binary_cross_entropy_backward(A, Y))))


@given(data=st.data())
def test_linear_forward_and_backward(be, data):
    n, n_prev, m = (data.draw(st.integers(1, 7)) for _ in range(3))
    W, A, b, dZ = cast(be, *(data.draw(values(s, -3, 3)) for s in ((n, n_prev), (n_prev, m), (n, 1), (n, m))))
    w64, a64, dz64 = (x.astype(np.float64) for x in (W, A, dZ))
    scale = np.abs(w64) @ np.abs(a64) + np.abs(b)
    Z = be.linear_forward(be.asarray(W), be.asarray(A), be.asarray(b))
    assert_close(be, Z, w64 @ a64 + b, scale=scale, ulps=n_prev + 4)
    dA_prev, dW, db = be.linear_backward(be.asarray(dZ), be.asarray(A), be.asarray(W))
    assert_close(be, dW, dz64 @ a64.T / m, scale=np.abs(dz64) @ np.abs(a64.T) / m, ulps=m + 4)
    assert_close(
        be, db, dz64.sum(1, keepdims=True) / m, scale=np.abs(dz64).sum(1, keepdims=True) / m, ulps=m + 4
    )
    assert_close(be, dA_prev, w64.T @ dz64, scale=np.abs(w64.T) @ np.abs(dz64), ulps=n + 4)
    skipped, dW2, _ = be.linear_backward(be.asarray(dZ), be.asarray(A), be.asarray(W), need_dA_prev=False)
    assert skipped is None
    assert_close(be, dW2, be.to_numpy(dW))


@given(data=st.data())
def test_binary_cross_entropy_and_gradient(be, data):
    n_L, m = data.draw(st.sampled_from([1, 2, 10])), data.draw(st.integers(1, 30))
    (AL,) = cast(be, data.draw(values((n_L, m), 0.0, 1.0)))
    Y = np.asarray(data.draw(values((n_L, m), 0, 1)) > 0.5, be.dtype)
    eps = bce_epsilon(be.dtype)
    # clip bounds as the backend's dtype holds them: 1 - 1e-7 rounds to 1 - 2**-23 in float32
    p = np.clip(AL, be.dtype.type(eps), be.dtype.type(1 - eps)).astype(np.float64)
    terms = Y * np.log(p) + (1 - Y) * np.log(1 - p)
    cost = be.binary_cross_entropy(be.asarray(AL), be.asarray(Y))
    # summed over the units, divided by m (for n_L = 1 the mean over the examples, as always)
    scale = np.abs(terms).sum() / m + 1
    assert_close(be, cost, -terms.sum() / m, scale=scale, ulps=64 * (n_L * m + 4))
    grad = be.binary_cross_entropy_backward(be.asarray(AL), be.asarray(Y))
    assert_close(be, grad, -(Y / p - (1 - Y) / (1 - p)), ulps=64)


@given(data=st.data())
def test_mean_squared_error_and_gradient(be, data):
    n_L, m = data.draw(st.sampled_from([1, 2, 10])), data.draw(st.integers(1, 30))
    AL, Y = cast(be, data.draw(values((n_L, m), -10, 10)), data.draw(values((n_L, m), -10, 10)))
    d = AL.astype(np.float64) - Y
    cost = be.mean_squared_error(be.asarray(AL), be.asarray(Y))
    scale = (np.sum(d**2) + np.sum(np.abs(d)) * 20) / m
    assert_close(be, cost, np.sum(d**2) / (2 * m), scale=scale, ulps=n_L * m + 8)
    assert_close(
        be, be.mean_squared_error_backward(be.asarray(AL), be.asarray(Y)), d, scale=np.abs(AL) + np.abs(Y)
    )


@pytest.mark.parametrize("n_L", [1, 2, 10])
@pytest.mark.parametrize("cost", ["binary_cross_entropy", "mean_squared_error"])
def test_cost_gradient_is_backward_over_m(be, cost, n_L):
    """d cost / d AL = dAL / m: the cost is the one whose gradient the backward pass computes."""
    if be.dtype != np.float64:
        pytest.skip("a finite-difference check needs float64")
    m, h = 3, 1e-6
    rng = np.random.default_rng(n_L)
    AL, Y = rng.uniform(0.2, 0.8, (n_L, m)), (rng.random((n_L, m)) < 0.5).astype(np.float64)
    dAL = host(be, getattr(be, f"{cost}_backward")(be.asarray(AL), be.asarray(Y)))
    for i in np.ndindex(AL.shape):
        up, down = AL.copy(), AL.copy()
        up[i], down[i] = AL[i] + h, AL[i] - h
        slope = (
            be.item(getattr(be, cost)(be.asarray(up), be.asarray(Y)))
            - be.item(getattr(be, cost)(be.asarray(down), be.asarray(Y)))
        ) / (2 * h)
        assert slope == pytest.approx(dAL[i] / m, rel=1e-6, abs=1e-9), (i, slope, dAL[i] / m)


@given(data=st.data())
def test_sgd_update_returns_the_updated_param(be, data):
    shape = data.draw(small_shapes(min_dims=1, max_dims=2, min_side=1))
    P, G = cast(be, data.draw(values(shape, -10, 10)), data.draw(values(shape, -10, 10)))
    lr = data.draw(st.floats(1e-4, 2.0))
    expected = P.astype(np.float64) - be.dtype.type(lr).astype(np.float64) * G
    scale = np.abs(P) + np.abs(lr * G)
    param = be.asarray(P)  # may share memory with P on CPU: expected is computed first
    returned = be.sgd_update_(param, be.asarray(G), lr)
    assert_close(be, returned, expected, scale=scale, ulps=4)
    if be.name in MUTABLE_STORAGE:  # in place: the same array, updated (immutable backends: a new one)
        assert returned is param
        assert_close(be, param, expected, scale=scale, ulps=4)


@pytest.mark.parametrize("grad_shape", [(1, 4), (3, 1), (4,), (), (4, 3), (1, 3, 4)], ids=str)
def test_sgd_update_rejects_a_gradient_of_another_shape(be, grad_shape):
    P = np.arange(12.0).reshape(3, 4)
    param = be.asarray(P)
    message = rf"grad has shape {re.escape(str(grad_shape))} but param has shape \(3, 4\)"
    with pytest.raises(ValueError, match=message):
        be.sgd_update_(param, be.ones(grad_shape), 0.1)
    assert_close(be, param, P)  # untouched
