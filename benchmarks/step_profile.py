"""The per-op profile of one training step: shares per category, per backend and net, as a table."""

from __future__ import annotations

from typing import Any

from benchmarks._format import fmt_time, md_table
from benchmarks._names import order_key
from benchmarks._timed_backend import CATEGORIES
from benchmarks.results import Row

FIGURE = "step_profile.png"


def profiles(rows: list[Row]) -> list[dict[str, Any]]:
    """One line per (net, backend): the plain step's time and seconds per category, in display order."""
    mine = [r for r in rows if r.suite == "profile" and "categories" in r.info]
    mine.sort(key=lambda r: (r.n, r.size, order_key(r.backend)))
    return [
        {
            "size": r.size,
            "backend": r.backend,
            "step": float(r.info["plain_step_s"]),
            "profiled": float(r.info.get("profiled_step_s", 0.0)),
            "categories": {c: float(r.info["categories"].get(c, 0.0)) for c in CATEGORIES},
            "methods": r.info.get("methods", {}),
        }
        for r in mine
    ]


def shares(line: dict[str, Any]) -> dict[str, float]:
    """Each category's fraction of the line's accounted time (calls + overhead)."""
    total = sum(line["categories"].values()) or 1.0
    return {c: s / total for c, s in line["categories"].items()}


def _top(methods: dict[str, float], k: int = 3) -> str:
    ranked = sorted(methods.items(), key=lambda kv: -kv[1])[:k]
    return ", ".join(f"{m} {fmt_time(s)}" for m, s in ranked if s > 0)


def profile_section(rows: list[Row], figures: bool = True) -> list[str]:
    """Markdown: where a step's time goes, per backend, with the three costliest backend calls."""
    lines = profiles(rows)
    if not lines:
        return []
    used = [c for c in CATEGORIES if any(line["categories"][c] > 0 for line in lines)]
    cells = [
        [line["size"], line["backend"], fmt_time(line["step"])]
        + [f"{shares(line)[c] * 100:.0f} %" for c in used]
        + [_top(line["methods"])]
        for line in lines
    ]
    header = ["net", "backend", "step", *used, "costliest calls"]
    intro = (
        "One training step as `fit` runs it (`Network.train_step`: forward, cost, backward, SGD "
        "update), each backend call timed and synced by a proxy around the backend "
        "(`benchmarks/_timed_backend.py`). matmul "
        "includes the fused linear_forward/backward calls (GEMMs with the bias add and db folded in); "
        "overhead is the plain step's time minus the calls' time: xnn's Python between backend calls."
    )
    figure = [f"![where a step's time goes]({FIGURE})", ""] if figures else []
    return ["", "## Where a training step's time goes", "", intro, "", *figure] + md_table(header, cells)
