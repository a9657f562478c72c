"""The report's numbers from Rows: speedups at equal op/size/dtype, numba compile times, the targets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from benchmarks._names import order_key
from benchmarks.results import Row

SUITES = ("ops", "loops", "network")


@dataclass(frozen=True)
class Target:
    """A goal for the numpy backend's training step: its time over `peer`'s time at most `limit`."""

    peer: str
    limit: float
    peer_words: str  # what the peer is, for the report's plain-words explanation


TARGETS = (
    Target(
        "numpy-lean", 1.1, "a hand-written lean NumPy step of the same net (in-place ops, no wasted work)"
    ),
    Target("torch-cpu", 1.0, "PyTorch on the CPU (autograd + SGD) training the same net"),
)


def _ratio(baseline: float | None, median: float) -> float | None:
    return None if baseline is None else baseline / median


def _suite_rank(suite: str) -> int:
    return SUITES.index(suite) if suite in SUITES else len(SUITES)


def speedups(rows: list[Row]) -> list[dict[str, Any]]:
    """Table lines: each row with speedup vs python and vs numpy at the same op, size and dtype."""
    medians: dict[tuple, dict[str, float]] = {}
    for r in rows:
        medians.setdefault(r.key, {})[r.backend] = r.median
    tabled = [r for r in rows if r.suite in SUITES and not r.info.get("paired")]
    ops = list(dict.fromkeys((r.suite, r.op) for r in tabled))

    def rank(r: Row) -> tuple:
        return (_suite_rank(r.suite), ops.index((r.suite, r.op)), r.n, r.size, r.dtype, order_key(r.backend))

    return [
        {
            "suite": r.suite,
            "op": r.op,
            "size": r.size,
            "n": r.n,
            "dtype": r.dtype,
            "backend": r.backend,
            "median": r.median,
            "vs_python": _ratio(medians[r.key].get("python"), r.median),
            "vs_numpy": _ratio(medians[r.key].get("numpy"), r.median),
        }
        for r in sorted(tabled, key=rank)
    ]


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
    """Per net and dtype: the numpy step's time and, per Target, (peer time, ratio, met or None)."""
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
        for t in TARGETS:
            ratio = _ratio(by["numpy"], by[t.peer]) if t.peer in by else None
            line[t.peer] = (by.get(t.peer), ratio, None if ratio is None else ratio <= t.limit)
        lines.append(line)
    _use_paired_ratios(rows, lines)
    return lines


def _use_paired_ratios(rows: list[Row], lines: list[dict[str, Any]]) -> None:
    """Where step-pair rows ran, the lean ratio is their call-by-call median (side by side, no drift)."""
    paired = {(r.size, r.dtype): r.info for r in rows if r.info.get("paired")}
    limit = next(t.limit for t in TARGETS if t.peer == "numpy-lean")
    for line in lines:
        info = paired.get((line["size"], line["dtype"]))
        if info:
            ratio = float(info["paired_ratio"])
            line["numpy-lean"] = (info["paired_medians"]["numpy-lean"], ratio, ratio <= limit)
            line["numpy"] = info["paired_medians"]["numpy"]
            line["paired"] = True
