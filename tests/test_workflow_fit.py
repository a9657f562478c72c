"""fit with validation, early stopping, history, callbacks: what reaches a step, what is restored, syncs."""

from __future__ import annotations

import numpy as np
import pytest

from backends.numpy_backend import NumpyBackend
from xnn import Network, splits
from xnn import callbacks as cb

pytest.importorskip("sklearn", reason="the validation split uses scikit-learn's splitter (xnn[data])")


def _spy(be):
    """A backend of be's class whose first-layer backward records the example ids it trains on.

    Backward runs only inside a training step, and its first layer's A_prev is the step's X, whose
    row 0 holds each example's id / 1000: so `trained` is exactly the set of columns steps saw.
    """

    class Spy(type(be)):
        def linear_backward(self, dZ, A_prev, W, need_dA_prev=True, lambd=0.0):
            if not need_dA_prev:  # layer 1: A_prev is the batch of X
                self.trained.update(np.rint(self.to_numpy(A_prev)[0] * 1000).astype(int).tolist())
            return super().linear_backward(dZ, A_prev, W, need_dA_prev, lambd)

    spy = Spy(be.dtype)
    spy.trained = set()
    return spy


def _ids_data(m: int = 60, classes: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = np.vstack([np.arange(m) / 1000, rng.normal(size=(2, m))])
    return X, (np.arange(m) % classes).reshape(1, m)


@pytest.mark.parametrize("batch_size", [None, 7])
def test_validation_columns_never_reach_a_training_step(be, batch_size):
    spy = _spy(be)
    X, Y = _ids_data()
    net = Network([3, 4, 3], output="softmax", seed=5, backend=spy)
    net.fit(X, Y, learning_rate=0.01, iterations=3, batch_size=batch_size, validation_fraction=0.25,
            progress=False)  # fmt: skip
    train, val = splits.split_indices(60, 0.25, 5, Y[0])  # the net's seed seeds the split
    assert spy.trained == set(train.tolist())  # every training column, and nothing else
    assert spy.trained.isdisjoint(val.tolist()) and val.size == 15
    assert len(net.history_.val_accuracy) == 3


def test_explicit_validation_data_is_only_measured():
    spy = _spy(NumpyBackend("float64"))
    X, Y = _ids_data(60)
    net = Network([3, 4, 3], output="softmax", seed=0, backend=spy)
    net.fit(X[:, :45], Y[:, :45], learning_rate=0.01, iterations=2, validation_data=(X[:, 45:], Y[:, 45:]),
            progress=False)  # fmt: skip
    assert spy.trained == set(range(45))


def _overfit():
    """Few noisy examples, a wide network and plenty of steps: validation cost turns back up."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 80))
    Y = ((X[0] + 0.8 * rng.normal(size=80)) > 0).reshape(1, 80).astype(float)
    return X, Y


class Snapshots(cb.Callback):
    """Host copies of the parameters after every epoch."""

    def __init__(self) -> None:
        self.params = []

    def on_train_begin(self, net):
        self.net = net

    def on_epoch_end(self, epoch, logs):
        self.params.append(self.net.parameters)


def test_early_stopping_stops_an_overfit_and_restores_exactly_the_best_epoch():
    X, Y = _overfit()
    net = Network([10, 64, 64, 1], seed=0, backend="numpy", dtype="float64")
    snaps = Snapshots()
    costs = net.fit(X, Y, learning_rate=0.01, iterations=2000, optimizer="adam", validation_fraction=0.25,
                    early_stopping=True, n_iter_no_change=10, callbacks=[snaps], progress=False)  # fmt: skip
    h = net.history_
    assert h.n_iter_ < 2000 and h.stopped_epoch == h.n_iter_ == len(costs)
    assert h.best_epoch == int(np.argmin(h.val_cost)) + 1
    assert h.stopped_epoch - h.best_epoch >= 10  # it kept going n_iter_no_change epochs past the best
    best = snaps.params[h.best_epoch - 1]
    assert all(np.array_equal(net.parameters[k], best[k]) for k in best)  # exactly, not approximately
    assert not np.array_equal(net.parameters["W1"], snaps.params[-1]["W1"])
    assert net.cost(X, Y) > 0  # the network still works


def test_restore_best_false_keeps_the_last_epoch():
    X, Y = _overfit()
    net = Network([10, 64, 64, 1], seed=0, backend="numpy", dtype="float64")
    snaps = Snapshots()
    net.fit(X, Y, learning_rate=0.01, iterations=2000, optimizer="adam", validation_fraction=0.25,
            early_stopping=True, restore_best=False, callbacks=[snaps], progress=False)  # fmt: skip
    assert np.array_equal(net.parameters["W1"], snaps.params[-1]["W1"])


def test_history_lengths_equal_n_iter_and_the_returned_costs():
    X, Y = _ids_data(90)
    net = Network([3, 8, 3], output="softmax", seed=1, backend="numpy")
    costs = net.fit(X, Y, learning_rate=0.05, iterations=25, batch_size=16, optimizer="adam",
                    validation_fraction=0.2, progress=False)  # fmt: skip
    h = net.history_
    assert h.n_iter_ == 25 == len(costs) == len(h.loss_curve_) and h.cost == costs
    for key, values in h.as_dict().items():
        assert len(values) == h.n_iter_, key
    assert set(h.as_dict()) == {"cost", "val_cost", "accuracy", "val_accuracy", "learning_rate", "seconds"}
    assert all(0 <= a <= 1 for a in h.accuracy + h.val_accuracy)
    assert h.best_epoch is None and h.stopped_epoch is None  # no early stopping asked


def test_validation_accuracy_is_the_networks_accuracy_on_the_held_out_columns():
    X, Y = _ids_data(90)
    net = Network([3, 8, 3], output="softmax", seed=1, backend="numpy", dtype="float64")
    net.fit(X[:, :60], Y[:, :60], learning_rate=0.05, iterations=5, optimizer="adam",
            validation_data=(X[:, 60:], Y[:, 60:]), progress=False)  # fmt: skip
    h = net.history_
    assert h.val_accuracy[-1] == pytest.approx(net.accuracy(X[:, 60:], Y[:, 60:]))
    assert h.accuracy[-1] == pytest.approx(net.accuracy(X[:, :60], Y[:, :60]))
    assert h.val_cost[-1] == pytest.approx(net.cost(X[:, 60:], Y[:, 60:]))  # lambd = 0: same cost


class CountingBackend(NumpyBackend):
    def __init__(self, dtype="float64"):
        super().__init__(dtype)
        self.items = self.syncs = 0

    def item(self, x):
        self.items += 1
        return super().item(x)

    def materialize(self, *arrays):
        self.syncs += 1
        return super().materialize(*arrays)


def test_metrics_are_not_synchronised_every_epoch():
    be = CountingBackend()
    seen = []

    class Watch(cb.Callback):  # reads no metric: costs no sync
        def on_epoch_end(self, epoch, logs):
            seen.append((be.items, be.syncs - steps[0]))

    steps = [0]
    original = Network.train_step

    def counted_step(self, *args, **kwargs):  # the step's own materialize (rule 9) is not a metric read
        steps[0] += 1
        return original(self, *args, **kwargs)

    X, Y = _ids_data(90)
    net = Network([3, 8, 3], output="softmax", seed=1, backend=be)
    Network.train_step = counted_step
    try:
        net.fit(X, Y, learning_rate=0.05, iterations=100, validation_fraction=0.2, callbacks=[Watch()],
                progress=False)  # fmt: skip
    finally:
        Network.train_step = original
    items, syncs = np.array(seen).T
    assert np.count_nonzero(np.diff(items)) <= 100 // 20 + 1  # only at the divergence guard's checks
    assert np.count_nonzero(np.diff(syncs)) <= 100 // 20 + 1 and syncs[-1] - syncs[0] <= 100 // 20 + 1
    assert np.diff(items).max() <= 20 + 1  # a check reads its window (and, once, the first cost)


def test_early_stopping_without_validation_watches_the_training_cost():
    X, Y = _overfit()
    net = Network([10, 8, 1], seed=0, backend="numpy")
    costs = net.fit(X, Y, learning_rate=1e-5, iterations=500, early_stopping=True, n_iter_no_change=5,
                    tol=0.1, progress=False)  # fmt: skip
    assert len(costs) == 6 and net.history_.stopped_epoch == 6 and net.history_.val_cost == []  # 1 + 5


def test_a_raising_callback_stops_fit_and_the_best_checkpoint_survives(tmp_path):
    path = tmp_path / "best.npz"

    class Fails(cb.Callback):
        def on_epoch_end(self, epoch, logs):
            if epoch == 4:
                raise OSError("disk full")

    X, Y = _ids_data(90)
    net = Network([3, 8, 3], output="softmax", seed=1, backend="numpy")
    saver = cb.ModelCheckpoint(path)
    with pytest.raises(cb.CallbackError, match="Fails.on_epoch_end raised OSError at epoch 4: disk full"):
        net.fit(X, Y, learning_rate=0.05, iterations=50, optimizer="adam", validation_fraction=0.2,
                callbacks=[saver, Fails()], progress=False)  # fmt: skip
    saved = Network.load(str(path))
    assert saver.best_epoch <= 4 and saved.layer_dims == [3, 8, 3]
    assert len(net.history_) == 4  # the history up to the failure is kept for inspection


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"validation_fraction": 1.0}, "strictly between 0 and 1"),
        ({"validation_fraction": 0.0}, "strictly between 0 and 1"),
        ({"validation_fraction": 0.2, "validation_data": "x"}, "not both"),
        ({"validation_data": (np.zeros((3, 5)),)}, r"validation_data must be a pair \(X_val, Y_val\)"),
        ({"validation_data": (np.zeros((3, 4)), np.array([[0, 1, 1, 0]]))}, r"no example of class\(es\) \[2"),
        ({"validation_fraction": 0.02}, "expects less than one example"),
        ({"callbacks": [print]}, "has no on_epoch_end"),
    ],
)
def test_bad_validation_arguments_are_refused_before_training(kwargs, match):
    X, Y = _ids_data(60)
    net = Network([3, 4, 3], output="softmax", seed=0, backend="numpy")
    before = net.parameters
    with pytest.raises((ValueError, TypeError), match=match):
        net.fit(X, Y, learning_rate=0.01, iterations=3, progress=False, **kwargs)
    assert all(np.array_equal(before[k], v) for k, v in net.parameters.items())  # nothing trained


def test_progress_lines_show_the_validation_metrics(capsys):
    X, Y = _ids_data(90)
    net = Network([3, 8, 3], output="softmax", seed=1, backend="numpy")
    net.fit(X, Y, learning_rate=0.05, iterations=10, print_every=5, validation_fraction=0.2)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and lines[1].startswith("iteration 10/10: cost ")
    h = net.history_
    assert f"val_cost {h.val_cost[-1]:.6f}, val_accuracy {h.val_accuracy[-1]:.6f}" in lines[1]
