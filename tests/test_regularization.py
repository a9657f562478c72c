"""L2 regularisation and inverted dropout: the costs and gradients they promise, masks that are honest
and identical on every backend, and nothing at all when they are off."""

from __future__ import annotations

import numpy as np
import pytest

import backends
import xnn
from backends.numpy_backend import NumpyBackend
from xnn import gradcheck, model
from xnn.dropout import Dropout

PARITY = {"float32": {"rtol": 1e-4, "atol": 1e-6}, "float64": {"rtol": 1e-10, "atol": 1e-12}}


def data(n_x=3, m=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    return X, (X[:1] - X[1:2] + 0.3 * X[-1:] ** 2 > 0).astype(float)


def test_off_switches_are_the_plain_course_steps_bit_for_bit():
    X, Y = data()
    be = backends.get_backend("numpy", "float64")
    acts = ["relu", "relu", "sigmoid"]
    params = xnn.to_backend(be, xnn.initialize_parameters([3, 5, 4, 1], "he", seed=0))
    for _ in range(10):
        AL, caches = xnn.forward(be, params, be.asarray(X), acts)
        params = xnn.update_parameters(be, params, xnn.backward(be, AL, be.asarray(Y), caches, acts), 0.1)
    net = xnn.Network([3, 5, 4, 1], dtype="float64", lambd=0.0, keep_prob=[1.0, 1.0])
    net.fit(X, Y, 0.1, 10, progress=False)
    for key, value in net.parameters.items():
        np.testing.assert_array_equal(value, be.to_numpy(params[key]), err_msg=key)


# -- L2 ------------------------------------------------------------------------------------------
def test_l2_cost_adds_lambd_over_2m_times_the_squared_weights():
    X, Y = data()
    plain = xnn.Network([3, 5, 1], dtype="float64", seed=1)
    l2 = xnn.Network([3, 5, 1], dtype="float64", seed=1, lambd=0.7)
    W = plain.parameters
    penalty = 0.7 / (2 * 40) * sum((W[k] ** 2).sum() for k in ("W1", "W2"))
    assert l2.cost(X, Y) == pytest.approx(plain.cost(X, Y) + penalty, rel=1e-13)
    assert l2.accuracy(X, Y) == plain.accuracy(X, Y)  # accuracy has no penalty


def test_l2_shrinks_the_weights_and_passes_the_gradient_check(be):
    X, Y = data(m=12)
    if be.dtype == np.float64:
        net = xnn.Network([3, 4, 1], hidden="tanh", backend=be, lambd=0.5, seed=2)
        assert xnn.check_network(net, X, Y) < 1e-7
    norms = {}
    for lambd in (0.0, 5.0):
        net = xnn.Network([3, 4, 1], hidden="tanh", backend=be, lambd=lambd, seed=2)
        net.fit(X, Y, 0.3, 40, progress=False)
        norms[lambd] = sum(np.sum(v**2) for k, v in net.parameters.items() if k[0] == "W")
    assert norms[5.0] < 0.7 * norms[0.0]


# -- dropout --------------------------------------------------------------------------------------
def test_masks_keep_the_expected_activation():
    be = backends.get_backend("numpy", "float64")
    drop = Dropout([0.8, 0.5], [30, 20], seed=0, rng="host")
    first, second = np.zeros((30, 100)), np.zeros((20, 100))
    for _ in range(200):
        a, b = (be.to_numpy(mask) for mask in drop.masks(be, 100)[:2])
        first += a
        second += b
    assert set(np.unique(a)) == {0.0, 1.25} and set(np.unique(b)) == {0.0, 2.0}
    # E[mask] = 1, so E[mask * A / keep_prob] (the mask carries 1 / keep_prob) = A; 600,000 draws
    assert abs(first.mean() / 200 - 1) < 0.01 and abs(second.mean() / 200 - 1) < 0.01
    assert np.mean(b == 0) == pytest.approx(0.5, abs=0.03)


def test_backward_uses_forwards_masks_exactly():
    """With the masks held fixed the cost is deterministic: backward must be its gradient."""
    be = backends.get_backend("numpy", "float64")
    X, Y = data(m=9)
    acts = ["tanh", "tanh", "sigmoid"]
    params = xnn.initialize_parameters([3, 6, 5, 1], "xavier", 3)
    masks = Dropout([0.6, 0.7], [6, 5], seed=4, rng="host").masks(be, 9)
    Xb, Yb = be.asarray(X), be.asarray(Y)
    AL, caches = model.forward(be, model.to_backend(be, params), Xb, acts, masks=masks)
    grad, _ = gradcheck.parameters_to_vector(
        {k: be.to_numpy(g) for k, g in model.backward(be, AL, Yb, caches, acts, masks=masks).items()}
    )

    def cost(theta):
        p = model.to_backend(be, gradcheck.vector_to_parameters(theta, layout))
        return be.item(model.compute_cost(be, model.forward(be, p, Xb, acts, masks=masks)[0], Yb))

    theta, layout = gradcheck.parameters_to_vector(params)
    numerical = gradcheck.numerical_gradient(cost, theta, 1e-7)
    assert gradcheck.relative_difference(grad, numerical) < 1e-7
    unmasked, _ = gradcheck.parameters_to_vector(
        {k: be.to_numpy(g) for k, g in model.backward(be, AL, Yb, caches, acts).items()}
    )
    assert gradcheck.relative_difference(unmasked, numerical) > 1e-2  # the check can tell


def test_host_masks_train_identically_on_every_backend(be):
    X, Y = data(m=30)
    kwargs = {"hidden": "tanh", "keep_prob": [0.7, 0.9], "seed": 5, "init": "xavier"}
    oracle = xnn.Network([3, 6, 4, 1], backend="numpy", dtype=be.dtype, **kwargs)
    net = xnn.Network([3, 6, 4, 1], backend=be, **kwargs)
    expected = oracle.fit(X, Y, 0.3, 6, batch_size=8, progress=False)
    np.testing.assert_allclose(
        net.fit(X, Y, 0.3, 6, batch_size=8, progress=False), expected, **PARITY[be.dtype.name]
    )
    for key, value in oracle.parameters.items():
        np.testing.assert_allclose(net.parameters[key], value, **PARITY[be.dtype.name], err_msg=key)


def test_dropout_changes_training_but_never_prediction_or_cost():
    X, Y = data()
    a = xnn.Network([3, 8, 1], dtype="float64", seed=0)
    b = xnn.Network([3, 8, 1], dtype="float64", seed=0, keep_prob=0.5)
    assert a.cost(X, Y) == b.cost(X, Y) and a.accuracy(X, Y) == b.accuracy(X, Y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    a.fit(X, Y, 0.1, 3, progress=False)
    b.fit(X, Y, 0.1, 3, progress=False)
    assert not np.array_equal(a.parameters["W1"], b.parameters["W1"])
    np.testing.assert_array_equal(b.predict_proba(X), b.predict_proba(X))  # no mask at inference


def test_dropout_regularises_a_real_fit():
    X, Y = data(m=200)
    net = xnn.Network([3, 16, 16, 1], keep_prob=0.8, seed=1, dtype="float64")
    costs = net.fit(X, Y, 0.3, 300, progress=False)
    assert costs[-1] < 0.5 * costs[0] and net.accuracy(X, Y) > 0.9


class DeviceMasks(NumpyBackend):
    def __init__(self) -> None:
        super().__init__(dtype="float64")
        self.shapes: list[tuple] = []

    def dropout_mask(self, shape, keep_prob, seed):
        self.shapes.append((tuple(shape), keep_prob))
        return super().dropout_mask(shape, keep_prob, seed)


def test_device_rng_draws_masks_on_the_backend():
    X, Y = data(m=10)
    be = DeviceMasks()
    net = xnn.Network([3, 4, 2, 1], backend=be, keep_prob=[0.5, 1.0], dropout_rng="device")
    net.fit(X, Y, 0.1, 3, progress=False)
    assert be.shapes == [((4, 10), 0.5)] * 3  # the hidden layer with keep_prob 1 draws nothing


def test_gradient_check_refuses_dropout():
    X, Y = data(m=5)
    net = xnn.Network([3, 4, 1], dtype="float64", keep_prob=0.8)
    with pytest.raises(ValueError, match=r"gradient_check needs keep_prob = 1 \(got \(0\.8,\)\)"):
        xnn.check_network(net, X, Y)
    with pytest.raises(ValueError, match=r"needs keep_prob = 1"):
        xnn.gradient_check(net.be, net.parameters, X, Y, net.activations, keep_prob=[1.0, 0.5])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"keep_prob": 0.0}, r"keep_prob must be in \(0, 1\] \(1: no dropout\), got 0\.0"),
        ({"keep_prob": 1.5}, r"keep_prob must be in \(0, 1\]"),
        ({"keep_prob": [0.5]}, r"keep_prob lists 1 values but the network has 2 hidden layers"),
        ({"lambd": -0.1}, r"lambd must be a finite number >= 0, got -0\.1"),
        ({"dropout_rng": "gpu"}, r"unknown dropout_rng 'gpu'; expected one of host, device"),
    ],
)
def test_bad_regularisation_settings_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        xnn.Network([3, 4, 4, 1], **kwargs)
