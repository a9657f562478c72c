"""A timing proxy around a Backend: every contract call is timed, synced and filed under a category.

`TimedBackend(be)` is itself a Backend, so `xnn.Network(..., backend=TimedBackend(be))` trains through
it unchanged; the wrapped backend's code is not touched. Only the calls xnn makes are timed: a fused
op (linear_backward = two GEMMs and a row sum) counts once, under its main work, as the backend runs
it. Each call ends with the backend's synchronize(), so GPU work lands in the op that queued it.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from typing import Any

from backends import Backend

# Categories in the order they are stacked; "overhead" is what the step spends outside backend calls.
CATEGORIES = ("matmul", "elementwise", "reductions", "update", "sync/transfer", "other", "overhead")
CATEGORY = {
    **dict.fromkeys(("matmul", "linear_forward", "linear_backward"), "matmul"),
    **dict.fromkeys(("sum", "mean", "max", "argmax"), "reductions"),
    **dict.fromkeys(
        ("binary_cross_entropy", "categorical_cross_entropy", "mean_squared_error"), "reductions"
    ),
    **dict.fromkeys(("asarray", "to_numpy", "item", "synchronize", "materialize"), "sync/transfer"),
    **dict.fromkeys(("zeros", "ones", "full", "empty", "copy", "astype", "memory_info"), "other"),
    **dict.fromkeys(("recycle", "free_workspace"), "other"),
    **dict.fromkeys(("broadcast_to", "reshape", "transpose", "take", "dropout_mask"), "other"),
    **dict.fromkeys(("activation_forward_", "activation_backward_"), "elementwise"),  # in place, not updates
}


def category(method: str) -> str:
    """The category a contract method is filed under; in-place updates end in "_" (contract rule 6)."""
    if method in CATEGORY:
        return CATEGORY[method]
    return "update" if method.endswith("_") else "elementwise"


def contract_methods() -> tuple[str, ...]:
    """Every public method of the Backend contract (read at import, so new contract ops are timed too)."""
    return tuple(n for n in dir(Backend) if not n.startswith("_") and callable(getattr(Backend, n)))


class _TimedBase(Backend):
    """The proxy's state and its one timing path; the public methods are generated below."""

    def __init__(self, inner: Backend, clock: Any = time.perf_counter) -> None:  # noqa: D107
        self.inner, self.dtype, self.name = inner, inner.dtype, inner.name
        self._clock = clock
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self.call_cost = 0.0  # seconds the proxy itself adds inside one timed call (see calibrate)

    def __repr__(self) -> str:
        return f"TimedBackend({self.inner!r})"

    def __getattr__(self, attr: str) -> Any:
        """Attributes outside the contract (xp, device_id...) come from the wrapped backend, untimed."""
        return getattr(self.inner, attr)

    def _timed(self, method: str, args: tuple, kwargs: dict, fn: Any = None) -> Any:
        start = self._clock()
        out = (fn or getattr(self.inner, method))(*args, **kwargs)
        self.inner.synchronize()
        self.seconds[method] += self._clock() - start
        self.calls[method] += 1
        return out

    def calibrate(self, batches: int = 15, calls: int = 20) -> float:
        """Measure call_cost: the time recorded for a call that does nothing (median of batch means).

        take_seconds subtracts it per call, so a tiny net's many short calls are not inflated by the
        proxy's own clock reads and dispatch (the bookkeeping between calls is outside the timing).
        """
        means = []
        for _ in range(batches):
            self.take_seconds()
            for _ in range(calls):
                self._timed("nothing", (), {}, _nothing)
            means.append(self.seconds["nothing"] / calls)
        self.take_seconds()
        self.call_cost = sorted(means)[batches // 2]
        return self.call_cost

    def take_seconds(self) -> dict[str, float]:
        """Seconds per method since the last take, less call_cost per call; counting starts afresh."""
        taken = {m: max(0.0, s - self.call_cost * self.calls[m]) for m, s in self.seconds.items()}
        self.seconds, self.calls = defaultdict(float), Counter()
        return taken


def _nothing() -> None:
    """The call calibrate times: all that is recorded is the proxy's own cost."""


def _forward(method: str) -> Any:
    def timed(self: _TimedBase, *args: Any, **kwargs: Any) -> Any:
        return self._timed(method, args, kwargs)

    timed.__name__ = timed.__qualname__ = method
    return timed


TimedBackend = type(
    "TimedBackend",
    (_TimedBase,),
    {
        "__doc__": "A Backend that times each contract call of the backend it wraps.",
        **{m: _forward(m) for m in contract_methods()},
    },
)


def by_category(seconds: dict[str, float]) -> dict[str, float]:
    """Seconds per method summed into CATEGORIES (overhead not included: it is not a call)."""
    totals: dict[str, float] = defaultdict(float)
    for method, s in seconds.items():
        totals[category(method)] += s
    return dict(totals)
