"""Backward against finite differences (float64), for every activation and both losses."""

from __future__ import annotations

import numpy as np
import pytest

import backends
import xnn
from backends._base import ACTIVATIONS
from xnn import gradcheck, model


def problem(hidden, loss, seed=0, m=8):
    """Params, X, Y and activations for a [4, 5, 3, 1] net whose pre-activations stay away from 0."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((4, m))
    Y = (rng.random((1, m)) > 0.5).astype(float) if loss == "bce" else rng.standard_normal((1, m))
    params = xnn.initialize_parameters([4, 5, 3, 1], "xavier", seed)
    params = {k: v + (0.1 * rng.standard_normal(v.shape) if k[0] == "b" else 0) for k, v in params.items()}
    activations = [hidden, hidden, "sigmoid" if loss == "bce" else "linear"]
    return params, X, Y, activations


def min_abs_z(params, X, activations):
    """Smallest |Z| over all layers: a ReLU kink within epsilon of a Z would spoil the check."""
    be = backends.get_backend("numpy", "float64")
    A, smallest = be.asarray(X), np.inf
    for (kW, kb), activation in zip(model.layer_keys(len(activations)), activations, strict=True):
        Z = be.linear_forward(params[kW], A, params[kb])  # the caches hold A, not Z, for the ReLUs
        smallest = min(smallest, np.abs(Z).min())
        A = be.activation_forward(Z, activation, slope=0.05)
    return smallest


@pytest.mark.parametrize("loss", ["bce", "mse"])
@pytest.mark.parametrize("hidden", ACTIVATIONS)
def test_backward_matches_finite_differences_on_numpy(hidden, loss):
    params, X, Y, activations = problem(hidden, loss)
    assert min_abs_z(params, X, activations) > 1e-4  # the data keeps every z off the kinks
    be = backends.get_backend("numpy", "float64")
    difference = xnn.gradient_check(be, params, X, Y, activations, loss, slope=0.05)
    assert difference < 1e-7


def test_every_float64_backend_passes_the_check(be):
    if be.dtype != np.float64:
        pytest.skip("gradient checking needs float64")
    params, X, Y, activations = problem("relu", "bce", seed=1, m=5)
    assert xnn.gradient_check(be, params, X, Y, activations) < 1e-6


def test_the_check_catches_a_wrong_gradient(monkeypatch):
    params, X, Y, activations = problem("tanh", "bce")
    be = backends.get_backend("numpy", "float64")
    real = model.backward

    def off_by_a_factor(*args, **kwargs):
        grads = real(*args, **kwargs)
        grads["dW2"] = be.multiply(grads["dW2"], be.full((), 1.1))
        return grads

    monkeypatch.setattr(model, "backward", off_by_a_factor)
    assert xnn.gradient_check(be, params, X, Y, activations) > 1e-3


def test_check_network_uses_the_networks_own_parameters():
    net = xnn.Network([4, 3, 1], hidden="tanh", dtype="float64", seed=5)
    X = np.random.default_rng(0).standard_normal((4, 6))
    Y = (X[:1] > 0).astype(float)
    assert xnn.check_network(net, X, Y) < 1e-7


def test_float32_backend_is_refused():
    params, X, Y, activations = problem("tanh", "bce")
    with pytest.raises(ValueError, match="needs a float64 backend, got float32"):
        xnn.gradient_check(backends.get_backend("numpy", "float32"), params, X, Y, activations)


def test_vector_layout_roundtrips_and_difference_is_the_courses():
    params = xnn.initialize_parameters([3, 2, 1], "he", 0)
    theta, layout = gradcheck.parameters_to_vector(params)
    assert [k for k, _ in layout] == ["W1", "b1", "W2", "b2"] and theta.size == 6 + 2 + 2 + 1
    back = gradcheck.vector_to_parameters(theta, layout)
    assert all(np.array_equal(back[k], params[k]) for k in params)
    assert gradcheck.relative_difference(np.zeros(3), np.zeros(3)) == 0.0
    assert gradcheck.relative_difference(np.array([1.0, 0]), np.array([0, 1.0])) == pytest.approx(
        np.sqrt(2) / 2
    )
