"""The report as Markdown: headline, issue 14's and the numpy step's targets, step profile,
time to accuracy, speedups, compile times."""

from __future__ import annotations

from typing import Any

from benchmarks._format import fmt_ratio, fmt_time, md_table
from benchmarks.accuracy import accuracy_section
from benchmarks.gpu import gpu_section
from benchmarks.issue14 import issue14_section
from benchmarks.results import Row
from benchmarks.scaleout import scaleout_section
from benchmarks.scaling import headline_section
from benchmarks.step_profile import profile_section
from benchmarks.tables import compile_times, speedups
from benchmarks.targets import targets_section


def _speedup_sections(table: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for suite, op in dict.fromkeys((t["suite"], t["op"]) for t in table):
        cells = [
            [
                t["size"],
                t["dtype"],
                t["backend"],
                fmt_time(t["median"]),
                fmt_ratio(t["vs_python"]),
                fmt_ratio(t["vs_numpy"]),
            ]
            for t in table
            if (t["suite"], t["op"]) == (suite, op)
        ]
        out += ["", f"## {suite}: {op}", ""]
        out += md_table(["size", "dtype", "backend", "median", "speedup vs python", "vs numpy"], cells)
    return out


def _compile_section(lines: list[dict[str, Any]]) -> list[str]:
    if not lines:
        return []
    cells = [
        [
            c["op"],
            c["dtype"],
            fmt_time(c.get("cold_first_call")),
            fmt_time(c.get("warm_first_call")),
            fmt_time(c.get("steady")),
            fmt_time(c.get("cold_process")),
            fmt_time(c.get("warm_process")),
        ]
        for c in lines
    ]
    header = [
        "op",
        "dtype",
        "first call, cold cache",
        "first call, warm cache",
        "steady call",
        "process, cold",
        "process, warm",
    ]
    return ["", "## numba compile: first call in a fresh process", ""] + md_table(header, cells)


def _preamble(machine: dict[str, Any]) -> list[str]:
    xnn = machine.get("xnn", {})
    cpu = machine.get("cpu", {}) if isinstance(machine.get("cpu"), dict) else {}
    facts = {
        "machine": machine.get("node"),
        "cpu": cpu.get("brand_raw"),
        "profile": xnn.get("profile"),
        "threads": xnn.get("threads"),
        "python": machine.get("python_version"),
        "versions": ", ".join(f"{k} {v}" for k, v in xnn.get("versions", {}).items()) or None,
        "load average (1, 5, 15 min) at start / end": _load(xnn),
    }
    lines = [f"- {k}: {v}" for k, v in facts.items() if v is not None]
    return [
        "",
        "## This run",
        "",
        "Median times; speedup = baseline median / this median at the "
        "same op, size and dtype (no row, no speedup: nothing is extrapolated).",
        "",
        *lines,
    ]


def _load(xnn: dict[str, Any]) -> str | None:
    """Load averages as written, e.g. '0.1, 0.2, 0.3 / 2.0, 1.1, 0.5'; None if not recorded."""
    start, end = xnn.get("loadavg_start"), xnn.get("loadavg_end")
    if not start and not end:
        return None
    return " / ".join(", ".join(map(str, v)) if v else "?" for v in (start, end))


def markdown(rows: list[Row], machine: dict[str, Any], figures: bool = True) -> str:
    """The whole report as Markdown; figures=False leaves out the links to the plots' PNGs."""
    parts = (
        ["# xnn benchmark report"]
        + headline_section(rows, figures)
        + _preamble(machine)
        + issue14_section(rows, machine, figures)
        + targets_section(rows, machine)
        + profile_section(rows, figures)
        + accuracy_section(rows, figures)
        + scaleout_section(rows, figures)
        + gpu_section(rows)
        + _speedup_sections(speedups(rows))
    )
    return "\n".join(parts + _compile_section(compile_times(rows))) + "\n"
