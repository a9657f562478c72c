"""Dask's step time against the chunk count, one line per scheduler, numpy's step as a reference line."""

from __future__ import annotations

from pathlib import Path

from benchmarks._style import color, plt, save
from benchmarks.results import Row
from benchmarks.scaleout import series

STYLE = {"threads": ("-", "o"), "cluster": ("--", "s")}


def scaleout_plot(rows: list[Row], path: Path) -> Path | None:
    """One panel per problem size: step seconds against chunks (log 2), threads and cluster lines."""
    data = series(rows)
    if not data:
        return None
    fig, axes = plt.subplots(1, len(data), figsize=(6.5 * len(data), 4.4), squeeze=False)
    for ax, (size, entry) in zip(axes[0], data.items(), strict=True):
        for mode, (line, marker) in STYLE.items():
            points = sorted(entry[mode].items())
            if points:
                chunks, times = zip(*((c, r.median) for c, r in points), strict=True)
                ax.plot(chunks, times, line, marker=marker, color=color("dask"), label=f"dask, {mode}")
        if entry["numpy"]:
            ax.axhline(entry["numpy"], color=color("numpy"), linestyle=":", label="numpy (2 threads)")
        ax.set(xscale="log", xlabel="chunks along m", ylabel="step time (s)", title=size)
        ax.set_xticks([1, 2, 4, 8], labels=["1", "2", "4", "8"])
        ax.minorticks_off()
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    return save(fig, path, "Scale-out: one training step on dask against the chunk count")
