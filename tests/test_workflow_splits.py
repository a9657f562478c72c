"""The validation split: disjoint, complete, seeded, shuffled, stratified within one example; clear errors."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xnn import splits

pytest.importorskip("sklearn", reason="the validation split uses scikit-learn's splitter (xnn[data])")


def _labels(counts: list[int], seed: int = 0) -> np.ndarray:
    """Labels with counts[c] examples of class c, in a shuffled order."""
    labels = np.repeat(np.arange(len(counts)), counts)
    return np.random.default_rng(seed).permutation(labels)


@given(
    counts=st.lists(st.integers(2, 60), min_size=2, max_size=6),
    fraction=st.floats(0.15, 0.5),
    seed=st.integers(0, 2**31 - 1),
)
def test_stratified_split_is_disjoint_complete_and_keeps_proportions(counts, fraction, seed):
    labels = _labels(counts, seed)
    m = labels.size
    n_val = int(np.ceil(fraction * m))
    if min(counts) * min(n_val, m - n_val) < m:  # a class expects less than one example on a side
        with pytest.raises(ValueError, match="expects less than one example"):
            splits.split_indices(m, fraction, seed, labels)
        return
    train, val = splits.split_indices(m, fraction, seed, labels)
    assert np.intersect1d(train, val).size == 0
    assert np.array_equal(np.sort(np.concatenate([train, val])), np.arange(m))
    assert val.size == n_val
    expected = np.asarray(counts) * val.size / m
    got = np.bincount(labels[val], minlength=len(counts))
    assert np.all(np.abs(got - expected) <= 1.0), (got, expected)  # within one example per class
    assert set(labels[val]) == set(labels)


def test_the_split_is_seeded_and_shuffled_not_the_tail():
    labels = _labels([50, 50])
    a = splits.split_indices(100, 0.2, 7, labels)
    b = splits.split_indices(100, 0.2, 7, labels)
    c = splits.split_indices(100, 0.2, 8, labels)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(np.sort(a[1]), np.sort(c[1]))
    assert not np.array_equal(np.sort(a[1]), np.arange(80, 100))  # not "the last 20 %"
    assert a[1].min() < 80


def test_unstratified_split_for_regression_targets():
    train, val = splits.split_indices(10, 0.3, 0)
    assert (train.size, val.size) == (7, 3)
    assert np.intersect1d(train, val).size == 0


def test_split_gathers_columns_of_host_arrays():
    X = np.arange(2 * 40, dtype=float).reshape(2, 40)
    Y = (np.arange(40) % 2).reshape(1, 40).astype(float)
    X_train, Y_train, X_val, Y_val = splits.split(X, Y, 0.25, seed=3)
    assert X_train.shape == (2, 30) and X_val.shape == (2, 10)
    assert np.array_equal(Y_val[0], X_val[0] % 2)  # each column kept with its own label
    assert sorted(Y_val[0].tolist()) == [0.0] * 5 + [1.0] * 5


def test_one_hot_labels_are_stratified_by_their_class():
    idx = _labels([30, 10])
    one_hot = np.eye(2)[idx].T
    assert np.array_equal(splits.class_labels(one_hot), idx)
    _, _, _, Y_val = splits.split(np.zeros((1, 40)), one_hot, 0.25, seed=0)
    got = Y_val.sum(axis=1)
    assert got.sum() == 10 and np.all(np.abs(got - [7.5, 2.5]) <= 1), got


@pytest.mark.parametrize("bad", [0, 1, 0.0, 1.0, -0.1, 1.5, float("nan"), True, "0.1", None])
def test_validation_fraction_outside_the_open_interval_is_refused(bad):
    with pytest.raises(ValueError, match=r"strictly between 0 and 1"):
        splits.check_fraction(bad)


def test_too_small_a_validation_set_for_the_classes_says_what_fraction_works():
    labels = _labels([10] * 10)
    with pytest.raises(ValueError, match=r"expects less than one example.*above 0\.09 and at most 0\.9\b"):
        splits.split_indices(100, 0.05, 0, labels)


@given(counts=st.lists(st.integers(2, 12), min_size=2, max_size=4), fraction=st.floats(0.01, 0.99))
def test_the_fractions_a_refusal_suggests_work_and_none_means_none(counts, fraction):
    """The interval in the message is exact: both its ends split; "no validation_fraction" only when
    no validation size keeps every class on both sides."""
    labels, m = _labels(counts), sum(counts)
    try:
        splits.split_indices(m, fraction, 0, labels)
        return
    except ValueError as e:
        message = str(e)
    if "single example" in message or "both sets need" in message:
        return
    found = re.search(r"above ([0-9.e-]+) and at most ([0-9.e-]+)", message)
    if found is None:
        assert "no validation_fraction can" in message, message
        assert not any(min(counts) * min(n, m - n) >= m for n in range(1, m))
        return
    low, high = (float(v) for v in found.groups())
    for works in (high, np.nextafter(low, 1.0)):  # the printed ends: both must split
        train, val = splits.split_indices(m, float(works), 0, labels)
        assert train.size and val.size


def test_a_class_with_one_example_cannot_be_stratified():
    labels = np.array([0] * 9 + [1])
    with pytest.raises(ValueError, match=r"class\(es\) \[1\] have a single example"):
        splits.split_indices(10, 0.3, 0, labels)


def test_too_few_examples_to_split():
    with pytest.raises(ValueError, match="both sets need at least one"):
        splits.split_indices(1, 0.5)


def test_a_validation_set_missing_a_class_is_refused():
    with pytest.raises(ValueError, match=r"no example of class\(es\) \[2\].*2 of 3 classes"):
        splits.check_same_classes(np.array([0, 1, 2, 2]), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"class\(es\) \[5\] that the training data lacks"):
        splits.check_same_classes(np.array([0, 1]), np.array([0, 1, 5]))
    splits.check_same_classes(np.array([0, 1, 1]), np.array([1, 0]))  # same classes: fine
