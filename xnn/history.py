"""What fit records per epoch: `History`, whose values stay backend scalars until read.

Training never waits on the device to record a metric: `record` stores whatever it is given (Python
floats or the backend's 0-d arrays) and the first read converts every pending value at once (one
`materialize`, then `item` on arrays that are ready). Reading one epoch's value through `EpochLogs`
(what callbacks receive) converts just that value.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

KEYS = ("cost", "val_cost", "accuracy", "val_accuracy", "learning_rate", "seconds")


class History:
    """Per-epoch lists cost, val_cost, accuracy, val_accuracy, learning_rate, seconds; sklearn's names too.

    A metric that was never recorded (no validation data: val_cost) is an empty list. `best_epoch`
    (1-based) and `stopped_epoch` are set by early stopping, else None.
    """

    def __init__(self, be: Any = None) -> None:
        self.be = be
        self._values: dict[str, list[Any]] = {key: [] for key in KEYS}
        self._pending: set[tuple[str, int]] = set()  # (key, index) of values still on the device
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None

    def record(self, **values: Any) -> None:
        """Append one epoch: keyword per metric (floats or backend scalars); every key every epoch."""
        unknown = set(values) - set(KEYS)
        if unknown:
            raise ValueError(f"History.record: unknown metrics {sorted(unknown)}; known: {', '.join(KEYS)}")
        epoch = len(self)
        for key, value in values.items():
            column = self._values[key]
            assert len(column) == epoch, f"{key} skipped an epoch: {len(column)} values after {epoch} epochs"
            if not isinstance(value, int | float):
                self._pending.add((key, len(column)))
            column.append(value)

    def __len__(self) -> int:
        """Epochs recorded: the length of the longest list (cost is recorded every epoch)."""
        return max(len(column) for column in self._values.values())

    def _flush(self) -> None:
        """Every pending device value to a Python float: one synchronisation for all of them."""
        if not self._pending:
            return
        pending = sorted(self._pending)
        # a lazy backend returns computed arrays in place of the given ones: use those
        ready = self.be.materialize(*(self._values[key][i] for key, i in pending))
        for (key, i), array in zip(pending, ready, strict=True):
            self._values[key][i] = self.be.item(array)
        self._pending.clear()

    def value(self, key: str, epoch: int) -> float:
        """One metric of one epoch (0-based) as a float; converts only that value."""
        raw = self._values[key][epoch]
        if isinstance(raw, int | float):
            return float(raw)
        self._values[key][epoch] = converted = self.be.item(raw)
        self._pending.discard((key, epoch))
        return converted

    def __getitem__(self, key: str) -> list[float]:
        """history["val_cost"]: that metric's per-epoch list of floats (a copy)."""
        if key not in self._values:
            raise KeyError(f"History has no metric {key!r}; known: {', '.join(KEYS)}")
        self._flush()
        return [float(v) for v in self._values[key]]

    def as_dict(self) -> dict[str, list[float]]:
        """{metric: per-epoch floats} for the metrics that were recorded."""
        return {key: self[key] for key in KEYS if self._values[key]}

    def __repr__(self) -> str:
        recorded = [key for key in KEYS if self._values[key]]
        return f"History(n_iter_={len(self)}, metrics={recorded}, best_epoch={self.best_epoch})"

    # -- the per-metric lists as attributes ------------------------------------------------------
    cost = property(lambda self: self["cost"], doc="Training cost per epoch.")
    val_cost = property(lambda self: self["val_cost"], doc="Validation cost per epoch ([] if none).")
    accuracy = property(lambda self: self["accuracy"], doc="Training accuracy per epoch ([] if none).")
    val_accuracy = property(lambda self: self["val_accuracy"], doc="Validation accuracy ([] if none).")
    learning_rate = property(lambda self: self["learning_rate"], doc="Learning rate used in each epoch.")
    seconds = property(lambda self: self["seconds"], doc="Wall-clock seconds of each epoch (host clock).")

    # -- scikit-learn's names --------------------------------------------------------------------
    @property
    def n_iter_(self) -> int:
        """Epochs run (sklearn's n_iter_)."""
        return len(self)

    @property
    def loss_curve_(self) -> list[float]:
        """The training cost per epoch (sklearn's loss_curve_)."""
        return self.cost

    @property
    def validation_scores_(self) -> list[float] | None:
        """Per-epoch validation score, higher is better: val_accuracy, else -val_cost; or None."""
        if self._values["val_accuracy"]:
            return self.val_accuracy
        if self._values["val_cost"]:
            return [-c for c in self.val_cost]
        return None

    @property
    def best_validation_score_(self) -> float | None:
        """The best of validation_scores_ (NaN epochs ignored), or None without validation."""
        scores = self.validation_scores_
        finite = [s for s in scores or [] if not math.isnan(s)]
        return max(finite) if finite else None


class EpochLogs(Mapping):
    """The read-only `logs` a callback gets for one epoch: reading a metric converts only that value."""

    def __init__(self, history: History, epoch: int) -> None:
        self._history, self._epoch = history, epoch
        self._keys = tuple(k for k in KEYS if len(history._values[k]) > epoch)

    def __getitem__(self, key: str) -> float:
        if key not in self._keys:
            raise KeyError(f"no metric {key!r} this epoch; recorded: {', '.join(self._keys)}")
        return self._history.value(key, self._epoch)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"EpochLogs(epoch={self._epoch + 1}, metrics={list(self._keys)})"
