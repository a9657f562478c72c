"""The course's "Improving Deep Neural Networks" results, reproduced with xnn on any backend.

    python examples/improving_deep_networks.py [--backends numpy numba] [--only moons|digits]

moons: scikit-learn's make_moons(300, noise=0.2) after np.random.seed(3) (the course's data), a
[2, 5, 2, 1] ReLU/ReLU/sigmoid net, mini-batches of 64 for 5,000 epochs: plain gradient descent and
momentum at lr 0.0007 barely learn (0.7167 train accuracy), Adam reaches 0.9433, and gradient descent
at lr 0.1 with schedule_lr_decay(decay_rate=1, time_interval=1000) 0.9433 -- the course's numbers,
from the course's He weights (np.random.seed(3), randn * sqrt(2 / n[l-1])). The same runs from
xnn's own seeded He draw (Network(seed=0)) start elsewhere and end elsewhere: a small net at a
small learning rate is at the mercy of its initial weights.
digits10: scikit-learn's 8x8 digits, 10 classes, [64, 32, 16, 10] ReLU + softmax, He init: full-batch
gradient descent at lr 0.1 for 1,000 iterations, and Adam at lr 1e-3 with mini-batches of 64 for
100 epochs (needs scikit-learn: pip install "xnn[data]").
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import xnn
from xnn.datasets import load_digits10


def course_moons() -> tuple[np.ndarray, np.ndarray]:
    """The course's load_dataset(): make_moons drawn from NumPy's global generator seeded with 3."""
    from sklearn.datasets import make_moons

    np.random.seed(3)  # noqa: NPY002 - the course's legacy global seed, on purpose
    X, y = make_moons(n_samples=300, noise=0.2)
    return X.T, y.reshape(1, -1).astype(np.float64)


MOONS = {
    "gd lr 0.0007": {"learning_rate": 0.0007},
    "momentum lr 0.0007": {"learning_rate": 0.0007, "optimizer": "momentum", "beta": 0.9},
    "adam lr 0.0007": {"learning_rate": 0.0007, "optimizer": "adam"},
    "gd lr 0.1 + schedule_lr_decay": {"learning_rate": 0.1, "decay": "scheduled", "time_interval": 1000},
}


def course_he_weights(layer_dims: list[int]) -> dict[str, np.ndarray]:
    """The course's initialize_parameters (opt_utils): np.random.seed(3), W = randn * sqrt(2 / n[l-1])."""
    np.random.seed(3)  # noqa: NPY002
    params = {}
    for layer in range(1, len(layer_dims)):
        W = np.random.randn(layer_dims[layer], layer_dims[layer - 1])  # noqa: NPY002
        params[f"W{layer}"] = W * np.sqrt(2 / layer_dims[layer - 1])
        params[f"b{layer}"] = np.zeros((layer_dims[layer], 1))
    return params


def moons(backend: str) -> None:
    X, Y = course_moons()
    for init in ("course", "xnn"):
        for name, options in MOONS.items():
            net = xnn.Network([2, 5, 2, 1], hidden="relu", init="he", seed=0, backend=backend)
            if init == "course":
                net.parameters = course_he_weights(net.layer_dims)
            start = time.perf_counter()
            costs = net.fit(X, Y, iterations=5000, batch_size=64, progress=False, **options)
            seconds = time.perf_counter() - start
            report(f"moons {name} ({init} He)", backend, costs, seconds, net.accuracy(X, Y), None)


DIGITS = {
    "gd lr 0.1 full batch x1000": {"learning_rate": 0.1, "iterations": 1000},
    "adam lr 1e-3 batch 64 x100": {
        "learning_rate": 1e-3,
        "iterations": 100,
        "batch_size": 64,
        "optimizer": "adam",
    },
}


def digits(backend: str) -> None:
    X_train, y_train, X_test, y_test = load_digits10()
    for name, options in DIGITS.items():
        net = xnn.Network([64, 32, 16, 10], hidden="relu", output="softmax", init="he", backend=backend)
        start = time.perf_counter()
        costs = net.fit(X_train, y_train, progress=False, **options)
        seconds = time.perf_counter() - start
        report(
            f"digits10 {name}",
            backend,
            costs,
            seconds,
            net.accuracy(X_train, y_train),
            net.accuracy(X_test, y_test),
        )


def report(what: str, backend: str, costs: list, seconds: float, train: float, test: float | None) -> None:
    tested = "" if test is None else f"  test {test:.4f}"
    print(
        f"{what:<42} {backend:<6} cost {costs[-1]:.4f}  train {train:.4f}{tested}  ({seconds:.1f} s)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["numpy"])
    parser.add_argument("--only", choices=("moons", "digits"))
    args = parser.parse_args()
    for backend in args.backends:
        if args.only in (None, "moons"):
            moons(backend)
        if args.only in (None, "digits"):
            digits(backend)


if __name__ == "__main__":
    main()
