"""Scale-out in the report: dask step time against chunk count, threads and a cluster, beside numpy."""

from __future__ import annotations

from typing import Any

from benchmarks._format import fmt_ratio, fmt_time, md_table
from benchmarks.results import Row

FIGURE = "scale_out.png"


def scaleout_rows(rows: list[Row]) -> list[Row]:
    """The scale-out group's step rows (numpy reference, dask per scheduler and chunk count)."""
    return [r for r in rows if r.suite == "scale-out" and r.op == "step"]


def series(rows: list[Row]) -> dict[str, dict[str, Any]]:
    """{size: {"numpy": seconds, "threads": {chunks: row}, "cluster": {...}, "paired": {mode: row}}}."""
    out: dict[str, dict[str, Any]] = {}
    for r in scaleout_rows(rows):
        entry = out.setdefault(r.size, {"numpy": None, "threads": {}, "cluster": {}, "paired": {}})
        mode = r.info.get("scheduler")
        if r.info.get("paired"):
            entry["paired"][mode] = r
        elif mode == "numpy":
            entry["numpy"] = r.median
        elif mode in ("threads", "cluster"):
            entry[mode][int(r.info["chunks"])] = r
    return out


def _cells(size: str, entry: dict[str, Any]) -> list[list[str]]:
    numpy = entry["numpy"]
    cells = []
    for mode in ("threads", "cluster"):
        for chunks, r in sorted(entry[mode].items()):
            tasks, budget = r.info.get("tasks_per_step"), r.info.get("task_budget")
            versus = fmt_ratio(r.median / numpy) if numpy else "—"
            cells.append([size, mode, str(chunks), fmt_time(r.median), versus, f"{tasks} (≤ {budget})"])
    return cells


def _paired_lines(entry: dict[str, Any]) -> list[str]:
    lines = []
    for mode, r in sorted(entry["paired"].items()):
        ratio, target = r.info.get("paired_ratio"), r.info.get("target")
        if ratio is None:
            continue
        verdict = "met ✓" if target is not None and ratio <= target else "missed ✗"
        lines.append(
            f"- {mode}, 2 chunks, timed call by call against numpy: {fmt_ratio(ratio)} numpy's step "
            f"time; the target is at most {target:g}×: {verdict}."
        )
    return lines


def scaleout_section(rows: list[Row], figures: bool = True) -> list[str]:
    """Markdown: what was run, the figure, one table row per scheduler and chunk count, the targets."""
    data = series(rows)
    if not data:
        return []
    intro = (
        "One training step of the same network on the dask backend, the examples split into 1, 2, 4, 8 "
        "chunks, on Dask's threaded scheduler in this process and on a 2-process `LocalCluster` "
        "(one thread each), beside the numpy backend with the same 2 cores. Tasks per step are counted "
        "in one step's optimised graph (budget: (4L + 4) × chunks)."
    )
    header = ["net, m", "scheduler", "chunks", "step", "× numpy", "tasks per step"]
    cells = [c for size, entry in data.items() for c in _cells(size, entry)]
    paired = [line for entry in data.values() for line in _paired_lines(entry)]
    figure = [f"![dask step time against chunks]({FIGURE})", ""] if figures else []
    return ["", "## Scale-out: dask", "", intro, "", *figure] + md_table(header, cells) + ["", *paired]
