"""The contract's training ops on every backend against NumPy formulas: softmax, argmax, take, costs
over several outputs, L2 in linear_backward, the optimizer updates and the dropout mask."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_close, cast, host
from hypothesis import given
from hypothesis import strategies as st

from backends._base import bce_epsilon


def _draw(data, shape, low=-5.0, high=5.0):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    return rng.uniform(low, high, shape)


dims = st.tuples(st.integers(1, 6), st.integers(1, 7))


def softmax64(Z):
    e = np.exp(Z - Z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


@given(data=st.data(), shape=dims)
def test_softmax_columns_are_distributions(be, data, shape):
    (Z,) = cast(be, _draw(data, shape, -30, 30))
    S = be.softmax(be.asarray(Z))
    assert_close(be, S, softmax64(Z.astype(np.float64)).astype(be.dtype), scale=1.0, ulps=16)
    np.testing.assert_allclose(host(be, S).sum(axis=0), 1.0, rtol=1e-5)


@pytest.mark.parametrize("z", [1e4, -1e4, 88.0, 710.0])
def test_softmax_is_finite_at_huge_logits(be, z):
    Z = be.asarray([[z, 0.0], [0.0, z], [z, z]])
    S = host(be, be.softmax(Z))
    assert np.isfinite(S).all()
    np.testing.assert_allclose(S.sum(axis=0), 1.0, rtol=1e-6)


@given(data=st.data(), shape=dims)
def test_softmax_backward_is_the_jacobian_product(be, data, shape):
    Z, dA = cast(be, _draw(data, shape), _draw(data, shape))
    S = softmax64(Z.astype(np.float64))
    expected = S * (dA - (dA * S).sum(axis=0, keepdims=True))
    got = be.activation_backward(be.asarray(dA), be.asarray(Z), "softmax")
    assert_close(be, got, expected.astype(be.dtype), scale=np.abs(dA).max() + 1, ulps=64)


def test_argmax_picks_the_first_maximum_per_column(be):
    x = be.asarray([[1.0, 5.0, 2.0], [3.0, 5.0, 2.0], [0.0, 1.0, 2.0]])
    np.testing.assert_array_equal(host(be, be.argmax(x, 0)), [1, 0, 0])
    np.testing.assert_array_equal(host(be, be.argmax(x, 1)), [1, 1, 2])
    assert host(be, be.argmax(x, 0)).dtype == np.int64
    with pytest.raises(ValueError, match="empty"):
        be.argmax(be.zeros((0, 3)), 0)


def test_take_gathers_columns_in_the_given_order(be):
    X = np.arange(12.0).reshape(3, 4)
    got = be.take(be.asarray(X), np.array([3, 0, 3]), 1)
    np.testing.assert_array_equal(host(be, got), X[:, [3, 0, 3]])
    assert host(be, got).dtype == be.dtype


@pytest.mark.parametrize("n_L", [1, 2, 10])
def test_costs_sum_over_output_units_and_divide_by_m(be, n_L):
    rng = np.random.default_rng(n_L)
    AL, Yb, Yr = cast(
        be, rng.uniform(0.01, 0.99, (n_L, 9)), rng.integers(0, 2, (n_L, 9)), rng.normal(size=(n_L, 9))
    )
    AL64 = np.clip(AL.astype(np.float64), bce_epsilon(be.dtype), 1 - bce_epsilon(be.dtype))
    bce = -(Yb * np.log(AL64) + (1 - Yb) * np.log(1 - AL64)).sum() / 9
    mse = ((AL.astype(np.float64) - Yr) ** 2).sum() / 18
    rtol = 1e-5 if be.dtype == np.float32 else 1e-12
    assert be.item(be.binary_cross_entropy(be.asarray(AL), be.asarray(Yb))) == pytest.approx(bce, rel=rtol)
    assert be.item(be.mean_squared_error(be.asarray(AL), be.asarray(Yr))) == pytest.approx(mse, rel=rtol)


def test_categorical_cross_entropy_and_its_fused_gradient(be):
    rng = np.random.default_rng(0)
    AL = softmax64(rng.normal(size=(4, 6)))
    Y = np.eye(4)[:, rng.integers(0, 4, 6)]
    AL, Y = cast(be, AL, Y)
    expected = -(Y * np.log(AL.astype(np.float64))).sum() / 6
    rtol = 1e-5 if be.dtype == np.float32 else 1e-12
    assert be.item(be.categorical_cross_entropy(be.asarray(AL), be.asarray(Y))) == pytest.approx(
        expected, rel=rtol
    )
    assert_close(be, be.softmax_cross_entropy_backward(be.asarray(AL), be.asarray(Y)), AL - Y, scale=1.0)
    zero = be.asarray([[0.0, 1.0], [1.0, 0.0]])
    assert np.isfinite(be.item(be.categorical_cross_entropy(zero, be.asarray([[1.0, 1.0], [0.0, 0.0]]))))


@pytest.mark.parametrize("lambd", [0.0, 0.7])
def test_linear_backward_folds_l2_into_dW(be, lambd):
    rng = np.random.default_rng(1)
    dZ, A, W = cast(be, rng.normal(size=(3, 5)), rng.normal(size=(4, 5)), rng.normal(size=(3, 4)))
    dA, dW, db = be.linear_backward(be.asarray(dZ), be.asarray(A), be.asarray(W), True, lambd)
    d64, a64, w64 = (x.astype(np.float64) for x in (dZ, A, W))
    scale = np.abs(d64) @ np.abs(a64).T / 5 + lambd * np.abs(w64) / 5
    assert_close(be, dW, (d64 @ a64.T / 5 + lambd / 5 * w64).astype(be.dtype), scale=scale, ulps=16)
    assert_close(
        be,
        db,
        (d64.sum(axis=1, keepdims=True) / 5).astype(be.dtype),
        scale=np.abs(d64).sum(1, keepdims=True),
        ulps=16,
    )


def _updates(be, grad, state):
    """(param, states...) from each update op and the NumPy formula, in float64."""
    lr, b1, b2, eps, t = 0.01, 0.9, 0.999, 1e-8, 3
    p, g, v, s = (x.astype(np.float64) for x in (state[0], grad, state[1], state[2]))
    v_m = b1 * v + (1 - b1) * g
    s_r = b1 * s + (1 - b1) * g * g
    v_a, s_a = b1 * v + (1 - b1) * g, b2 * s + (1 - b2) * g * g
    adam = p - lr * (v_a / (1 - b1**t)) / (np.sqrt(s_a / (1 - b2**t)) + eps)
    return {
        "momentum": ((p - lr * v_m, v_m), lambda P, G, V, S: be.momentum_update_(P, G, V, lr, b1)),
        "rmsprop": (
            (p - lr * g / (np.sqrt(s_r) + eps), s_r),
            lambda P, G, V, S: be.rmsprop_update_(P, G, S, lr, b1, eps),
        ),
        "adam": ((adam, v_a, s_a), lambda P, G, V, S: be.adam_update_(P, G, V, S, lr, b1, b2, eps, t)),
    }


@pytest.mark.parametrize("kind", ["momentum", "rmsprop", "adam"])
@given(data=st.data(), shape=dims)
def test_optimizer_updates_match_their_formulas(be, kind, data, shape):
    p, g, v = cast(be, _draw(data, shape), _draw(data, shape), _draw(data, shape))
    (s,) = cast(be, _draw(data, shape, 0.0, 5.0))
    expected, op = _updates(be, g, (p, v, s))[kind]
    got = op(be.asarray(p), be.asarray(g), be.asarray(v), be.asarray(s))
    assert len(got) == len(expected)
    for out, want in zip(got, expected, strict=True):
        assert_close(be, out, want.astype(be.dtype), scale=np.abs(want) + 1.0, ulps=64)


def test_dropout_mask_keeps_the_expectation(be):
    mask = host(be, be.dropout_mask((200, 200), 0.8, seed=3))
    assert set(np.unique(mask)) <= {0.0, np.float32(1 / 0.8) if be.dtype == np.float32 else 1 / 0.8}
    assert mask.mean() == pytest.approx(1.0, abs=0.02)
    assert (mask == 0).mean() == pytest.approx(0.2, abs=0.01)


@pytest.mark.parametrize("op", ["sigmoid_backward", "tanh_backward"])
def test_composed_derivative_defaults_keep_their_tails(be, op):
    """A new backend inheriting the base class's derivatives must not round the tails to 0."""
    from backends._base import Backend

    z = np.array([-40.0, -12.0, 0.0, 3.0, 12.0, 40.0])
    s = 1 / (1 + np.exp(-z))
    expected = (
        s * np.exp(-z) / (1 + np.exp(-z)) if op == "sigmoid_backward" else 4 / (np.exp(z) + np.exp(-z)) ** 2
    )
    got = getattr(Backend, op)(be, be.ones((1, 6)), be.asarray(z.reshape(1, 6)))
    assert_close(be, got, expected.reshape(1, 6).astype(be.dtype), ulps=64)
