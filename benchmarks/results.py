"""A pytest-benchmark JSON of this suite as rows: what was measured, where, and its median seconds.

The bottom of the report's layers: tables, markdown and plots read Rows; nothing here imports them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REQUIRED_INFO = ("suite", "op", "backend", "dtype", "size")


class ReportError(ValueError):
    """The JSON is not a pytest-benchmark result of this suite."""


@dataclass(frozen=True)
class Row:
    """One benchmark: where it belongs and its median seconds."""

    suite: str
    op: str
    size: str
    dtype: str
    backend: str
    median: float
    n: float = 0.0
    info: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """(suite, op, size, dtype): rows with the same key are compared."""
        return (self.suite, self.op, self.size, self.dtype)


def _row(index: int, bench: Any) -> Row:
    """A Row from one entry of "benchmarks"; ReportError says which entry and what is wrong."""
    where = f"benchmarks[{index}] ({bench.get('name', '?') if isinstance(bench, dict) else '?'})"
    if not isinstance(bench, dict):
        raise ReportError(f"{where}: expected an object, got {type(bench).__name__}")
    info, stats = bench.get("extra_info"), bench.get("stats")
    if not isinstance(info, dict) or not isinstance(stats, dict):
        raise ReportError(f"{where}: needs 'extra_info' and 'stats' objects (a pytest-benchmark JSON)")
    missing = [k for k in REQUIRED_INFO if k not in info]
    if missing:
        raise ReportError(f"{where}: extra_info lacks {missing} (not written by benchmarks/bench_*.py?)")
    median = stats.get("median")
    if not isinstance(median, (int, float)) or isinstance(median, bool) or median <= 0:
        raise ReportError(f"{where}: stats.median must be a positive number, got {median!r}")
    keys = [str(info[k]) for k in ("suite", "op", "size", "dtype", "backend")]
    return Row(*keys, float(median), float(info.get("n", 0)), info)


def load(path: str | Path) -> tuple[list[Row], dict[str, Any]]:
    """(rows, machine_info) from a --benchmark-json file; ReportError on anything malformed."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ReportError(f"{path}: cannot read a JSON document: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise ReportError(f"{path}: expected an object with a 'benchmarks' list (pytest-benchmark JSON)")
    rows = [_row(i, bench) for i, bench in enumerate(data["benchmarks"])]
    if not rows:
        raise ReportError(f"{path}: no benchmarks recorded (every one skipped or deselected?)")
    return rows, data.get("machine_info") or {}
