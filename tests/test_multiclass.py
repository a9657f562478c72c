"""Several output units: softmax + categorical cross-entropy, labels in every form, per-example accuracy,
and gradients that are right for any n_L with every output and loss (and with L2)."""

from __future__ import annotations

import numpy as np
import pytest

import xnn
from xnn import labels

PARITY = {"float32": {"rtol": 1e-4, "atol": 1e-6}, "float64": {"rtol": 1e-10, "atol": 1e-12}}


def blobs(C=3, n_x=4, m=60, seed=0):
    """X (n_x, m) around C centres and integer labels y (m,) in 0..C-1 (every class present)."""
    rng = np.random.default_rng(seed)
    y = np.arange(m) % C
    rng.shuffle(y)
    centres = 2.0 * rng.standard_normal((n_x, C))
    return centres[:, y] + 0.7 * rng.standard_normal((n_x, m)), y


def digits10():
    """scikit-learn's 8x8 digits, 10 classes, split and standardised as xnn.datasets' digits."""
    sk = pytest.importorskip("sklearn.datasets")
    data = sk.load_digits()
    X, y = data.data.T.astype(np.float64), data.target
    m = X.shape[1]
    order = np.random.default_rng(0).permutation(m)
    n_test = round(0.2 * m)
    train, test = order[: m - n_test], order[m - n_test :]
    mean, std = X[:, train].mean(axis=1, keepdims=True), X[:, train].std(axis=1, keepdims=True)
    std[std == 0] = 1.0
    return (X[:, train] - mean) / std, y[train], (X[:, test] - mean) / std, y[test]


# -- architecture ------------------------------------------------------------------------------
def test_softmax_output_defaults_to_categorical_cross_entropy():
    net = xnn.Network([4, 5, 3], output="softmax")
    assert net.loss == "cce" and net.activations == ["relu", "softmax"] and net.is_classifier
    assert xnn.Network([4, 3], output="softmax", loss="mse").loss == "mse"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"hidden": "softmax"}, r"softmax is an output activation only"),
        ({"dims": [4, 1]}, r"output='softmax' needs at least 2 output units, got layer_dims\[-1\] = 1"),
        ({"output": "sigmoid", "loss": "cce"}, r"loss 'cce' needs output='softmax'"),
        ({"loss": "bce"}, r"loss 'bce' needs output='sigmoid'"),
    ],
)
def test_bad_softmax_architectures_are_refused(kwargs, match):
    dims = kwargs.pop("dims", [4, 5, 3])
    with pytest.raises(ValueError, match=match):
        xnn.Network(dims, **{"output": "softmax", **kwargs})


# -- gradients: n_L > 1 is the cost that backward differentiates ---------------------------------
def grad_problem(n_L, output, seed=0, m=7):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((4, m))
    if output == "softmax":
        Y = labels.one_hot(rng.integers(0, n_L, m), n_L)
    elif output == "sigmoid":
        Y = (rng.random((n_L, m)) > 0.5).astype(float)
    else:
        Y = rng.standard_normal((n_L, m))
    params = xnn.initialize_parameters([4, 5, 3, n_L], "xavier", seed)
    params = {k: v + (0.1 * rng.standard_normal(v.shape) if k[0] == "b" else 0) for k, v in params.items()}
    return params, X, Y


@pytest.mark.parametrize("lambd", [0.0, 0.7])
@pytest.mark.parametrize(("output", "loss"), [("sigmoid", "bce"), ("linear", "mse"), ("softmax", "cce")])
@pytest.mark.parametrize("n_L", [2, 3, 10])
def test_gradient_check_passes_for_several_outputs(be, n_L, output, loss, lambd):
    if be.dtype != np.float64:
        pytest.skip("gradient checking needs float64")
    params, X, Y = grad_problem(n_L, output)
    acts = ["tanh", "tanh", output]
    assert xnn.gradient_check(be, params, X, Y, acts, loss, lambd=lambd) < 1e-7


def test_check_network_takes_labels_and_lambd():
    X, y = blobs(C=4, m=9)
    net = xnn.Network([4, 6, 4], hidden="tanh", output="softmax", dtype="float64", lambd=0.3)
    assert xnn.check_network(net, X, y) < 1e-7


def test_costs_of_a_softmax_net_are_the_ones_minimised():
    X, y = blobs(C=3, m=30)
    net = xnn.Network([4, 3], output="softmax", dtype="float64")
    AL = net.predict_proba(X)
    expected = -np.log(AL[y, np.arange(30)]).sum() / 30
    assert net.cost(X, y) == pytest.approx(expected, rel=1e-12)


# -- labels in every form ----------------------------------------------------------------------
def test_integer_one_hot_and_string_labels_give_identical_fits():
    X, y = blobs(C=3)
    forms = {
        "int (m,)": y,
        "int (1, m)": y.reshape(1, -1),
        "float (1, m)": y.reshape(1, -1).astype(float),
        "one-hot": np.eye(3)[:, y],
        "strings": np.array(["ant", "bee", "cat"])[y],
        "object strings": np.array(["ant", "bee", "cat"], dtype=object)[y],
    }
    fits = {}
    for name, Y in forms.items():
        net = xnn.Network([4, 6, 3], output="softmax", dtype="float64", seed=2)
        fits[name] = (net.fit(X, Y, 0.3, 20, batch_size=16, progress=False), net.parameters)
    costs, params = fits["int (m,)"]
    for name, (other_costs, other_params) in fits.items():
        assert other_costs == costs, name
        for key, value in params.items():
            np.testing.assert_array_equal(other_params[key], value, err_msg=f"{name} {key}")


def test_classes_are_the_sorted_labels_and_predict_maps_back():
    X, y = blobs(C=3, m=90)
    names = np.array(["setosa", "versicolor", "virginica"])
    net = xnn.Network([4, 8, 3], output="softmax", seed=1)
    net.fit(X, names[y], 0.3, 200, progress=False)
    np.testing.assert_array_equal(net.classes_, names)
    predicted = net.predict(X)
    assert predicted.shape == (1, 90) and predicted.dtype.kind == "U"
    accuracy = net.accuracy(X, names[y])
    assert np.mean(predicted[0] == names[y]) == pytest.approx(accuracy) and accuracy > 0.9
    proba = net.predict_proba(X)
    assert proba.shape == (3, 90) and np.allclose(proba.sum(axis=0), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(names[np.argmax(proba, axis=0)], predicted[0])


def test_numeric_classes_need_not_start_at_zero():
    X, y = blobs(C=3)
    net = xnn.Network([4, 3], output="softmax")
    net.fit(X, 10 * y + 3, 0.1, 5, progress=False)
    np.testing.assert_array_equal(net.classes_, [3, 13, 23])
    assert set(np.unique(net.predict(X))) <= {3, 13, 23} and net.predict(X).dtype == np.int64


def test_predict_before_any_labels_gives_indices_and_classes_can_be_set():
    X, y = blobs(C=3, m=12)
    net = xnn.Network([4, 3], output="softmax")
    assert net.classes_ is None and set(np.unique(net.predict(X))) <= {0, 1, 2}
    net.classes_ = ["c", "a", "b"]
    np.testing.assert_array_equal(net.classes_, ["a", "b", "c"])
    net.fit(X, np.array(["a", "a", "b"] * 4), 0.1, 2, progress=False)  # "c" absent: fine, classes_ known
    with pytest.raises(ValueError, match=r"classes_ needs 3 distinct labels"):
        net.classes_ = ["a", "b"]
    with pytest.raises(ValueError, match=r"classes_ belongs to a softmax output"):
        xnn.Network([4, 1]).classes_ = [0, 1]


def test_one_example_and_boolean_labels():
    X, y = blobs(C=3, m=12)
    single = xnn.Network([4, 3], output="softmax", dtype="float64")
    costs = single.fit(X[:, :1], np.eye(3)[:, [2]], 0.5, 3, progress=False)  # one-hot (C, 1)
    assert costs[-1] < costs[0] and single.predict(X[:, :1]).tolist() == [[2]]
    binary = xnn.Network([4, 2], output="softmax")
    binary.fit(X, y == 1, 0.1, 2, progress=False)
    assert binary.classes_.tolist() == [False, True] and binary.predict(X).dtype == bool


X4, Y4 = blobs(C=3, m=12)


@pytest.mark.parametrize(
    ("Y", "match"),
    [
        (np.arange(12) % 2, r"Y has 2 classes \[0, 1\] but the network has C = layer_dims\[-1\] = 3"),
        (np.arange(12) % 4, r"Y has 4 classes .* C = layer_dims\[-1\] = 3 output units"),
        (np.where(np.arange(12) == 3, np.nan, Y4), r"Y contains NaN or infinite labels"),
        (Y4 + 0.5, r"softmax labels must be class labels .* got non-integer values \[0\.5"),
        (-np.eye(3)[:, Y4], r"one-hot Y has negative entries"),
        (0.5 * np.eye(3)[:, Y4], r"one-hot Y has non-integer entries"),
        (np.eye(3)[:, Y4] + np.eye(3)[:, (Y4 + 1) % 3], r"one-hot Y column 0 has 2 ones"),
        (np.full((3, 12), np.nan), r"one-hot Y contains NaN"),
        (
            Y4.reshape(-1, 1),
            r"Y is \(12, 1\); a softmax output with C = 3 units takes labels \(m,\) or \(1, m\)",
        ),
        (Y4[:7], r"Y has 7 labels but X has 12 examples"),
        (np.array([0, "a"] * 6, dtype=object), r"Y mixes strings with int"),
    ],
)
def test_bad_labels_are_refused_with_what_was_expected(Y, match):
    with pytest.raises(ValueError, match=match):
        xnn.Network([4, 3], output="softmax").fit(X4, Y, 0.1, 1, progress=False)


def test_labels_outside_known_classes_are_refused():
    net = xnn.Network([4, 3], output="softmax")
    net.fit(X4, Y4, 0.1, 1, progress=False)
    with pytest.raises(ValueError, match=r"Y has labels \[7\] that are not among the network's classes_"):
        net.accuracy(X4, np.where(Y4 == 2, 7, Y4))
    with pytest.raises(ValueError, match=r"Y holds strings but the network's classes_ are \[0, 1, 2\]"):
        net.accuracy(X4, np.array(["a"] * 12))


# -- accuracy per example --------------------------------------------------------------------------
def test_softmax_accuracy_counts_examples_not_entries():
    X, y = blobs(C=10, m=50)
    net = xnn.Network([4, 10], output="softmax", dtype="float64")
    net.parameters = {"W1": np.zeros((10, 4)), "b1": np.arange(10.0).reshape(10, 1)}  # always class 9
    assert net.accuracy(X, y) == pytest.approx(np.mean(y == 9))  # not 0.9 + ...
    assert net.accuracy(X, np.eye(10)[:, y]) == net.accuracy(X, y)


def test_multi_label_sigmoid_accuracy_is_exact_match_as_sklearn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((4, 40)), (rng.random((3, 40)) > 0.5).astype(float)
    net = xnn.Network([4, 5, 3], output="sigmoid", dtype="float64", seed=4)
    net.fit(X, Y, 0.5, 30, progress=False)
    expected = metrics.accuracy_score(Y.T, net.predict(X).T)
    assert net.accuracy(X, Y) == pytest.approx(expected, abs=1e-12)
    assert expected < np.mean(Y == net.predict(X))  # the per-entry count would flatter it


# -- every backend, real data -------------------------------------------------------------------
def test_softmax_training_is_the_same_on_every_backend(be):
    X, y = blobs(C=4, m=24)
    oracle = xnn.Network([4, 5, 4], hidden="tanh", output="softmax", backend="numpy", dtype=be.dtype)
    net = xnn.Network([4, 5, 4], hidden="tanh", output="softmax", backend=be)
    expected = oracle.fit(X, y, 0.2, 4, batch_size=10, progress=False)
    np.testing.assert_allclose(
        net.fit(X, y, 0.2, 4, batch_size=10, progress=False), expected, **PARITY[be.dtype.name]
    )
    for key, value in oracle.parameters.items():
        np.testing.assert_allclose(net.parameters[key], value, **PARITY[be.dtype.name], err_msg=key)
    np.testing.assert_array_equal(net.predict(X), oracle.predict(X))


def test_ten_class_digits_with_adam_in_a_few_epochs():
    X_train, y_train, X_test, y_test = digits10()
    net = xnn.Network([64, 32, 16, 10], output="softmax", seed=0)
    costs = net.fit(X_train, y_train, 1e-3, 15, batch_size=64, optimizer="adam", progress=False)
    assert costs[-1] < 0.2 * costs[0]
    assert net.accuracy(X_test, y_test) >= 0.94
