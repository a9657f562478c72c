"""The divergence guard: stop training whose cost explodes, and put back the parameters of the last check
that passed (checks read a window of costs at once: one host sync per window, not per step)."""

from __future__ import annotations

import math
from typing import Any

from xnn.errors import TrainingDivergedError

GROWTH = 4.0  # a cost above GROWTH x the first one (and by more than 1) has left the basin


class DivergenceGuard:
    """Checks windows of device-side costs; keeps a device copy of the parameters at the last good check."""

    def __init__(self, net: Any, lr: float) -> None:
        self.net, self.lr = net, lr
        self.checked = 0  # costs before this index passed a check
        self.first: float | None = None
        self.snapshot = _copy(net)

    def check(self, costs: list[Any], worst: float) -> None:
        """Raise TrainingDivergedError (parameters restored) if the window's worst cost diverged."""
        if self.first is None:
            self.first = self.net.be.item(costs[0])
        if self._diverged(worst):
            self._fail(costs)
        self.checked = len(costs)
        self.snapshot = _copy(self.net)

    def _diverged(self, cost: float) -> bool:
        first = self.first if self.first is not None and math.isfinite(self.first) else 0.0
        return not math.isfinite(cost) or (cost > GROWTH * first and cost > first + 1.0)

    def _fail(self, costs: list[Any]) -> None:
        be = self.net.be
        iteration, cost = next(
            (i + 1, c) for i in range(self.checked, len(costs)) if self._diverged(c := be.item(costs[i]))
        )
        self.net.device_parameters = self.snapshot
        what = (
            "NaN or infinite" if not math.isfinite(cost) else f"{cost:.6g}, over {GROWTH:g}x its first value"
        )
        raise TrainingDivergedError(
            f"training diverged: the cost is {what} at iteration {iteration} "
            f"(learning_rate={self.lr:g}); the parameters after iteration {self.checked} were restored; "
            f"try a smaller learning rate, e.g. {self.lr / 10:g}, or standardise the inputs"
        )


def _copy(net: Any) -> dict:
    be = net.be
    return {key: be.copy(value) for key, value in net.device_parameters.items()}
