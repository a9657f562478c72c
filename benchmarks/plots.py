"""PNG plots for the report (matplotlib, Agg): speedup bars, time vs size, training-step comparison."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks._format import fmt_ratio
from benchmarks._names import ordered
from benchmarks._style import color, grid, save
from benchmarks.accuracy import FIGURE as ACCURACY_FIGURE
from benchmarks.issue14 import FIGURE as ISSUE14_FIGURE
from benchmarks.plot_accuracy import accuracy_plot
from benchmarks.plot_issue14 import issue14_plot
from benchmarks.plot_profile import profile_plot
from benchmarks.plot_scaleout import scaleout_plot
from benchmarks.plot_scaling import scaling_plot
from benchmarks.results import Row
from benchmarks.scaleout import FIGURE as SCALEOUT_FIGURE
from benchmarks.scaling import FIGURE
from benchmarks.step_profile import FIGURE as PROFILE_FIGURE
from benchmarks.tables import speedups


def _bars(ax: Any, groups: list[str], series: dict[str, list[float | None]], fmt=None) -> None:
    """Grouped bars on a log axis; a missing value leaves a gap, never an estimate."""
    width = 0.8 / max(1, len(series))
    for k, (name, values) in enumerate(series.items()):
        xs = [i + (k - (len(series) - 1) / 2) * width for i, v in enumerate(values) if v is not None]
        ys = [v for v in values if v is not None]
        bars = ax.bar(xs, ys, width, label=name, color=color(name))
        if fmt:
            ax.bar_label(bars, labels=[fmt(v) for v in ys], fontsize=6, rotation=90, padding=2)
    ax.set_xticks(range(len(groups)), groups, rotation=20, ha="right", fontsize=7)
    ax.set_yscale("log")
    shown = [v for vs in series.values() for v in vs if v is not None]
    if shown:  # bars grow from below the smallest (and from 1x for speedups), room above for labels
        ax.set_ylim(min(shown + ([1.0] if fmt else [])) / 2, max(shown) * 4)


def speedup_plot(table: list[dict[str, Any]], dtype: str, path: Path) -> Path | None:
    """Speedup over the python loops per op, at the sizes where python ran."""
    lines = [
        t for t in table if t["dtype"] == dtype and t["vs_python"] is not None and t["backend"] != "python"
    ]
    ops = list(dict.fromkeys((t["suite"], t["op"]) for t in lines))
    if not ops:
        return None
    fig, axes = grid(len(ops))
    for ax, key in zip(axes, ops, strict=True):
        mine = [t for t in lines if (t["suite"], t["op"]) == key]
        sizes = list(dict.fromkeys(t["size"] for t in mine))
        series = {
            b: [
                next((t["vs_python"] for t in mine if t["size"] == s and t["backend"] == b), None)
                for s in sizes
            ]
            for b in ordered(t["backend"] for t in mine)
        }
        _bars(ax, sizes, series, fmt_ratio)
        ax.set_title(f"{key[1]} ({dtype})", fontsize=9)
        ax.set_ylabel("speedup over python loops (×)")
        ax.legend(fontsize=7)
    return save(fig, path, f"What vectorization buys: speedup over explicit Python loops, {dtype}")


def time_vs_size_plot(rows: list[Row], path: Path) -> Path | None:
    """Median time against size per backend and dtype, log-log, one panel per op."""
    mine = [r for r in rows if r.suite == "ops"]
    ops = list(dict.fromkeys(r.op for r in mine))
    if not ops:
        return None
    fig, axes = grid(len(ops))
    for ax, op in zip(axes, ops, strict=True):
        for b in ordered(r.backend for r in mine if r.op == op):
            for dtype, style in (("float32", "-o"), ("float64", "--s")):
                pts = sorted((r.n, r.median) for r in mine if (r.op, r.backend, r.dtype) == (op, b, dtype))
                if pts:
                    ax.plot(
                        *zip(*pts, strict=True), style, label=f"{b} {dtype}", markersize=3, color=color(b)
                    )
        ax.tick_params(axis="x", which="minor", labelbottom=False)
        ax.set(xscale="log", yscale="log", title=op, xlabel="size (n or elements)", ylabel="median (s)")
        ax.legend(fontsize=6)
    return save(fig, path, "Time vs size per backend")


def training_step_plot(rows: list[Row], path: Path) -> Path | None:
    """The training step of each net per backend and reference implementation, one panel per dtype."""
    steps = [r for r in rows if r.suite == "network" and r.op == "step"]
    dtypes = sorted({r.dtype for r in steps})
    if not dtypes:
        return None
    fig, axes = grid(len(dtypes), width=7.0, height=4.2)
    for ax, dtype in zip(axes, dtypes, strict=True):
        mine = sorted((r for r in steps if r.dtype == dtype), key=lambda r: r.n)
        nets = list(dict.fromkeys(r.size for r in mine))
        series = {
            b: [next((r.median for r in mine if r.size == s and r.backend == b), None) for s in nets]
            for b in ordered(r.backend for r in mine)
        }
        _bars(ax, nets, series)
        ax.set(title=f"one training step ({dtype})", ylabel="median (s, log)")
        ax.legend(fontsize=7)
    return save(fig, path, "Training step: xnn backends vs lean NumPy, course NumPy and PyTorch")


def write_plots(rows: list[Row], out: Path) -> list[Path]:
    """Every plot the data allows, written into `out`; returns the paths written."""
    table = speedups(rows)
    made = [
        speedup_plot(table, dtype, out / f"speedup_vs_python_{dtype}.png")
        for dtype in sorted({t["dtype"] for t in table})
    ]
    made += [
        scaling_plot(rows, out / FIGURE),
        time_vs_size_plot(rows, out / "time_vs_size.png"),
        training_step_plot(rows, out / "training_step.png"),
        profile_plot(rows, out / PROFILE_FIGURE),
        accuracy_plot(rows, out / ACCURACY_FIGURE),
        scaleout_plot(rows, out / SCALEOUT_FIGURE),
        issue14_plot(rows, out / ISSUE14_FIGURE),
    ]
    return [p for p in made if p is not None]
