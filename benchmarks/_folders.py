"""Where a run writes: never over results already there (e.g. the committed ones) unless asked."""

from __future__ import annotations

import time
from pathlib import Path


def holds_results(folder: Path) -> bool:
    """True when the folder already has a benchmark result (results.json or report.md)."""
    return (folder / "results.json").exists() or (folder / "report.md").exists()


def fresh_folder(default: Path, overwrite: bool, now: float | None = None) -> Path:
    """`default`, or when it holds results and overwrite is off, a sibling named <name>-<date-time>."""
    if overwrite or not holds_results(default):
        return default
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    fresh = default.with_name(f"{default.name}-{stamp}")
    print(
        f"benchmarks: {default} already holds results; this run writes to {fresh} instead "
        "(--overwrite or XNN_BENCH_OVERWRITE=1 replaces them)",
        flush=True,
    )
    return fresh
