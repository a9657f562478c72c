"""What fit does around the steps of each epoch: hold out validation data, measure, record, call back.

The validation columns are gathered once on the backend and never passed to a training step. Per
epoch the metrics are computed on the device and handed to `History` unread: nothing here waits for
the device unless a callback (early stopping) reads a metric, which costs that one value.
"""

from __future__ import annotations

import time
from typing import Any

from xnn import callbacks as cb
from xnn import model, splits
from xnn.history import EpochLogs, History


def _stratifies(net: Any) -> bool:
    """Class labels to stratify on: a softmax output, or one sigmoid unit (binary labels)."""
    output = net.activations[-1]
    return output == "softmax" or (output == "sigmoid" and net.layer_dims[-1] == 1)


def _labels(net: Any, Y: Any) -> Any:
    """Host class labels (m,) of backend labels Y (one-hot (C, m) or 0/1 (1, m))."""
    return splits.class_labels(net.be.to_numpy(Y))


def holdout(
    net: Any, X: Any, Y: Any, validation_fraction: Any, validation_data: Any, seed: int | None
) -> tuple[Any, Any, Any, Any]:
    """(X_train, Y_train, X_val, Y_val) as backend arrays from checked X (n_x, m), Y (n_L, m); val None."""
    if validation_fraction is not None and validation_data is not None:
        raise ValueError(
            "pass validation_fraction (hold out part of X) or validation_data=(X_val, Y_val), not both"
        )
    if validation_data is not None:
        X_val, Y_val = _pair(net, validation_data)
        if _stratifies(net):
            splits.check_same_classes(_labels(net, Y), _labels(net, Y_val))
        return X, Y, X_val, Y_val
    if validation_fraction is None:
        return X, Y, None, None
    labels = _labels(net, Y) if _stratifies(net) else None
    train, val = splits.split_indices(X.shape[1], validation_fraction, seed, labels)
    be = net.be
    return be.take(X, train, 1), be.take(Y, train, 1), be.take(X, val, 1), be.take(Y, val, 1)


def _pair(net: Any, validation_data: Any) -> tuple[Any, Any]:
    """validation_data=(X_val, Y_val), checked like the training data."""
    if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
        raise ValueError(
            f"validation_data must be a pair (X_val, Y_val) with X_val (n_x, m_val), got "
            f"{type(validation_data).__name__}"
            + (f" of length {len(validation_data)}" if isinstance(validation_data, tuple | list) else "")
        )
    return net.inputs(*validation_data)


def accuracy(be: Any, AL: Any, Y: Any, output: str) -> Any:
    """Fraction of examples right as a backend scalar: argmax class (softmax), all units (sigmoid)."""
    one, zero = be.ones(()), be.zeros(())
    if output == "softmax":  # the argmax class, ties to the first, as net.accuracy and predict
        wrong = be.greater(be.abs(be.subtract(be.argmax(AL, 0), be.argmax(Y, 0))), be.full((), 0.5))
    else:
        predicted = be.where(be.greater(AL, be.full((), 0.5)), one, zero)
        wrong = be.greater(be.max(be.abs(be.subtract(predicted, Y)), axis=0), be.full((), 0.5))
    return be.subtract(one, be.mean(be.where(wrong, one, zero)))


def metrics(net: Any, X: Any, Y: Any) -> tuple[Any, Any]:
    """(cost, accuracy or None) of the current parameters on X, Y, as backend scalars.

    The cost is the data term only (no L2 penalty, no dropout): what generalisation is measured by.
    """
    be, output = net.be, net.activations[-1]
    AL = model.predict_proba(be, net.device_parameters, X, net.activations, net.slope)
    cost = model.compute_cost(be, AL, Y, net.loss)
    return cost, (accuracy(be, AL, Y, output) if output in ("sigmoid", "softmax") else None)


class Monitor:
    """Per-epoch bookkeeping of one fit: History, validation metrics, callbacks, early stopping."""

    def __init__(
        self,
        net: Any,
        train: tuple[Any, Any],
        val: tuple[Any, Any] | None,
        callbacks: Any = None,
        early_stopping: bool = False,
        n_iter_no_change: int = 10,
        tol: float = 1e-4,
        restore_best: bool = True,
    ) -> None:
        self.net, self.train, self.val = net, train, val
        self.history = History(net.be)
        self.callbacks = cb.check_callbacks(callbacks)
        self.stopper = None
        if early_stopping:
            self.stopper = cb.EarlyStopping(None, n_iter_no_change, tol, restore_best)
            self.callbacks.append(self.stopper)
        self._clock = time.perf_counter()

    def begin(self) -> None:
        """Before the first epoch: callbacks' on_train_begin, and the epoch clock."""
        cb.train_begin(self.callbacks, self.net)
        self._clock = time.perf_counter()

    def epoch_end(self, cost: Any, learning_rate: float) -> bool:
        """Record the epoch (cost: its backend scalar) and run the callbacks; True: stop training."""
        values: dict[str, Any] = {"cost": cost, "learning_rate": learning_rate}
        if self.val is not None:
            val_cost, val_accuracy = metrics(self.net, *self.val)
            values["val_cost"] = val_cost
            if val_accuracy is not None:
                values["accuracy"] = metrics(self.net, *self.train)[1]
                values["val_accuracy"] = val_accuracy
        now = time.perf_counter()  # host clock: on a GPU the time to queue the epoch, not to run it
        values["seconds"], self._clock = now - self._clock, now
        self.history.record(**values)
        if not self.callbacks:
            return False
        epoch = len(self.history)
        return cb.epoch_end(self.callbacks, epoch, EpochLogs(self.history, epoch - 1))

    def end(self) -> History:
        """After the last epoch: callbacks' on_train_end (restoring the best epoch), the History."""
        cb.train_end(self.callbacks, self.net)
        if self.stopper is not None:
            self.history.best_epoch = self.stopper.best_epoch
            self.history.stopped_epoch = self.stopper.stopped_epoch
        return self.history

    def report(self) -> dict[str, float]:
        """The latest validation metrics, to print ({} when not validating); reading them syncs."""
        if self.val is None:
            return {}
        logs = EpochLogs(self.history, len(self.history) - 1)
        return {k: logs[k] for k in ("val_cost", "val_accuracy") if k in logs}


def start(
    net: Any,
    X: Any,
    Y: Any,
    seed: int | None,
    validation_fraction: Any = None,
    validation_data: Any = None,
    callbacks: Any = None,
    early_stopping: bool = False,
    n_iter_no_change: int = 10,
    tol: float = 1e-4,
    restore_best: bool = True,
) -> Monitor:
    """The Monitor of one fit on checked X (n_x, m), Y (n_L, m): its `train` pair excludes validation."""
    X, Y, X_val, Y_val = holdout(net, X, Y, validation_fraction, validation_data, seed)
    val = None if X_val is None else (X_val, Y_val)
    return Monitor(net, (X, Y), val, callbacks, early_stopping, n_iter_no_change, tol, restore_best)
