"""The training workflow, measured: digits10 with a validation split and early stopping (against
scikit-learn's MLPClassifier on the same split), a RandomizedSearchCV over NetworkClassifier, and the
README's example images (docs/images/history_digits10.png, docs/images/boundary_moons.png).

Run from the repository root: python docs/workflow_examples.py   (needs xnn[data,plot])
"""

from __future__ import annotations

import pathlib
import time
import warnings

import numpy as np
from scipy.stats import loguniform
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import RandomizedSearchCV
from sklearn.neural_network import MLPClassifier

from xnn import Network
from xnn.datasets import load_digits10, load_moons
from xnn.plot import plot_decision_boundary, plot_history
from xnn.sklearn import NetworkClassifier

IMAGES = pathlib.Path(__file__).resolve().parent / "images"
SEEDS = range(5)


def digits_with_early_stopping(data: tuple) -> Network:
    """xnn [64, 64, 10] with Adam, validation_fraction=0.1, early_stopping=True, five seeds."""
    X_train, Y_train, X_test, Y_test = data
    accuracies, nets = [], []
    for seed in SEEDS:
        net = Network([64, 64, 10], hidden="relu", output="softmax", seed=seed, backend="numpy")
        start = time.perf_counter()
        net.fit(X_train, Y_train, learning_rate=1e-3, iterations=1000, batch_size=64, optimizer="adam",
                validation_fraction=0.1, early_stopping=True, progress=False)  # fmt: skip
        h, seconds = net.history_, time.perf_counter() - start
        accuracies.append(net.accuracy(X_test, Y_test))
        nets.append(net)
        print(f"  seed {seed}: stopped at epoch {h.stopped_epoch} of 1000 (kept epoch {h.best_epoch}), "
              f"best val accuracy {h.best_validation_score_:.4f}, test accuracy {accuracies[-1]:.4f}, "
              f"{seconds:.1f} s")  # fmt: skip
    print(f"xnn digits10 test accuracy: mean {np.mean(accuracies):.4f}, min {np.min(accuracies):.4f}")
    return nets[0]


def sklearn_mlp_baseline(data: tuple) -> None:
    """MLPClassifier(early_stopping=True) on the same split, for comparison."""
    X_train, Y_train, X_test, Y_test = data
    scores = [
        MLPClassifier(early_stopping=True, random_state=seed, max_iter=1000)
        .fit(X_train.T, Y_train[0])
        .score(X_test.T, Y_test[0])
        for seed in SEEDS
    ]
    print(f"sklearn MLPClassifier(early_stopping=True) test accuracy: mean {np.mean(scores):.4f}, "
          f"min {np.min(scores):.4f}")  # fmt: skip


def randomized_search(data: tuple) -> None:
    """RandomizedSearchCV over learning_rate_init (log-uniform) and alpha on NetworkClassifier."""
    X_train, Y_train, X_test, Y_test = data
    search = RandomizedSearchCV(
        NetworkClassifier(hidden_layer_sizes=(64,), max_iter=200, random_state=0),
        {"learning_rate_init": loguniform(1e-4, 1e-1), "alpha": loguniform(1e-6, 1e0)},
        n_iter=10,
        cv=3,
        random_state=0,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X_train.T, Y_train[0])
    seconds = time.perf_counter() - start
    best = {k: float(f"{v:.3g}") for k, v in search.best_params_.items()}
    print(f"RandomizedSearchCV (10 candidates x 3 folds): best {best}, cv accuracy {search.best_score_:.4f}, "
          f"test accuracy {search.score(X_test.T, Y_test[0]):.4f}, {seconds:.1f} s")  # fmt: skip


def moons_boundary() -> None:
    """A small tanh network on moons, and its decision boundary over every example."""
    X_train, Y_train, X_test, Y_test = load_moons()
    net = Network([2, 16, 16, 1], hidden="tanh", init="xavier", seed=0, backend="numpy")
    net.fit(X_train, Y_train, learning_rate=0.01, iterations=500, batch_size=32, optimizer="adam",
            validation_fraction=0.2, progress=False)  # fmt: skip
    print(f"moons test accuracy {net.accuracy(X_test, Y_test):.4f}")
    X, Y = np.hstack([X_train, X_test]), np.hstack([Y_train, Y_test])
    plot_decision_boundary(net, X, Y, IMAGES / "boundary_moons.png", title="moons: [2, 16, 16, 1] tanh, Adam")


def main() -> None:
    IMAGES.mkdir(exist_ok=True)
    data = load_digits10()
    net = digits_with_early_stopping(data)
    plot_history(net.history_, IMAGES / "history_digits10.png",
                 title="digits10: [64, 64, 10], Adam, validation_fraction=0.1, early_stopping")  # fmt: skip
    sklearn_mlp_baseline(data)
    randomized_search(data)
    moons_boundary()


if __name__ == "__main__":
    main()
