"""Callbacks: objects whose `on_epoch_end(epoch, logs)` runs after every epoch; returning True stops training.

Built in: `EarlyStopping` (scikit-learn's n_iter_no_change / tol rule, optionally restoring the best
epoch's parameters) and `ModelCheckpoint` (the network's atomic `save` whenever the monitored metric
improves). `epoch` counts from 1; `logs` maps metric names to floats, converted when read (reading
one metric costs one device sync, so a callback that reads nothing costs nothing).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class CallbackProtocol(Protocol):
    """Anything with on_epoch_end(epoch, logs) -> bool | None; on_train_begin/end(net) are optional."""

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float]) -> bool | None: ...


class Callback:
    """A base class with no-op hooks: override what you need."""

    def on_train_begin(self, net: Any) -> None:
        """Called once before the first epoch with the network being trained."""

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float]) -> bool | None:
        """Called after every epoch; return True to stop training."""
        return None

    def on_train_end(self, net: Any) -> None:
        """Called once when training stops (limit reached or a callback asked to stop)."""


class CallbackError(RuntimeError):
    """A callback raised: training stopped at that epoch (files already written are intact)."""


def check_callbacks(callbacks: Iterable[Any] | None) -> list[Any]:
    """The callbacks as a list; TypeError for anything without on_epoch_end."""
    if callbacks is None:
        return []
    if isinstance(callbacks, CallbackProtocol):
        callbacks = [callbacks]
    listed = list(callbacks)
    for i, cb in enumerate(listed):
        if not isinstance(cb, CallbackProtocol):
            raise TypeError(
                f"callbacks[{i}] is {type(cb).__name__!r}, which has no on_epoch_end(epoch, logs) method; "
                "pass objects like xnn.callbacks.EarlyStopping(), or subclass xnn.callbacks.Callback"
            )
    return listed


def _call(cb: Any, hook: str, epoch: int | None, *args: Any) -> Any:
    """cb.hook(*args), with any exception re-raised as a CallbackError naming the callback and epoch."""
    method = getattr(cb, hook, None)
    if method is None:
        return None
    try:
        return method(*args)
    except Exception as e:
        when = f"at epoch {epoch}" if epoch is not None else f"in {hook}"
        raise CallbackError(
            f"callback {type(cb).__name__}.{hook} raised {type(e).__name__} {when}: {e}; training stopped "
            "there (the network keeps that epoch's parameters; checkpoints already written are intact)"
        ) from e


def train_begin(callbacks: list[Any], net: Any) -> None:
    """on_train_begin(net) on every callback that has it."""
    for cb in callbacks:
        _call(cb, "on_train_begin", None, net)


def epoch_end(callbacks: list[Any], epoch: int, logs: Mapping[str, float]) -> bool:
    """on_epoch_end on every callback (all run, even after one asks to stop); True if any asked."""
    votes = [_call(cb, "on_epoch_end", epoch, epoch, logs) for cb in callbacks]
    return any(vote is True for vote in votes)


def train_end(callbacks: list[Any], net: Any) -> None:
    """on_train_end(net) on every callback that has it."""
    for cb in callbacks:
        _call(cb, "on_train_end", None, net)


# -- the monitored metric ------------------------------------------------------------------------
MODES = ("auto", "min", "max")


def resolve_monitor(monitor: str | None, logs: Mapping[str, float]) -> str:
    """The metric to watch: `monitor`, or val_cost when validating else cost; KeyError if not logged."""
    key = monitor or ("val_cost" if "val_cost" in logs else "cost")
    if key not in logs:
        hint = "; pass validation_fraction or validation_data to fit" if key.startswith("val_") else ""
        raise KeyError(f"monitored metric {key!r} is not logged; logged: {', '.join(logs)}{hint}")
    return key


def resolve_mode(mode: str, key: str) -> str:
    """'min' for costs, 'max' for accuracies/scores, or the mode given."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if mode != "auto":
        return mode
    if "cost" in key or "loss" in key:
        return "min"
    if "accuracy" in key or "score" in key:
        return "max"
    raise ValueError(f"cannot tell whether {key!r} should go down or up; pass mode='min' or mode='max'")


def improvement(value: float, best: float | None, mode: str) -> float:
    """How much `value` beats `best` (positive: better); inf for the first value, -inf for NaN."""
    if math.isnan(value):
        return -math.inf
    if best is None:
        return math.inf
    return best - value if mode == "min" else value - best


def _snapshot(net: Any) -> dict[str, Any]:
    """A device-side copy of the parameters: no transfer to the host."""
    return {key: net.be.copy(value) for key, value in net.device_parameters.items()}


class EarlyStopping(Callback):
    """Stop after n_iter_no_change epochs without an improvement of more than tol (scikit-learn's rule).

    monitor: a logged metric; None watches val_cost when validating, else the training cost.
    restore_best: at the end, put back the parameters of the best epoch (validation metrics only:
    the training cost is measured during its epoch, before that epoch's updates, so no end-of-epoch
    parameters match it; scikit-learn restores nothing there either).
    """

    def __init__(
        self,
        monitor: str | None = None,
        n_iter_no_change: int = 10,
        tol: float = 1e-4,
        restore_best: bool = True,
        mode: str = "auto",
    ) -> None:
        from xnn.validation import check_count

        self.monitor, self.mode, self.restore_best = monitor, mode, restore_best
        self.n_iter_no_change = check_count("n_iter_no_change", n_iter_no_change)
        if not isinstance(tol, int | float) or isinstance(tol, bool) or not tol >= 0:
            raise ValueError(f"tol must be a number >= 0, got {tol!r}")
        self.tol = float(tol)
        self.on_train_begin(None)

    def on_train_begin(self, net: Any) -> None:
        self.net, self.best, self.best_epoch, self.stopped_epoch = net, None, None, None
        self.wait, self._best_params = 0, None

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float]) -> bool:
        key = resolve_monitor(self.monitor, logs)
        mode = resolve_mode(self.mode, key)
        gain = improvement(logs[key], self.best, mode)
        if gain > 0:
            self.best, self.best_epoch = logs[key], epoch
            if self.restore_best and key.startswith("val_") and self.net is not None:
                self._best_params = _snapshot(self.net)
        self.wait = 0 if gain > self.tol else self.wait + 1
        if self.wait >= self.n_iter_no_change:
            self.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self, net: Any) -> None:
        if self._best_params is not None:
            net.device_parameters = self._best_params
            self._best_params = None


class ModelCheckpoint(Callback):
    """Save the network to `path` (atomically) after each epoch whose monitored metric improved.

    save_best_only=False saves after every epoch. monitor as in EarlyStopping. A crash or a failing
    callback later in training never damages the file: every save replaces it whole.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        monitor: str | None = None,
        save_best_only: bool = True,
        mode: str = "auto",
    ) -> None:
        self.path, self.monitor, self.save_best_only, self.mode = (
            os.fspath(path),
            monitor,
            save_best_only,
            mode,
        )
        self.on_train_begin(None)

    def on_train_begin(self, net: Any) -> None:
        self.net, self.best, self.best_epoch, self.saved = net, None, None, 0

    def on_epoch_end(self, epoch: int, logs: Mapping[str, float]) -> None:
        if self.save_best_only:
            key = resolve_monitor(self.monitor, logs)
            if improvement(logs[key], self.best, resolve_mode(self.mode, key)) <= 0:
                return None
            self.best, self.best_epoch = logs[key], epoch
        self.net.save(self.path)
        self.saved += 1
        return None
