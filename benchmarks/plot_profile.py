"""The per-op profile as stacked bars: one bar per backend, one panel per net, shares of the step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks._format import fmt_time
from benchmarks._style import plt, save
from benchmarks._timed_backend import CATEGORIES
from benchmarks.results import Row
from benchmarks.step_profile import profiles, shares

# a fixed colour per category (not per backend): the bars' segments read the same in every panel
CATEGORY_COLORS = dict(zip(CATEGORIES, plt.get_cmap("Set2").colors, strict=False))


def _panel(ax: Any, net: str, lines: list[dict[str, Any]]) -> None:
    """One net: a bar per backend (first on top), segments per category, the step time in the label."""
    mine = [line for line in lines if line["size"] == net][::-1]
    labels = [f"{line['backend']}\n{fmt_time(line['step'])}" for line in mine]
    left = [0.0] * len(mine)
    for c in CATEGORIES:
        widths = [shares(line).get(c, 0.0) * 100 for line in mine]
        ax.barh(labels, widths, left=left, color=CATEGORY_COLORS[c], label=c, height=0.65)
        left = [a + w for a, w in zip(left, widths, strict=True)]
    ax.set(xlim=(0, 100), title=f"{net}, float32", xlabel="share of one training step (%)")
    ax.tick_params(axis="y", labelsize=8)


def profile_plot(rows: list[Row], path: Path) -> Path | None:
    """Horizontal 100 % stacked bars: matmul, elementwise, ... overhead; one legend for all panels."""
    lines = profiles(rows)
    nets = list(dict.fromkeys(line["size"] for line in lines))
    if not nets:
        return None
    bars = [sum(line["size"] == net for line in lines) for net in nets]
    fig, axes = plt.subplots(
        len(nets), 1, figsize=(8, 1.4 + sum(0.55 * b + 0.9 for b in bars)), height_ratios=bars, squeeze=False
    )
    for ax, net in zip(axes[:, 0], nets, strict=True):
        _panel(ax, net, lines)
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=len(CATEGORIES), fontsize=8, frameon=False)
    saved = save(fig, path, "Where a training step's time goes (backend, step time)", rect=(0, 0.05, 1, 1))
    return saved
