"""The report's tables from Rows: speedups at equal op/size/dtype and numba compile times."""

from __future__ import annotations

from typing import Any

from benchmarks._names import order_key
from benchmarks.results import Row

SUITES = ("ops", "loops", "network")  # the speedup tables' order; any other suite follows them
OWN_SECTIONS = (
    "compile",
    "scaling",
    "profile",
    "accuracy",
    "gpu",
    "targets",
)  # suites with a section of their own


def _ratio(baseline: float | None, median: float) -> float | None:
    return None if baseline is None else baseline / median


def _suite_rank(suite: str) -> int:
    return SUITES.index(suite) if suite in SUITES else len(SUITES)


def speedups(rows: list[Row]) -> list[dict[str, Any]]:
    """Table lines: each row with speedup vs python and vs numpy at the same op, size and dtype."""
    medians: dict[tuple, dict[str, float]] = {}
    for r in rows:
        medians.setdefault(r.key, {})[r.backend] = r.median
    tabled = [r for r in rows if r.suite not in OWN_SECTIONS and not r.info.get("paired")]
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
