"""Test accuracy against training seconds per learner, the target as a line, log time axis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks._style import color, plt, save
from benchmarks.accuracy import accuracy_lines
from benchmarks.results import Row


def _curve(ax: Any, line: dict[str, Any]) -> None:
    """A learner's accuracy after each epoch (dashed: scikit-learn), a star where it reaches the target."""
    seconds, accuracy = zip(*line["curve"], strict=True)
    style = "--" if line["learner"].startswith("sklearn") else "-"
    colour = color(line["learner"])
    ax.plot(seconds, accuracy, style, marker=".", markersize=3, color=colour, label=line["learner"])
    if line.get("reached"):
        ax.plot(line["time_to_target_s"], line["target"], "*", markersize=11, color=colour)


def _target(ax: Any, target: float) -> None:
    """The target accuracy as a dotted line, labelled at the left."""
    ax.axhline(target, color="0.3", linestyle=":", linewidth=1)
    ax.annotate(
        f"target {target:g}",
        xy=(0.01, target),
        xycoords=("axes fraction", "data"),
        xytext=(0, 3),
        textcoords="offset points",
        fontsize=8,
        color="0.3",
    )


def accuracy_plot(rows: list[Row], path: Path) -> Path | None:
    """Test accuracy against training seconds (log), one curve per learner, the target marked."""
    lines = [line for line in accuracy_lines(rows) if line.get("curve")]
    if not lines:
        return None
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    for line in lines:
        _curve(ax, line)
    _target(ax, lines[0]["target"])
    floor = min(a for line in lines for _, a in line["curve"])
    ax.set(
        xscale="log",
        xlabel="training time (s, log)",
        ylabel="test accuracy",
        ylim=(max(0.5, floor - 0.02), 1.0),
    )
    ax.set_title(f"{lines[0]['task']}: test accuracy while training (★ target reached)", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return save(fig, path, "Time to accuracy: xnn backends and scikit-learn's MLPClassifier")
