"""The headline figure: step time against m, log-log, a line per backend, the crossovers marked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.ticker import FuncFormatter

from benchmarks._format import fmt_about, fmt_count
from benchmarks._style import color, plt, save
from benchmarks.results import Row
from benchmarks.scaling import Pair, crossovers, series


def _style(line: str) -> str:
    """Solid for backends; dashed for a variant (cupy+upload), dotted for the PyTorch peers."""
    if "+" in line:
        return "--"
    return ":" if line.startswith("torch") else "-"


def _mark(ax: Any, pair: Pair, c: dict, slot: int) -> None:
    """A vertical dotted line at the crossover's m with its words, staggered to keep labels apart."""
    colour = color(pair.challenger)
    ax.axvline(c["m"], color=colour, linestyle=":", linewidth=1.2)
    ax.annotate(
        f"{pair.challenger} overtakes {pair.incumbent}\nfrom m ≈ {fmt_about(c['m'])}",
        xy=(c["m"], 0.98 - 0.1 * slot),
        xycoords=("data", "axes fraction"),
        xytext=(4, 0),
        textcoords="offset points",
        fontsize=7.5,
        va="top",
        color=colour,
        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
    )


def _notes(ax: Any, said: list[str]) -> None:
    """What the lines cannot show (no crossing, a line stopped early) as a caption under the axes, where
    it never covers a line or a crossover's label."""
    if said:
        ax.text(0.0, -0.13, "\n".join(said), transform=ax.transAxes, fontsize=7.5, va="top", color="0.25")


def _stopped(lines: dict[str, list[tuple[float, float]]]) -> list[str]:
    """Lines that end before the largest m: their next step would have passed the profile's cap."""
    top = max(m for pts in lines.values() for m, _ in pts)
    ends = [(name, pts[-1][0]) for name, pts in lines.items() if pts[-1][0] < top]
    return [f"{name} stops at m = {fmt_count(m)} (its next step would pass the time cap)" for name, m in ends]


def _crossings(ax: Any, rows: list[Row]) -> list[str]:
    """Mark every crossover; return the pairs that never cross (or always lead) as words."""
    found = crossovers(rows)
    for slot, (pair, c) in enumerate((p, c) for p, c in found if c["kind"] == "at"):
        _mark(ax, pair, c, slot)
    words = {"always": "faster at every m both ran", "never": "never faster for good"}
    return [f"{p.challenger} vs {p.incumbent}: {words[c['kind']]}" for p, c in found if c["kind"] != "at"]


def _label(ax: Any, first: Row) -> None:
    ax.set(xscale="log", yscale="log", xlabel="m (examples per step)", ylabel="one training step (s, median)")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_count(v) if v >= 1 else f"{v:g}"))
    ax.set_title(f"{first.info.get('layer_dims', '')} {first.dtype}, one line per backend", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")


def scaling_plot(rows: list[Row], path: Path) -> Path | None:
    """Median step time per backend against m; dotted verticals where one overtakes another."""
    lines = series(rows)
    if not lines:
        return None
    fig, ax = plt.subplots(figsize=(9, 5.8))
    for name, pts in lines.items():
        ms, ts = zip(*pts, strict=True)
        ax.plot(ms, ts, _style(name), marker="o", markersize=3.5, color=color(name), label=name)
    _notes(ax, _crossings(ax, rows) + _stopped(lines))
    _label(ax, next(r for r in rows if r.suite == "scaling"))
    return save(fig, path, "What vectorization buys, and from which size on: one training step against m")
