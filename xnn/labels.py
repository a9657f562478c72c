"""Class labels for a softmax output, on the host: integer, string or one-hot in; one-hot (C, m) out.

Accepted forms: labels (m,) or (1, m) of integers (integral floats too) or strings, or one-hot (C, m).
The sorted unique labels are the network's `classes_`: output unit k stands for classes_[k].
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _label_row(Y: np.ndarray, C: int) -> np.ndarray | None:
    """Y as a label vector (m,), or None when Y is one-hot (C, m)."""
    if Y.ndim == 1:
        return Y
    if Y.ndim == 2 and Y.shape[0] == 1:
        return Y[0]
    if Y.ndim == 2 and Y.shape[0] == C:
        return None
    raise ValueError(
        f"Y is {Y.shape}; a softmax output with C = {C} units takes labels (m,) or (1, m), "
        f"or one-hot labels ({C}, m); reshape column labels with Y.reshape(1, -1)"
    )


def _clean_labels(labels: np.ndarray) -> np.ndarray:
    """Labels as int64 (numbers, which must be whole), bool, or str; NaN and other kinds refused."""
    if labels.dtype.kind in "US":
        return labels.astype(str)
    if labels.dtype.kind == "O":
        if not all(isinstance(v, str) for v in labels):
            kinds = sorted({type(v).__name__ for v in labels if not isinstance(v, str)})
            raise ValueError(
                f"Y mixes strings with {', '.join(kinds)}; labels must be all numbers or all strings"
            )
        return labels.astype(str)
    if labels.dtype.kind == "b":
        return labels
    if labels.dtype.kind not in "iuf":
        raise ValueError(f"Y must hold integer or string labels, got dtype {labels.dtype}")
    if not np.isfinite(labels).all():
        raise ValueError("Y contains NaN or infinite labels; drop or fix those examples before training")
    if labels.dtype.kind == "f" and (labels != np.round(labels)).any():
        bad = np.unique(labels[labels != np.round(labels)])[:5].tolist()
        raise ValueError(
            f"softmax labels must be class labels (integers or strings), got non-integer values {bad}; "
            "use output='linear' for regression targets"
        )
    return labels.astype(np.int64)


def _check_one_hot(Y: np.ndarray) -> np.ndarray:
    """Class indices (m,) from one-hot columns: entries 0 or 1, exactly one 1 per column."""
    if Y.dtype.kind not in "biuf":
        raise ValueError(f"one-hot Y must hold numbers 0 and 1, got dtype {Y.dtype}")
    Y = Y.astype(np.float64)
    if not np.isfinite(Y).all():
        raise ValueError("one-hot Y contains NaN or infinite values; each column needs one 1 and zeros")
    for what, bad in (("negative", Y < 0), ("non-integer", Y != np.round(Y)), ("above 1", Y > 1)):
        if bad.any():
            raise ValueError(
                f"one-hot Y has {what} entries (e.g. {Y[bad][:3].tolist()}); expected 0 or 1 with "
                "exactly one 1 per column, or pass class labels (m,) instead"
            )
    counts = Y.sum(axis=0)
    if (counts != 1).any():
        col = int(np.flatnonzero(counts != 1)[0])
        raise ValueError(
            f"one-hot Y column {col} has {int(counts[col])} ones; every column needs exactly one 1"
        )
    return np.argmax(Y, axis=0)


def _same_kind(labels: np.ndarray, classes: np.ndarray) -> bool:
    text = {labels.dtype.kind in "US", classes.dtype.kind in "US"}
    return len(text) == 1


def indices(Y: Any, C: int, classes: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(class indices (m,), classes (C,)) for labels Y; classes: the known ones, or Y's sorted unique ones."""
    Y = np.asarray(Y)
    row = _label_row(Y, C)
    if row is None:
        return _check_one_hot(Y), (np.arange(C) if classes is None else classes)
    labels = _clean_labels(row)
    if classes is None:
        found = np.unique(labels)
        if found.size != C:
            shown = found[:12].tolist()
            raise ValueError(
                f"Y has {found.size} classes {shown}{'...' if found.size > 12 else ''} but the network has "
                f"C = layer_dims[-1] = {C} output units; make them agree, or set net.classes_ "
                "to the full list of classes before fitting"
            )
        classes = found
    if not _same_kind(labels, classes):
        raise ValueError(
            f"Y holds {labels.dtype.kind in 'US' and 'strings' or 'numbers'} but the network's classes_ "
            f"are {classes[:5].tolist()}; pass labels of the same kind"
        )
    unknown = ~np.isin(labels, classes)
    if unknown.any():
        raise ValueError(
            f"Y has labels {np.unique(labels[unknown])[:5].tolist()} that are not among the network's "
            f"classes_ {classes[:12].tolist()}"
        )
    return np.searchsorted(classes, labels), classes


def one_hot(idx: np.ndarray, C: int) -> np.ndarray:
    """(C, m) float64 with a 1 at row idx[j] of column j."""
    out = np.zeros((C, idx.size))
    out[idx, np.arange(idx.size)] = 1.0
    return out


def check_classes(classes: Any, C: int) -> np.ndarray:
    """A user's classes_: C distinct labels, stored sorted (output unit k is the k-th smallest)."""
    arr = _clean_labels(np.asarray(classes).ravel())
    unique = np.unique(arr)
    if unique.size != arr.size or arr.size != C:
        raise ValueError(
            f"classes_ needs {C} distinct labels (one per output unit), got {arr.size} "
            f"with {unique.size} distinct: {arr[:12].tolist()}"
        )
    return unique
