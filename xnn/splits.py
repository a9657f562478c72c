"""The validation split: scikit-learn's seeded, shuffled splitter, stratified for class labels.

Works on column indices (examples are columns, the course's convention), so the caller gathers the
two sets wherever its data lives (host numpy or a backend's device). scikit-learn is the optional
`data` extra; its splitter is used as is, with the impossible cases caught first to say why.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from xnn.errors import require


def check_fraction(validation_fraction: Any) -> float:
    """A number strictly between 0 and 1."""
    ok = isinstance(validation_fraction, numbers.Real) and not isinstance(validation_fraction, bool)
    if not ok or not 0 < validation_fraction < 1:
        raise ValueError(
            f"validation_fraction must be a fraction strictly between 0 and 1 (e.g. 0.1), got "
            f"{validation_fraction!r}; pass None to train without a validation split"
        )
    return float(validation_fraction)


def class_labels(Y: np.ndarray) -> np.ndarray:
    """One label per example from Y (1, m) labels or a one-hot (C, m) matrix (argmax of each column)."""
    Y = np.asarray(Y)
    return Y[0] if Y.shape[0] == 1 else np.argmax(Y, axis=0)


def _check_stratifiable(labels: np.ndarray, n_val: int) -> None:
    """Every class must expect at least one example on each side, else the splitter may leave it out.

    scikit-learn's stratified splitter gives each class the floor or the ceiling of its expected
    count; a class expecting fewer than one validation (or training) example can get none.
    """
    classes, counts = np.unique(labels, return_counts=True)
    m = labels.size
    if counts.min() < 2:
        rare = classes[counts < 2][:5].tolist()
        raise ValueError(
            f"cannot stratify the validation split: class(es) {rare} have a single example, so one of "
            "the training and validation sets would miss them; collect more examples of those classes "
            "or pass validation_data explicitly"
        )
    short = (counts * n_val < m) | (counts * (m - n_val) < m)
    if short.any():
        c = int(counts.min())  # n_val works for every class iff m / c <= n_val <= m - m / c
        lo_n, hi_n = math.ceil(m / c), math.floor(m - m / c)
        fix = (
            "use a validation_fraction above {} and at most {}".format(*_inside((lo_n - 1) / m, hi_n / m))
            if lo_n <= hi_n
            else f"no validation_fraction can, with {m} examples"
        )
        raise ValueError(
            f"a validation set of {n_val} of {m} examples expects less than one example of class(es) "
            f"{classes[short][:5].tolist()} (the smallest class has {c} examples) on one side "
            f"of the split, which could then miss them; {fix}, or pass validation_data"
        )


def _inside(low: float, high: float) -> tuple[float, float]:
    """low rounded up and high rounded down to the fewest decimals (3 to 9) that keep low < high: the
    printed interval holds only fractions that work."""
    for digits in range(3, 10):
        scale = 10**digits
        up, down = math.ceil(low * scale) / scale, math.floor(high * scale) / scale
        if up < down:
            return up, down
    return low, high


def split_indices(
    m: int, validation_fraction: float, seed: int | None = None, labels: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) column indices of m examples, shuffled with `seed`, stratified by `labels`."""
    fraction = check_fraction(validation_fraction)
    n_val = math.ceil(fraction * m)  # scikit-learn's rounding of a fractional test_size
    if m < 2 or n_val >= m:
        raise ValueError(
            f"cannot split {m} example(s) with validation_fraction={fraction}: both sets need at least one"
        )
    if labels is not None:
        labels = np.asarray(labels).reshape(-1)
        _check_stratifiable(labels, n_val)
    model_selection = require("sklearn.model_selection", "data", "the validation split")
    train, val = model_selection.train_test_split(
        np.arange(m), test_size=fraction, random_state=seed, shuffle=True, stratify=labels
    )
    if labels is not None:
        check_same_classes(labels[train], labels[val])
    return train, val


def check_same_classes(train_labels: np.ndarray, val_labels: np.ndarray) -> None:
    """The validation set holds every training class and no other: else a ValueError naming them."""
    train_classes, val_classes = np.unique(train_labels), np.unique(val_labels)
    missing = np.setdiff1d(train_classes, val_classes)
    if missing.size:
        raise ValueError(
            f"the validation set has no example of class(es) {missing[:10].tolist()} "
            f"({val_classes.size} of {train_classes.size} classes present), so its accuracy would not "
            "measure them; use a larger or stratified validation set (validation_fraction does that)"
        )
    unseen = np.setdiff1d(val_classes, train_classes)
    if unseen.size:
        raise ValueError(
            f"the validation set has class(es) {unseen[:10].tolist()} that the training data lacks; "
            "the network cannot predict them: train on every class"
        )


def split(
    X: np.ndarray, Y: np.ndarray, validation_fraction: float, seed: int | None = None, stratify: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, Y_train, X_val, Y_val) from host X (n_x, m), Y (n_L, m); stratified on Y's classes."""
    labels = class_labels(Y) if stratify else None
    train, val = split_indices(np.asarray(X).shape[1], validation_fraction, seed, labels)
    return X[:, train], Y[:, train], X[:, val], Y[:, val]
