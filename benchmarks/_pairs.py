"""Paired timing: two calls alternated, each after a pause, and the median of the per-pair ratios.

A ratio from one paired run drifts with the machine's load far less than two separately timed
medians. The pause is there because a thread pool keeps spinning after its last call (OpenBLAS's
threads for about 0.1 s, measured here: a numba step right after a numpy step took 39 ms instead
of 23 ms), so without it the second call of a pair would pay for the first one's threads.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

PAUSE_S = 0.15  # longer than OpenBLAS's spin (2**28 cycles) and numba's
FAST_S = 0.05  # calls faster than this get one untimed call after the pause: its pool is warm again


def timed(fn: Callable[[], Any]) -> float:
    """Seconds one call of fn takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


class Pairs:
    """Alternate calls[a] and calls[b] (neither always first); `one()` runs and times one pair."""

    def __init__(
        self, calls: dict[str, Callable[[], Any]], pause_s: float = PAUSE_S, warm_up: bool = True
    ) -> None:
        """pause_s=0, warm_up=False: the calls back to back, each timed once (calls that share one
        thread pool, which then never idles between them)."""
        assert len(calls) == 2, "a pair is two calls"
        self.calls, self.pause_s = calls, pause_s
        self.times: dict[str, list[float]] = {name: [] for name in calls}
        for fn in calls.values():
            fn()  # the first call may compile (numba) or fill caches: not the call to size by
        self.warm = {name: warm_up and timed(fn) < FAST_S for name, fn in calls.items()}

    def one(self) -> None:
        """Both calls once, each after the pause (and a warm-up call when it is fast)."""
        names = list(self.calls)
        for name in names if len(self.times[names[0]]) % 2 else names[::-1]:
            if self.pause_s:
                time.sleep(self.pause_s)
            if self.warm[name]:
                self.calls[name]()
            self.times[name].append(timed(self.calls[name]))

    def summary(self, numerator: str, denominator: str) -> dict[str, Any]:
        """pair_ratio = median of numerator/denominator per pair; the medians; the pair count."""
        return pair_summary(self.times, numerator, denominator)


def pair_summary(times: dict[str, list[float]], numerator: str, denominator: str) -> dict[str, Any]:
    """The median per-pair ratio of two equally long lists of seconds, their medians and count."""
    ratios = [a / b for a, b in zip(times[numerator], times[denominator], strict=True)]
    if not ratios:
        raise ValueError(f"no pairs timed for {numerator} / {denominator}: run Pairs.one() first")
    return {
        "pair_ratio": statistics.median(ratios),
        "pair_medians": {name: statistics.median(t) for name, t in times.items()},
        "pairs": len(ratios),
        "pair_of": [numerator, denominator],
    }
