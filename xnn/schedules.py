"""Learning-rate decay: the course's update_lr and schedule_lr_decay, scikit-learn's invscaling and adaptive.

Epochs count from 0 over the network's whole training history (a resumed fit continues the schedule):
epoch e trains with learning_rate(e), so epoch 0 always uses learning_rate0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from xnn.validation import check_count, check_nonnegative_number

DECAYS = ("inverse", "scheduled", "invscaling", "adaptive")


def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    """learning_rate0 / (1 + decay_rate * epoch_num): the course's inverse-time decay."""
    return learning_rate0 / (1 + decay_rate * epoch_num)


def schedule_lr_decay(
    learning_rate0: float, epoch_num: int, decay_rate: float, time_interval: int = 1000
) -> float:
    """learning_rate0 / (1 + decay_rate * floor(epoch_num / time_interval)): decay in steps."""
    return learning_rate0 / (1 + decay_rate * math.floor(epoch_num / time_interval))


def invscaling(learning_rate0: float, epoch_num: int, m: int, power_t: float = 0.5) -> float:
    """learning_rate0 / (t + 1) ** power_t with t = epoch_num * m examples seen (scikit-learn's)."""
    return learning_rate0 / (epoch_num * m + 1) ** power_t


class Schedule:
    """learning_rate(epoch) for each epoch; epoch_end(cost) sees each epoch's cost when needs_cost."""

    needs_cost = False

    def __init__(self, rate: Callable[[int], float]) -> None:
        self.rate = rate

    def learning_rate(self, epoch: int) -> float:
        return self.rate(epoch)

    def epoch_end(self, cost: float) -> None:
        """Nothing to learn from the cost for a fixed schedule."""

    def state(self) -> dict[str, Any] | None:
        """What a resumed fit needs to continue (None: the epoch number is enough)."""
        return None


class Adaptive(Schedule):
    """scikit-learn's adaptive: the rate is divided by 5 once the cost has failed to drop by `tol`
    for more than `n_iter_no_change` consecutive epochs (the count then restarts)."""

    needs_cost = True

    def __init__(self, learning_rate0: float, n_iter_no_change: int, tol: float, state: dict | None = None):
        self.learning_rate0, self.n_iter_no_change, self.tol = learning_rate0, n_iter_no_change, tol
        state = state if state and state.get("learning_rate0") == learning_rate0 else {}
        self.rate_now = float(state.get("learning_rate", learning_rate0))
        best = state.get("best")
        self.best = math.inf if best is None else float(best)
        self.count = int(state.get("count", 0))
        super().__init__(lambda epoch: self.rate_now)

    def epoch_end(self, cost: float) -> None:
        self.count = self.count + 1 if cost > self.best - self.tol else 0
        self.best = min(self.best, cost)
        if self.count > self.n_iter_no_change:
            self.rate_now /= 5.0
            self.count = 0

    def state(self) -> dict[str, Any]:
        return {
            "decay": "adaptive",
            "learning_rate0": self.learning_rate0,
            "learning_rate": self.rate_now,
            "best": None if math.isinf(self.best) else self.best,  # JSON has no infinity
            "count": self.count,
        }


def make_schedule(
    decay: str | Callable | None,
    learning_rate0: float,
    m: int,
    decay_rate: float = 1.0,
    time_interval: int = 1000,
    power_t: float = 0.5,
    n_iter_no_change: int = 10,
    tol: float = 1e-4,
    state: dict | None = None,
) -> Schedule:
    """The schedule `decay` names (None: constant), or decay(learning_rate0, epoch, decay_rate) if callable.

    state: a previous Adaptive's state() to continue from (a resumed fit with the same learning_rate0).
    """
    lr0 = learning_rate0
    if decay is None:
        return Schedule(lambda epoch: lr0)
    if callable(decay):
        return Schedule(lambda epoch: float(decay(lr0, epoch, decay_rate)))
    if decay not in DECAYS:
        raise ValueError(
            f"unknown decay {decay!r}; expected None, one of {', '.join(DECAYS)}, "
            "or a function decay(learning_rate0, epoch_num, decay_rate) like xnn.schedules.update_lr"
        )
    rate = check_nonnegative_number("decay_rate", decay_rate)
    if decay == "inverse":
        return Schedule(lambda epoch: update_lr(lr0, epoch, rate))
    if decay == "scheduled":
        interval = check_count("time_interval", time_interval)
        return Schedule(lambda epoch: schedule_lr_decay(lr0, epoch, rate, interval))
    if decay == "invscaling":
        power = check_nonnegative_number("power_t", power_t)
        return Schedule(lambda epoch: invscaling(lr0, epoch, m, power))
    patience = check_count("n_iter_no_change", n_iter_no_change)
    keep = state if state and state.get("decay") == "adaptive" else None
    return Adaptive(lr0, patience, check_nonnegative_number("tol", tol), keep)
