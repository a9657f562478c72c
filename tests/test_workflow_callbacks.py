"""Callbacks driven by hand, epoch by epoch: EarlyStopping's rule and restore, ModelCheckpoint, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from xnn import Network
from xnn import callbacks as cb


def _net() -> Network:
    return Network([2, 3, 1], hidden="tanh", seed=0, backend="numpy", dtype="float64")


def _epoch(net: Network, epoch: int) -> None:
    """Stand-in for an epoch of training: parameters that say which epoch produced them."""
    net.parameters = {k: np.full(v.shape, float(epoch)) for k, v in net.parameters.items()}


def _run(callbacks, net, series: dict[str, list[float]]) -> int:
    """Drive callbacks over per-epoch logs like fit will; returns the epochs run."""
    callbacks = cb.check_callbacks(callbacks)
    cb.train_begin(callbacks, net)
    epochs = len(next(iter(series.values())))
    try:
        for epoch in range(1, epochs + 1):
            _epoch(net, epoch)
            if cb.epoch_end(callbacks, epoch, {k: v[epoch - 1] for k, v in series.items()}):
                return epoch
        return epochs
    finally:
        cb.train_end(callbacks, net)


def test_early_stopping_stops_after_n_epochs_without_progress_and_restores_the_best():
    net = _net()
    val = [1.0, 0.8, 0.5, 0.6, 0.55, 0.7, 0.9, 1.0, 1.1]  # best at epoch 3
    stop = cb.EarlyStopping(n_iter_no_change=3, tol=0.0)
    ran = _run([stop], net, {"cost": [1.0] * 9, "val_cost": val})
    assert ran == 6 and stop.stopped_epoch == 6 and stop.best_epoch == 3 and stop.best == 0.5
    assert all(np.all(v == 3.0) for v in net.parameters.values())  # exactly epoch 3's parameters


def test_improvements_below_tol_do_not_reset_the_count_but_still_become_the_best():
    net = _net()
    val = [1.0, 0.99, 0.98, 0.97, 0.96]  # better each epoch, but by less than tol = 0.05
    stop = cb.EarlyStopping(n_iter_no_change=3, tol=0.05)
    assert _run([stop], net, {"val_cost": val}) == 4
    assert stop.best_epoch == 4 and np.all(net.parameters["W1"] == 4.0)


def test_restore_best_false_keeps_the_last_parameters():
    net = _net()
    stop = cb.EarlyStopping(n_iter_no_change=2, restore_best=False)
    assert _run([stop], net, {"val_cost": [0.1, 0.5, 0.6, 0.7]}) == 3
    assert np.all(net.parameters["W1"] == 3.0)


def test_training_cost_is_watched_without_validation_and_never_restored():
    net = _net()
    stop = cb.EarlyStopping(n_iter_no_change=2)
    assert _run([stop], net, {"cost": [1.0, 0.5, 0.6, 0.7, 0.8]}) == 4
    assert stop.best_epoch == 2 and np.all(net.parameters["W1"] == 4.0)  # cost is pre-update: no restore


def test_accuracy_is_maximised_and_nan_is_never_an_improvement():
    net = _net()
    stop = cb.EarlyStopping(monitor="val_accuracy", n_iter_no_change=2, tol=0.0)
    ran = _run([stop], net, {"val_accuracy": [0.5, 0.9, math.nan, 0.8, 0.95]})
    assert ran == 4 and stop.best == 0.9 and np.all(net.parameters["b2"] == 2.0)


def test_a_monitor_that_is_not_logged_says_what_is():
    stop = cb.EarlyStopping(monitor="val_accuracy")
    with pytest.raises(
        cb.CallbackError, match=r"'val_accuracy' is not logged; logged: cost.*validation_data"
    ):
        _run([stop], _net(), {"cost": [1.0]})
    with pytest.raises(ValueError, match="pass mode='min' or mode='max'"):
        cb.resolve_mode("auto", "f1")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"n_iter_no_change": 0}, "n_iter_no_change"), ({"tol": -1}, "tol"), ({"tol": math.nan}, "tol")],
)
def test_early_stopping_arguments_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        cb.EarlyStopping(**kwargs)


def test_model_checkpoint_saves_each_improvement_atomically(tmp_path):
    path = tmp_path / "best.npz"
    net = _net()
    save = cb.ModelCheckpoint(path)
    _run([save], net, {"cost": [1.0] * 5, "val_cost": [0.9, 0.5, 0.7, 0.4, 0.6]})
    assert save.saved == 3 and save.best_epoch == 4
    assert np.all(Network.load(str(path)).parameters["W1"] == 4.0)
    assert [p.name for p in tmp_path.iterdir()] == ["best.npz"]  # no temporary files left behind


def test_save_best_only_false_saves_every_epoch(tmp_path):
    save = cb.ModelCheckpoint(tmp_path / "last.npz", save_best_only=False)
    _run([save], _net(), {"val_cost": [0.1, 0.5, 0.9]})
    assert save.saved == 3 and np.all(Network.load(str(tmp_path / "last.npz")).parameters["W1"] == 3.0)


class Explodes(cb.Callback):
    def on_epoch_end(self, epoch, logs):
        if epoch == 3:
            raise RuntimeError("disk full")


def test_a_raising_callback_stops_training_and_the_last_good_checkpoint_stays(tmp_path):
    path = tmp_path / "best.npz"
    net = _net()
    callbacks = [cb.ModelCheckpoint(path), Explodes()]
    with pytest.raises(
        cb.CallbackError, match=r"Explodes.on_epoch_end raised RuntimeError at epoch 3: disk full"
    ):
        _run(callbacks, net, {"val_cost": [0.9, 0.5, 0.4, 0.3]})
    assert np.all(net.parameters["W1"] == 3.0)  # stopped right there
    assert np.all(Network.load(str(path)).parameters["W1"] == 3.0)  # epoch 3's improvement was saved first


def test_all_callbacks_run_even_after_one_asks_to_stop():
    seen = []

    class Stop(cb.Callback):
        def on_epoch_end(self, epoch, logs):
            return True

    class Record(cb.Callback):
        def on_epoch_end(self, epoch, logs):
            seen.append(epoch)

    assert _run([Stop(), Record()], _net(), {"cost": [1.0, 1.0]}) == 1 and seen == [1]


def test_plain_objects_with_on_epoch_end_are_callbacks_and_others_are_refused():
    class Duck:
        def on_epoch_end(self, epoch, logs):
            return epoch == 2

    assert _run([Duck()], _net(), {"cost": [1.0] * 5}) == 2
    assert len(cb.check_callbacks(Duck())) == 1 and cb.check_callbacks(None) == []
    with pytest.raises(TypeError, match=r"callbacks\[1\] is 'function'.*subclass xnn.callbacks.Callback"):
        cb.check_callbacks([Duck(), lambda epoch, logs: None])
