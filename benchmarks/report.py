"""Turn a pytest-benchmark JSON into speedup tables (stdout + Markdown) and plots.

Usage: python -m benchmarks.report RESULTS.json [--out DIR] [--no-plots]
Speedups are ratios of medians at the exact same op, size and dtype; a backend that did not run at
that size (the python loops above their cap) gets no speedup: nothing is extrapolated.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REQUIRED_INFO = ("suite", "op", "backend", "dtype", "size")
SUITES = ("ops", "loops", "network")
BACKEND_ORDER = (
    "python",
    "numpy-example-loop",
    "numpy",
    "numba",
    "cupy",
    "numpy-lean",
    "numpy-naive",
    "torch-cpu",
    "torch-cuda",
)
TARGETS = (("numpy-lean", 1.1), ("torch-cpu", 1.0))  # the numpy step's allowed ratio to each peer


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
    return Row(
        str(info["suite"]),
        str(info["op"]),
        str(info["size"]),
        str(info["dtype"]),
        str(info["backend"]),
        float(median),
        float(info.get("n", 0)),
        info,
    )


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


def _order(name: str) -> tuple[int, str]:
    return (BACKEND_ORDER.index(name) if name in BACKEND_ORDER else len(BACKEND_ORDER), name)


def speedups(rows: list[Row]) -> list[dict[str, Any]]:
    """Table lines: each row with speedup vs python and vs numpy at the same op, size and dtype."""
    medians: dict[tuple, dict[str, float]] = {}
    for r in rows:
        medians.setdefault(r.key, {})[r.backend] = r.median
    ops = list(dict.fromkeys((r.suite, r.op) for r in rows))
    table = []
    for r in sorted(
        (r for r in rows if r.suite != "compile" and not r.info.get("paired")),
        key=lambda r: (
            _suite_rank(r.suite),
            ops.index((r.suite, r.op)),
            r.n,
            r.size,
            r.dtype,
            _order(r.backend),
        ),
    ):
        peers = medians[r.key]
        table.append(
            {
                "suite": r.suite,
                "op": r.op,
                "size": r.size,
                "n": r.n,
                "dtype": r.dtype,
                "backend": r.backend,
                "median": r.median,
                "vs_python": _ratio(peers.get("python"), r.median),
                "vs_numpy": _ratio(peers.get("numpy"), r.median),
            }
        )
    return table


def _suite_rank(suite: str) -> int:
    return SUITES.index(suite) if suite in SUITES else len(SUITES)


def _ratio(baseline: float | None, median: float) -> float | None:
    return None if baseline is None else baseline / median


def compile_times(rows: list[Row]) -> list[dict[str, Any]]:
    """One line per (op, dtype): numba first-call, steady and process times, cold and warm."""
    lines: dict[tuple[str, str], dict[str, Any]] = {}
    for r in (r for r in rows if r.suite == "compile"):
        line = lines.setdefault((r.op, r.dtype), {"op": r.op, "dtype": r.dtype})
        cache = r.info.get("cache", r.size)
        line[f"{cache}_first_call"] = r.info.get("first_call_s")
        line[f"{cache}_process"] = r.median
        line["steady"] = r.info.get("steady_s", line.get("steady"))
    return list(lines.values())


def targets(rows: list[Row]) -> list[dict[str, Any]]:
    """The issue's targets per net and dtype: numpy backend step over each peer's step."""
    steps: dict[tuple, dict[str, float]] = {}
    for r in (r for r in rows if r.suite == "network" and r.op == "step"):
        steps.setdefault((r.n, r.size, r.dtype), {})[r.backend] = r.median
    for r in (r for r in rows if r.info.get("paired")):
        for backend, median in r.info["paired_medians"].items():
            steps.setdefault((r.n, r.size, r.dtype), {}).setdefault(backend, median)
    lines = []
    for (_, size, dtype), by in sorted(steps.items()):
        if "numpy" not in by:
            continue
        line: dict[str, Any] = {"size": size, "dtype": dtype, "numpy": by["numpy"]}
        for peer, limit in TARGETS:
            ratio = _ratio(by["numpy"], by[peer]) if peer in by else None
            line[peer] = (by.get(peer), ratio, None if ratio is None else ratio <= limit)
        lines.append(line)
    _use_paired_ratios(rows, lines)
    return lines


def _use_paired_ratios(rows: list[Row], lines: list[dict[str, Any]]) -> None:
    """Where step-pair rows ran, the lean ratio is their call-by-call median (side by side, no drift)."""
    paired = {(r.size, r.dtype): r.info for r in rows if r.info.get("paired")}
    limit = dict(TARGETS)["numpy-lean"]
    for line in lines:
        info = paired.get((line["size"], line["dtype"]))
        if info:
            ratio = float(info["paired_ratio"])
            line["numpy-lean"] = (info["paired_medians"]["numpy-lean"], ratio, ratio <= limit)
            line["numpy"] = info["paired_medians"]["numpy"]
            line["paired"] = True


def main(argv: list[str] | None = None) -> int:
    """Print the report, write it as report.md (and the plots) next to the JSON or into --out."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__.splitlines()[0])
    parser.add_argument("json", type=Path, help="a --benchmark-json file from the suite")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: the JSON's)")
    parser.add_argument("--no-plots", action="store_true", help="tables only")
    args = parser.parse_args(argv)
    try:
        rows, machine = load(args.json)
    except ReportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = args.out or args.json.parent
    out.mkdir(parents=True, exist_ok=True)
    from benchmarks.markdown import markdown

    text = markdown(rows, machine)
    (out / "report.md").write_text(text)
    print(text)
    if not args.no_plots:
        from benchmarks.plots import write_plots

        for path in write_plots(rows, speedups(rows), out):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
