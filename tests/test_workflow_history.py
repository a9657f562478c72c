"""History: device values converted lazily and all at once; sklearn's names; EpochLogs reads one value."""

from __future__ import annotations

import math

import numpy as np
import pytest

import xnn
from backends.numpy_backend import NumpyBackend
from xnn.history import KEYS, EpochLogs, History


class CountingBackend(NumpyBackend):
    """numpy, counting the host transfers a History makes."""

    def __init__(self) -> None:
        super().__init__("float64")
        self.items = self.materializes = 0

    def item(self, x):
        self.items += 1
        return super().item(x)

    def materialize(self, *arrays):
        self.materializes += 1
        return super().materialize(*arrays)


def _recorded(be, costs, val_costs=None, val_acc=None) -> History:
    history = History(be)
    for i, cost in enumerate(costs):
        values = {"cost": be.asarray(cost), "learning_rate": 0.1, "seconds": 0.01}
        if val_costs is not None:
            values["val_cost"] = be.asarray(val_costs[i])
        if val_acc is not None:
            values["val_accuracy"] = be.asarray(val_acc[i])
        history.record(**values)
    return history


def test_recording_device_values_transfers_nothing_until_read():
    be = CountingBackend()
    history = _recorded(be, [3.0, 2.0, 1.5], val_costs=[3.1, 2.2, 2.0])
    assert (be.items, be.materializes) == (0, 0)
    assert history.cost == [3.0, 2.0, 1.5]
    assert be.materializes == 1 and be.items == 6  # one sync for every pending value of every metric
    assert history.val_cost == [3.1, 2.2, 2.0]
    assert be.materializes == 1 and be.items == 6  # already converted: nothing more
    assert all(type(v) is float for v in history.cost + history.val_cost + history.seconds)


def test_epoch_logs_convert_only_what_a_callback_reads():
    be = CountingBackend()
    history = _recorded(be, [3.0, 2.0], val_costs=[3.5, 2.5])
    logs = EpochLogs(history, 1)
    assert set(logs) == {"cost", "val_cost", "learning_rate", "seconds"} and len(logs) == 4
    assert logs["val_cost"] == 2.5 and be.items == 1
    assert logs["learning_rate"] == 0.1 and be.items == 1  # host floats cost nothing
    assert history.val_cost == [3.5, 2.5] and history.cost == [3.0, 2.0]
    assert be.items == 4  # the three still pending, converted once
    with pytest.raises(KeyError, match=r"no metric 'val_accuracy' this epoch; recorded: cost"):
        logs["val_accuracy"]


def test_sklearn_names_without_validation():
    history = _recorded(CountingBackend(), [0.9, 0.5, 0.4])
    assert history.n_iter_ == len(history) == 3
    assert history.loss_curve_ == history.cost == [0.9, 0.5, 0.4]
    assert history.validation_scores_ is None and history.best_validation_score_ is None
    assert history.val_cost == [] and history.accuracy == []
    assert set(history.as_dict()) == {"cost", "learning_rate", "seconds"}


def test_validation_scores_are_accuracies_when_recorded_else_negative_costs():
    be = CountingBackend()
    with_acc = _recorded(be, [1.0, 0.5, 0.6], val_costs=[1.0, 0.7, 0.8], val_acc=[0.5, 0.9, float("nan")])
    assert with_acc.validation_scores_[:2] == [0.5, 0.9] and math.isnan(with_acc.validation_scores_[2])
    assert with_acc.best_validation_score_ == 0.9  # NaN epochs ignored
    costs_only = _recorded(be, [1.0, 0.5], val_costs=[1.0, 0.7])
    assert costs_only.validation_scores_ == [-1.0, -0.7] and costs_only.best_validation_score_ == -0.7


def test_metrics_must_be_recorded_every_epoch_and_known():
    history = History(CountingBackend())
    history.record(cost=1.0)
    with pytest.raises(AssertionError, match="val_cost skipped an epoch"):
        history.record(cost=0.5, val_cost=0.4)
    with pytest.raises(ValueError, match=r"unknown metrics \['loss'\]; known: cost, val_cost"):
        history.record(loss=1.0)
    with pytest.raises(KeyError, match="no metric 'loss'"):
        history["loss"]


def test_float32_scalars_become_python_floats():
    be = NumpyBackend("float32")
    history = History(be)
    history.record(cost=be.asarray(np.float32(0.25)), seconds=np.float64(0.5))
    assert history.cost == [0.25] and type(history.cost[0]) is float and history.seconds == [0.5]
    assert "n_iter_=1" in repr(history) and set(KEYS) >= set(history.as_dict())


def test_recorded_accuracy_is_the_argmax_accuracy_even_on_ties():
    """A zero-initialised softmax net gives every class the same probability: argmax picks class 0,
    so the recorded accuracy is the share of class 0 (ties once counted as right: 1.0)."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((4, 60)), np.repeat([0, 1, 2], 20)[None, :]
    net = xnn.Network([4, 6, 3], output="softmax", init="zeros", dtype="float64")
    net.fit(X, y, learning_rate=1e-12, iterations=2, validation_data=(X, y), progress=False)
    assert net.accuracy(X, y) == pytest.approx(1 / 3)
    assert net.history_.accuracy == pytest.approx([1 / 3, 1 / 3])
    assert net.history_.val_accuracy == pytest.approx([1 / 3, 1 / 3])
