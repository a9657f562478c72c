"""Train digits to a fixed test accuracy: xnn on a backend, scikit-learn's MLPClassifier (adam, lbfgs).

Every learner gets the same standardised split and the same hidden layers. The clock runs only
while a learner trains; the test accuracy is read after every epoch (lbfgs: after each fit with a
larger max_iter, from scratch) with the clock stopped. CLASSES picks the task: 10-class digits
(softmax, Adam) or even vs odd (sigmoid, gradient descent).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import xnn
from xnn.datasets import load_digits, load_digits10

Split = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Task:
    """What to learn and the test accuracy that counts as learned."""

    name: str
    classes: int
    target: float
    output: str  # the network's output activation
    hidden: tuple[int, ...] = (32, 16)
    learning_rate: float = 0.2
    batch_size: int = 128
    optimizer: str = "gd"

    def layer_dims(self, n_x: int) -> list[int]:
        """[n_x, *hidden, n_out]: one output unit for two classes, one per class otherwise."""
        return [n_x, *self.hidden, 1 if self.classes == 2 else self.classes]


TASKS = {
    2: Task("digits, even vs odd", 2, target=0.96, output="sigmoid"),
    10: Task("digits, 10 classes", 10, target=0.97, output="softmax", learning_rate=0.01, optimizer="adam"),
}
CLASSES = 10  # 10-class digits (softmax); 2 for the even/odd task


def digits_split(task: Task, seed: int = 0) -> Split:
    """(X_train, Y_train, X_test, Y_test) columns from xnn.datasets: the same split for 2 and 10 classes."""
    return (load_digits if task.classes == 2 else load_digits10)(seed=seed)


def labels(Y: np.ndarray) -> np.ndarray:
    """scikit-learn's 1-D labels from course columns: Y (1, m) of class numbers, or one-hot (classes, m)."""
    return Y.ravel().astype(int) if Y.shape[0] == 1 else Y.argmax(axis=0)


@dataclass
class Curve:
    """Test accuracy after each epoch against the training seconds spent so far."""

    target: float
    seconds: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)

    def add(self, seconds: float, accuracy: float) -> bool:
        """Record a point; True once the target is reached."""
        self.seconds.append(seconds)
        self.accuracy.append(accuracy)
        return accuracy >= self.target

    def summary(self) -> dict[str, Any]:
        """What the report reads: time to target (None if missed), epochs, best accuracy, the curve."""
        hit = next((i for i, a in enumerate(self.accuracy) if a >= self.target), None)
        return {
            "target": self.target,
            "reached": hit is not None,
            "time_to_target_s": None if hit is None else self.seconds[hit],
            "epochs": len(self.accuracy) if hit is None else hit + 1,
            "best_accuracy": max(self.accuracy, default=0.0),
            "train_s": self.seconds[-1] if self.seconds else 0.0,
            "curve": [[round(s, 6), round(a, 4)] for s, a in zip(self.seconds, self.accuracy, strict=True)],
        }


def until_target(
    trained: Callable[[int], float],
    accuracy: Callable[[], float],
    task: Task,
    max_s: float,
    max_epochs: int = 500,
) -> Curve:
    """trained(i) trains the i-th epoch (or try) and returns the training seconds so far; accuracy()
    reads the test accuracy. Stops at the target, after max_s of wall time, or after max_epochs."""
    curve, start = Curve(task.target), time.perf_counter()
    for i in range(1, max_epochs + 1):
        if curve.add(trained(i), accuracy()) or time.perf_counter() - start > max_s:
            break
    return curve


def _clock() -> Callable[[Callable[[], Any]], float]:
    """A stopwatch that adds up the seconds of the calls it times."""
    total = [0.0]

    def timed(fn: Callable[[], Any]) -> float:
        start = time.perf_counter()
        fn()
        total[0] += time.perf_counter() - start
        return total[0]

    return timed


def train_xnn(backend: str, dtype: str, task: Task, split: Split, max_s: float) -> Curve:
    """Mini-batch gradient descent with xnn, one epoch per fit call (reshuffled), accuracy after each."""
    X_train, Y_train, X_test, Y_test = split
    dims = task.layer_dims(X_train.shape[0])
    net = xnn.Network(dims, output=task.output, seed=0, backend=backend, dtype=dtype)
    clock = _clock()

    def trained(i: int) -> float:
        return clock(
            lambda: net.fit(
                X_train,
                Y_train,
                learning_rate=task.learning_rate,
                iterations=1,
                batch_size=task.batch_size,
                print_every=None,
                progress=False,
                shuffle_seed=i,
                optimizer=task.optimizer,
            )
        )

    return until_target(trained, lambda: net.accuracy(X_test, Y_test), task, max_s)


def _mlp(task: Task, solver: str, **options: Any) -> Any:
    """scikit-learn's MLPClassifier with the task's hidden layers, its defaults otherwise."""
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=task.hidden, solver=solver, random_state=0, **options)


def train_sklearn_adam(task: Task, split: Split, max_s: float) -> Curve:
    """scikit-learn adam (its default mini-batches and step size), one partial_fit epoch at a time."""
    X_train, Y_train, X_test, Y_test = split
    X, y, X_t, y_t = X_train.T, labels(Y_train), X_test.T, labels(Y_test)
    clf, clock, classes = _mlp(task, "adam"), _clock(), np.unique(np.concatenate([y, y_t]))
    return until_target(
        lambda i: clock(lambda: clf.partial_fit(X, y, classes=classes)),
        lambda: clf.score(X_t, y_t),
        task,
        max_s,
    )


def train_sklearn_lbfgs(task: Task, split: Split, max_s: float, step: int = 2) -> Curve:
    """scikit-learn lbfgs (full batch): fresh fits with max_iter = 2, 4, 6, ...; a try's time is its fit's."""
    from sklearn.exceptions import ConvergenceWarning

    X_train, Y_train, X_test, Y_test = split
    X, y, X_t, y_t = X_train.T, labels(Y_train), X_test.T, labels(Y_test)
    fitted: list[Any] = []

    def trained(i: int) -> float:
        fitted[:] = [_mlp(task, "lbfgs", max_iter=step * i)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # stopping early is the point
            start = time.perf_counter()
            fitted[0].fit(X, y)
            return time.perf_counter() - start

    return until_target(trained, lambda: fitted[0].score(X_t, y_t), task, max_s)
