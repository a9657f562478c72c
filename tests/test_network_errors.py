"""Bad input fails early with a ValueError that says what was expected, what came, and the fix."""

from __future__ import annotations

import numpy as np
import pytest

import xnn

X = np.random.default_rng(0).standard_normal((3, 10))
Y = (X[:1] > 0).astype(float)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"layer_dims": [3]}, r"at least two sizes .* e\.g\. \[2, 1\]"),
        ({"layer_dims": [3, 0, 1]}, r"positive integers, got \[3, 0, 1\]"),
        ({"layer_dims": [3, 2.5, 1]}, r"positive integers"),
        ({"layer_dims": "31"}, r"at least two sizes"),
        ({"hidden": "softplus"}, r"unknown activation 'softplus'; expected one of sigmoid, tanh, relu"),
        ({"hidden": ["relu", "tanh"]}, r"hidden lists 2 activations but the network has 1 hidden"),
        ({"output": "linear", "loss": "bce"}, r"loss 'bce' needs output='sigmoid'"),
        ({"loss": "hinge"}, r"unknown loss 'hinge'; expected one of bce, mse"),
        ({"init": "glorot"}, r"unknown init 'glorot'; expected one of small, xavier, he, zeros"),
        ({"slope": float("nan")}, r"slope must be a finite number"),
        ({"backend": "tpu"}, r"unknown backend 'tpu'"),
    ],
)
def test_bad_architecture_is_rejected(kwargs, match):
    args = {"layer_dims": [3, 4, 1], **kwargs}
    with pytest.raises(ValueError, match=match):
        xnn.Network(args.pop("layer_dims"), **args)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"learning_rate": 0}, r"learning_rate must be a finite number > 0, got 0"),
        ({"learning_rate": -0.1}, r"learning_rate must be a finite number > 0"),
        ({"learning_rate": float("inf")}, r"learning_rate must be a finite number > 0"),
        ({"iterations": 0}, r"iterations must be an integer >= 1, got 0"),
        ({"iterations": 2.5}, r"iterations must be an integer >= 1"),
        ({"batch_size": 0}, r"batch_size must be an integer >= 1 or None"),
        ({"print_every": -1}, r"print_every must be an integer >= 1 or None"),
    ],
)
def test_bad_hyperparameters_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        xnn.Network([3, 4, 1]).fit(X, Y, **{"learning_rate": 0.1, "iterations": 2, **kwargs}, progress=False)


@pytest.mark.parametrize(
    ("X_", "Y_", "match"),
    [
        (X[:2], Y, r"X has 2 rows but the network expects n_x = layer_dims\[0\] = 3.*transpose X"),
        (X.T, Y, r"X has 10 rows but the network expects n_x .* = 3"),
        (X, Y[:, :7], r"Y is \(1, 7\) but X is \(3, 10\): expected Y \(1, 10\)"),
        (X, Y.ravel(), r"Y must be 2-D, got shape \(10,\); reshape labels to \(1, m\)"),
        (X, Y * 2 - 1, r"loss 'bce' needs labels 0 or 1, got other values \[-1\.0\]"),
        (np.where(X > 1, np.nan, X), Y, r"X contains NaN or infinite values"),
        (X, np.where(Y > 0, np.inf, Y), r"Y contains NaN or infinite values"),
        (X[:, :0], Y[:, :0], r"X has no examples"),
        (np.array([["a"] * 10] * 3), Y, r"X must hold numbers"),
    ],
)
def test_bad_data_is_rejected_before_training(X_, Y_, match):
    with pytest.raises(ValueError, match=match):
        xnn.Network([3, 4, 1]).fit(X_, Y_, learning_rate=0.1, iterations=2, progress=False)


def test_regression_labels_are_fine_with_mse():
    net = xnn.Network([3, 4, 1], output="linear")
    assert net.loss == "mse"
    costs = net.fit(X, X[:1] * 3.0, learning_rate=0.05, iterations=20, progress=False)
    assert costs[-1] < costs[0]


def test_divergence_stops_with_the_iteration_and_a_fix():
    net = xnn.Network([3, 8, 1], hidden="linear", output="linear", dtype="float32")
    with np.errstate(all="ignore"), pytest.raises(xnn.TrainingDivergedError) as info:
        net.fit(X * 100, X[:1] * 1e3, learning_rate=10.0, iterations=200, print_every=5, progress=False)
    message = str(info.value)
    assert "iteration" in message and "try a smaller learning rate, e.g. 1" in message
    assert isinstance(info.value, ArithmeticError)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"W1": np.zeros((4, 3))}, r"missing \['W2', 'b1', 'b2'\]"),
        (
            {
                "W1": np.zeros((4, 3)),
                "b1": np.zeros((4, 1)),
                "W2": np.zeros((1, 4)),
                "b2": np.zeros((1, 1)),
                "W3": np.zeros((1, 1)),
            },
            r"extra \['W3'\]",
        ),
        (
            {"W1": np.zeros((3, 4)), "b1": np.zeros((4, 1)), "W2": np.zeros((1, 4)), "b2": np.zeros((1, 1))},
            r"parameters\['W1'\] is \(3, 4\), expected \(4, 3\)",
        ),
        (
            {
                "W1": np.full((4, 3), np.nan),
                "b1": np.zeros((4, 1)),
                "W2": np.zeros((1, 4)),
                "b2": np.zeros((1, 1)),
            },
            r"parameters\['W1'\] contains NaN",
        ),
        ([1, 2], r"parameters must be a dict"),
    ],
)
def test_bad_user_parameters_are_rejected(params, match):
    net = xnn.Network([3, 4, 1])
    with pytest.raises(ValueError, match=match):
        net.parameters = params


def test_step_checks_shapes_cheaply():
    net = xnn.Network([3, 4, 1])
    Xb, Yb = net.inputs(X, Y)
    with pytest.raises(ValueError, match=r"Y is \(1, 10\) but X is \(3, 5\)"):
        net.step(Xb[:, :5], Yb, 0.1)


@pytest.mark.parametrize(
    ("x_shape", "y_shape", "match"),
    [
        ((3, 10), (1, 10), r"Y is \(1, 10\) but X is \(3, 10\): expected Y \(2, 10\).*one row per output"),
        ((3, 10), (10,), r"Y is \(10,\) but X is \(3, 10\): expected Y \(2, 10\)"),
        ((3, 10), (2, 9), r"expected Y \(2, 10\)"),
        ((3,), (2, 1), r"X has shape \(3,\) but must be 2-D \(n_x, m\) = \(3, m\).*X\.reshape\(3, 1\)"),
    ],
)
def test_step_rejects_backend_arrays_of_the_wrong_shape(be, x_shape, y_shape, match):
    """net.step takes backend arrays as they are: a Y with too few rows once broadcast silently."""
    net = xnn.Network([3, 4, 2], backend=be.name, dtype=be.dtype)
    with pytest.raises(ValueError, match=match):
        net.step(be.asarray(np.ones(x_shape)), be.asarray(np.ones(y_shape)), 0.1)
