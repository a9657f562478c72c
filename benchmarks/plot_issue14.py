"""Issue 14's goals as one picture: each measured value over its target, a bar per goal, 1 = the target."""

from __future__ import annotations

import textwrap
from pathlib import Path

from benchmarks._style import plt, save
from benchmarks.issue14 import goals
from benchmarks.results import Row

MET, MISSED = "tab:green", "tab:red"


def issue14_plot(rows: list[Row], path: Path) -> Path | None:
    """Horizontal bars of measured / target (turned so that left of 1 is met), labelled with the result."""
    shown = [g for g in goals(rows) if g.score is not None][::-1]  # the first goal on top
    if not shown:
        return None
    fig, ax = plt.subplots(figsize=(10, 1.4 + 0.5 * len(shown)))
    labels = [textwrap.fill(g.what, 42) for g in shown]
    bars = ax.barh(
        labels, [g.score for g in shown], color=[MET if g.ok else MISSED for g in shown], height=0.6
    )
    ax.bar_label(bars, labels=[f"{g.result} ({g.target})" for g in shown], fontsize=7, padding=3)
    ax.axvline(1.0, color="0.2", linewidth=1, linestyle="--")
    ax.set_xscale("log")
    low, high = min(0.25, min(g.score for g in shown) / 1.5), max(4.0, max(g.score for g in shown) * 3)
    ticks = [t for t in (0.1, 0.25, 0.5, 1, 2, 4, 10, 25, 100) if low <= t <= high]
    ax.set_xticks(ticks, [f"{t:g}×" for t in ticks])
    ax.minorticks_off()
    ax.set_xlim(low, high)
    ax.set_xlabel("measured / target (log; left of the dashed line: met)")
    ax.tick_params(axis="y", labelsize=7)
    return save(fig, path, "Issue 14's targets in this run")
