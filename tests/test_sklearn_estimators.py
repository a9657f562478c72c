"""NetworkClassifier and NetworkRegressor: scikit-learn's own estimator checks, and use in its tools."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the estimators need scikit-learn (xnn[data])")
from scipy.stats import loguniform  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_iris, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning, NotFittedError  # noqa: E402
from sklearn.model_selection import RandomizedSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from xnn.sklearn import EXPECTED_FAILED_CHECKS, NetworkClassifier, NetworkRegressor  # noqa: E402

# the checks' tiny data and the short runs here end at max_iter: scikit-learn warns there, so do we
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# small but able: the checks fit dozens of times, and demand accuracy > 0.83 / R^2 > 0.5
CHECKED = [
    NetworkClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=200, random_state=0),
    NetworkRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=300, random_state=0),
]


@parametrize_with_checks(CHECKED, expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, np.array(["setosa", "versicolor", "virginica"])[y]  # string labels go through classes_


def test_multiclass_string_labels_probabilities_and_classes(iris):
    X, y = iris
    clf = make_pipeline(StandardScaler(), NetworkClassifier((16,), learning_rate_init=0.01, random_state=0))
    clf.fit(X, y)
    net_clf = clf[-1]
    assert list(net_clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert net_clf.network_.layer_dims == [4, 16, 3] and net_clf.network_.activations[-1] == "softmax"
    P = clf.predict_proba(X)
    assert P.shape == (150, 3) and np.allclose(P.sum(axis=1), 1.0, atol=1e-6)
    assert np.array_equal(clf.predict(X), net_clf.classes_[P.argmax(axis=1)])
    assert clf.score(X, y) > 0.9


def test_binary_uses_one_sigmoid_unit_and_two_probability_columns():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    clf = NetworkClassifier((8,), learning_rate_init=0.01, random_state=0).fit(X, y)
    assert clf.network_.layer_dims[-1] == 1 and clf.network_.activations[-1] == "sigmoid"
    P = clf.predict_proba(X)
    assert P.shape == (200, 2) and np.allclose(P.sum(axis=1), 1.0)
    assert clf.score(X, y) > 0.95
    assert np.allclose(np.exp(clf.predict_log_proba(X)), P)


def test_alpha_is_the_networks_lambd_and_hyperparameters_reach_it():
    clf = NetworkClassifier((5, 4), activation="tanh", alpha=0.3, keep_prob=0.9, random_state=1)
    clf.fit(np.random.default_rng(0).normal(size=(40, 3)), np.arange(40) % 2)
    net = clf.network_
    assert net.lambd == 0.3 and net.keep_prob == (0.9, 0.9)
    assert net.layer_dims == [3, 5, 4, 1] and net.activations == ["tanh", "tanh", "sigmoid"]
    assert net.dtype == "float64"  # X's dtype, as scikit-learn's MLP


def test_early_stopping_fills_sklearns_validation_attributes(iris):
    X, y = iris
    X = StandardScaler().fit_transform(X)
    clf = NetworkClassifier(
        (16,), learning_rate_init=0.01, max_iter=500, random_state=0,
        early_stopping=True, validation_fraction=0.2, n_iter_no_change=5,
    ).fit(X, y)  # fmt: skip
    assert clf.n_iter_ < 500 and len(clf.validation_scores_) == len(clf.loss_curve_) == clf.n_iter_
    assert clf.best_validation_score_ == max(clf.validation_scores_) and clf.best_loss_ is None
    plain = NetworkClassifier((16,), max_iter=30, random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_iter=30 epochs reached"):
        plain.fit(X, y)
    assert plain.validation_scores_ is None and plain.best_loss_ == min(plain.loss_curve_)


def test_cross_val_score_and_randomized_search_run_end_to_end(iris):
    X, y = iris
    net = NetworkClassifier((16,), learning_rate_init=0.01, max_iter=200, random_state=0)
    pipe = make_pipeline(StandardScaler(), net)
    scores = cross_val_score(pipe, X, y, cv=3)
    search = RandomizedSearchCV(
        pipe,
        {
            "networkclassifier__learning_rate_init": loguniform(1e-3, 1e-1),
            "networkclassifier__alpha": loguniform(1e-5, 1e-1),
        },  # fmt: skip
        n_iter=3,
        cv=3,
        random_state=0,
    ).fit(X, y)
    assert scores.shape == (3,) and scores.mean() > 0.8
    assert set(search.best_params_) == {"networkclassifier__learning_rate_init", "networkclassifier__alpha"}
    assert search.best_score_ > 0.8 and search.best_estimator_.score(X, y) > 0.8


def test_regressor_single_and_multi_output():
    X, y = make_regression(n_samples=200, n_features=4, n_targets=2, noise=0.1, random_state=0)
    y = y / y.std(axis=0)
    reg = NetworkRegressor((32,), learning_rate_init=0.01, max_iter=300, random_state=0).fit(X, y)
    assert reg.predict(X).shape == (200, 2) and reg.score(X, y) > 0.9
    one = clone(reg).fit(X, y[:, 0])
    assert one.predict(X).shape == (200,) and one.network_.activations[-1] == "linear"


def test_pickle_round_trip_predicts_the_same(iris):
    X, y = iris
    clf = NetworkClassifier((8,), max_iter=20, random_state=0).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    assert np.array_equal(again.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"hidden_layer_sizes": (4, 0)}, "hidden_layer_sizes must be positive integers"),
        ({"batch_size": 0}, "batch_size must be 'auto' or an integer >= 1"),
        ({"solver": "lbfgs"}, "lbfgs"),
        ({"early_stopping": True, "validation_fraction": 1.0}, "strictly between 0 and 1"),
    ],
)
def test_bad_hyperparameters_say_what_is_expected(params, match):
    X, y = np.random.default_rng(0).normal(size=(30, 2)), np.arange(30) % 2
    with pytest.raises(ValueError, match=match):
        NetworkClassifier(max_iter=2, **params).fit(X, y)


def test_single_class_and_unfitted_use_are_refused():
    with pytest.raises(ValueError, match="only one class"):
        NetworkClassifier().fit(np.zeros((4, 2)), np.ones(4))
    with pytest.raises(NotFittedError):
        NetworkClassifier().predict(np.zeros((1, 2)))


def test_a_backend_instance_sets_the_dtype_whatever_the_data(iris):
    """float64 data into an estimator given a float32 backend instance: the instance's dtype wins
    (the data's dtype is only a default for backends given by name)."""
    import backends

    X, y = iris
    clf = NetworkClassifier(
        hidden_layer_sizes=(8,), max_iter=3, backend=backends.get_backend("numpy", "float32")
    )
    with pytest.warns(ConvergenceWarning):
        clf.fit(X.astype(np.float64), y)
    assert clf.network_.be.dtype == np.float32
    assert clf.predict(X).shape == (X.shape[0],)
