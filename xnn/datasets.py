"""Offline datasets as (X (n_x, m), Y (1, m)) float64 columns: the course's planar flower, scikit-learn's
bundled sets (breast cancer, digits as even/odd or as 10 classes) and generators (moons, circles), and
the course's HDF5 image files. sklearn and h5py are optional (xnn[data]).
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from xnn.errors import require

Split = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def load_planar_dataset(m: int = 400, seed: int = 1, noise: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """The course's "flower": X (2, m), Y (1, m); two classes on alternating petals of r = 4 sin(4t)."""
    if m < 2 or m % 2:
        raise ValueError(f"planar dataset: m must be an even number >= 2, got {m}")
    rng = np.random.default_rng(seed)
    half = m // 2
    X, Y = np.zeros((2, m)), np.zeros((1, m))
    for label in (0, 1):
        # class `label` sweeps angles [3.12 label, 3.12 (label + 1)]: four petals, two per class
        t = np.linspace(3.12 * label, 3.12 * (label + 1), half) + rng.standard_normal(half) * noise
        r = 4 * np.sin(4 * t) + rng.standard_normal(half) * noise
        cols = slice(half * label, half * (label + 1))
        X[0, cols], X[1, cols] = r * np.sin(t), r * np.cos(t)
        Y[0, cols] = label
    return X, Y


def train_test_split(X: np.ndarray, Y: np.ndarray, test_size: float = 0.2, seed: int = 0) -> Split:
    """Columns shuffled with a seeded rng, the last `test_size` fraction held out."""
    if not 0 < test_size < 1:
        raise ValueError(f"test_size must be a fraction in (0, 1), got {test_size}")
    m = X.shape[1]
    order = np.random.default_rng(seed).permutation(m)
    n_test = max(1, round(m * test_size))
    train, test = order[: m - n_test], order[m - n_test :]
    return X[:, train], Y[:, train], X[:, test], Y[:, test]


def standardize(X_train: np.ndarray, X_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both sets scaled with the training set's per-feature mean and std (constant features left at 0)."""
    mean = X_train.mean(axis=1, keepdims=True)
    std = X_train.std(axis=1, keepdims=True)
    std[std == 0] = 1.0
    return (X_train - mean) / std, (X_test - mean) / std


def _sklearn_split(
    features: np.ndarray, labels: np.ndarray, test_size: float, seed: int, label_dtype: type = np.float64
) -> Split:
    """sklearn's (m, n_x) rows -> standardised course columns, split into train and test."""
    X, Y = features.T.astype(np.float64), labels.reshape(1, -1).astype(label_dtype)
    X_train, Y_train, X_test, Y_test = train_test_split(X, Y, test_size, seed)
    X_train, X_test = standardize(X_train, X_test)
    return X_train, Y_train, X_test, Y_test


def load_breast_cancer(test_size: float = 0.2, seed: int = 0) -> Split:
    """Wisconsin breast cancer (569 x 30): Y = 1 benign, 0 malignant (sklearn's coding); standardised."""
    sk = require("sklearn.datasets", "data", "the breast_cancer dataset")
    data = sk.load_breast_cancer()
    return _sklearn_split(data.data, data.target, test_size, seed)


def load_digits(test_size: float = 0.2, seed: int = 0) -> Split:
    """8x8 digits (1797 x 64) as a binary task: Y = 1 for an even digit, 0 for odd; standardised."""
    sk = require("sklearn.datasets", "data", "the digits dataset")
    data = sk.load_digits()
    return _sklearn_split(data.data, (data.target % 2 == 0), test_size, seed)


def load_digits10(test_size: float = 0.2, seed: int = 0) -> Split:
    """8x8 digits (1797 x 64), all 10 classes: Y int64 (1, m) in 0..9; same split and scaling as digits."""
    sk = require("sklearn.datasets", "data", "the digits10 dataset")
    data = sk.load_digits()
    return _sklearn_split(data.data, data.target, test_size, seed, label_dtype=np.int64)


def _check_generator(m: int, noise: float) -> None:
    """m >= 2 examples and a finite noise >= 0, before sklearn sees them."""
    if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 2:
        raise ValueError(f"m must be an integer >= 2 (both classes need examples), got {m!r}")
    if (
        isinstance(noise, bool)
        or not isinstance(noise, numbers.Real)
        or not math.isfinite(noise)
        or noise < 0
    ):
        raise ValueError(f"noise must be a finite number >= 0 (the std of the added noise), got {noise!r}")


def make_moons(m: int = 300, noise: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (sklearn's make_moons): X (2, m), Y (1, m) in {0, 1}; seeded."""
    _check_generator(m, noise)
    sk = require("sklearn.datasets", "data", "the moons dataset")
    X, y = sk.make_moons(n_samples=int(m), noise=float(noise), random_state=seed)
    return X.T.astype(np.float64), y.reshape(1, -1).astype(np.float64)


def make_circles(
    m: int = 300, noise: float = 0.1, factor: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """sklearn's make_circles: an inner circle (Y = 1), `factor` x the outer's radius. X (2, m), Y (1, m)."""
    _check_generator(m, noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor (inner radius / outer radius) must be in (0, 1), got {factor!r}")
    sk = require("sklearn.datasets", "data", "the circles dataset")
    X, y = sk.make_circles(n_samples=int(m), noise=float(noise), factor=float(factor), random_state=seed)
    return X.T.astype(np.float64), y.reshape(1, -1).astype(np.float64)


def load_moons(test_size: float = 0.2, seed: int = 0) -> Split:
    """make_moons() (m=300, noise=0.2, data seed 0) split by `seed`; unscaled (already O(1))."""
    return train_test_split(*make_moons(), test_size, seed)


def load_circles(test_size: float = 0.2, seed: int = 0) -> Split:
    """make_circles() (m=300, noise=0.1, factor=0.5, data seed 0) split by `seed`; unscaled (O(1))."""
    return train_test_split(*make_circles(), test_size, seed)


def _h5_array(f: Any, key: str, path: str) -> np.ndarray:
    """The numeric array stored under `key` (not a group, not strings)."""
    node = f[key]
    if not hasattr(node, "dtype"):
        raise ValueError(f"{path!r}: {key} is a group, expected an array")
    if node.dtype.kind not in "biuf":
        raise ValueError(f"{path!r}: {key} holds {node.dtype} values, expected numbers")
    return np.asarray(node)


def _open_h5(path: str) -> Any:
    """The h5py.File at `path`, read-only; ValueError naming the path if it is not HDF5."""
    h5py = require("h5py", "data", "reading HDF5 datasets")
    try:
        return h5py.File(path, "r")
    except OSError as e:
        raise ValueError(f"{path!r} is not a readable HDF5 file ({e})") from e


def _read_h5(path: str, split: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(x, y) from `{split}_set_x` / `{split}_set_y` in an HDF5 file, or None if it has no such split."""
    with _open_h5(path) as f:
        if f"{split}_set_x" not in f:
            return None
        if f"{split}_set_y" not in f:
            raise ValueError(f"{path!r} has {split}_set_x but no {split}_set_y")
        return _h5_array(f, f"{split}_set_x", path), _h5_array(f, f"{split}_set_y", path)


def _h5_columns(x: np.ndarray, y: np.ndarray, path: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (m, ...) flattened to columns (n_x, m) scaled by 1/255; labels to (1, m)."""
    if x.ndim < 2 or x.shape[0] == 0 or x[0].size == 0:
        raise ValueError(
            f"{path!r}: {split}_set_x has shape {x.shape}; expected one row per example, e.g. images "
            "(m, height, width, channels) or features (m, n_x), with m >= 1"
        )
    if x.shape[0] != y.size:
        raise ValueError(
            f"{path!r}: {x.shape[0]} images in {split}_set_x but {y.size} labels in {split}_set_y"
        )
    return x.reshape(x.shape[0], -1).T.astype(np.float64) / 255.0, y.reshape(1, -1).astype(np.float64)


def _test_file(train_path: str) -> str:
    """The course's pairing: train_catvnoncat.h5 -> test_catvnoncat.h5 in the same folder."""
    folder, name = os.path.split(train_path)
    if "train" not in name:
        raise ValueError(f"{train_path!r} has no test_set_x; pass test_path (the course's test_*.h5 file)")
    test_path = os.path.join(folder, name.replace("train", "test", 1))
    if not os.path.isfile(test_path):
        raise ValueError(f"{train_path!r} has no test_set_x and {test_path!r} does not exist; pass test_path")
    return test_path


def load_h5_dataset(train_path: str, test_path: str | None = None) -> Split:
    """The course's HDF5 format (train_set_x/y, test_set_x/y, list_classes) -> X (n_x, m) / 255, Y (1, m).

    Without test_path the test split is read from the same file if it has one, else from the file
    named like train_path with "train" replaced by "test".
    """
    for path in (train_path, test_path):
        if path is not None and not os.path.isfile(path):
            raise FileNotFoundError(f"no such HDF5 file: {path!r}")
    train = _read_h5(train_path, "train")
    if train is None:
        raise ValueError(f"{train_path!r} has no train_set_x; expected the course's HDF5 layout")
    X_train, Y_train = _h5_columns(*train, train_path, "train")
    test = _read_h5(test_path or train_path, "test")
    if test is None and test_path is None:
        test = _read_h5(_test_file(train_path), "test")
    if test is None:
        raise ValueError(f"{test_path or train_path!r} has no test_set_x")
    return X_train, Y_train, *_h5_columns(*test, test_path or train_path, "test")


def load_h5_classes(path: str) -> list[str]:
    """The class names stored in list_classes (e.g. ["non-cat", "cat"])."""
    with _open_h5(path) as f:
        if "list_classes" not in f:
            raise ValueError(f"{path!r} has no list_classes (the course's files store the class names there)")
        return [c.decode() if isinstance(c, bytes) else str(c) for c in np.asarray(f["list_classes"]).ravel()]


def load_planar_split(test_size: float = 0.2, seed: int = 0) -> Split:
    """The planar flower (m=400) split into train and test columns, unscaled (already centred, O(1))."""
    X, Y = load_planar_dataset()
    return train_test_split(X, Y, test_size, seed)


DATASETS: dict[str, Callable[..., Split]] = {
    "planar": load_planar_split,
    "breast_cancer": load_breast_cancer,
    "digits": load_digits,
    "digits10": load_digits10,
    "moons": load_moons,
    "circles": load_circles,
}


def load_dataset(name: str, seed: int = 0) -> Split:
    """(X_train, Y_train, X_test, Y_test) for a name in DATASETS or "h5:TRAIN[,TEST]"."""
    if name.startswith("h5:"):
        train, _, test = name[3:].partition(",")
        return load_h5_dataset(train, test or None)
    if name not in DATASETS:
        raise ValueError(
            f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)} or h5:TRAIN.h5[,TEST.h5]"
        )
    return DATASETS[name](seed=seed)
