"""The numpy backend's step targets: the ratios, the ✓/✗ verdicts, and what each mark means in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from benchmarks._format import fmt_ratio, fmt_time, md_table
from benchmarks.results import Row

BUSY_LOAD = 0.5  # load average per core above which timings are called "under load"


@dataclass(frozen=True)
class Target:
    """A goal for the numpy backend's training step: its time over `peer`'s time at most `limit`."""

    peer: str
    limit: float
    label: str  # the column's name
    words: str  # what the peer is, in plain words


TARGETS = (
    Target(
        "numpy-lean",
        1.1,
        "lean NumPy",
        "a hand-written NumPy step of the same net (in-place ops, no wasted work)",
    ),
    Target("torch-cpu", 1.0, "PyTorch CPU", "PyTorch on the CPU (autograd + SGD) training the same net"),
)


def targets(rows: list[Row]) -> list[dict[str, Any]]:
    """Per net and dtype: the numpy step's time and, per Target, (peer time, ratio, met or None)."""
    steps: dict[tuple, dict[str, float]] = {}
    for r in (r for r in rows if r.suite == "network" and r.op == "step"):
        steps.setdefault((r.n, r.size, r.dtype), {})[r.backend] = r.median
    for r in (r for r in rows if r.suite == "network" and r.info.get("paired")):
        for backend, median in r.info["paired_medians"].items():
            steps.setdefault((r.n, r.size, r.dtype), {}).setdefault(backend, median)
    lines = []
    for (_, size, dtype), by in sorted(steps.items()):
        if "numpy" not in by:
            continue
        line: dict[str, Any] = {"size": size, "dtype": dtype, "numpy": by["numpy"]}
        for t in TARGETS:
            ratio = by["numpy"] / by[t.peer] if t.peer in by else None
            line[t.peer] = (by.get(t.peer), ratio, None if ratio is None else ratio <= t.limit)
        lines.append(line)
    _use_paired_ratios(rows, lines)
    return lines


def _use_paired_ratios(rows: list[Row], lines: list[dict[str, Any]]) -> None:
    """Where step-pair rows ran, the lean ratio is their call-by-call median (side by side, no drift)."""
    paired = {(r.size, r.dtype): r.info for r in rows if r.suite == "network" and r.info.get("paired")}
    limit = next(t.limit for t in TARGETS if t.peer == "numpy-lean")
    for line in lines:
        info = paired.get((line["size"], line["dtype"]))
        if info:
            ratio = float(info["paired_ratio"])
            line["numpy-lean"] = (info["paired_medians"]["numpy-lean"], ratio, ratio <= limit)
            line["numpy"] = info["paired_medians"]["numpy"]
            line["paired"] = True


def mark(ok: bool | None) -> str:
    """✓ met, ✗ missed, nothing when the peer did not run."""
    return "" if ok is None else (" ✓" if ok else " ✗")


def verdict(line: dict[str, Any], t: Target) -> str | None:
    """One sentence: the target, the measured value and the outcome; None when the peer did not run."""
    peer_s, ratio, ok = line[t.peer]
    if ratio is None:
        return None
    outcome = "met" if ok else f"missed by {(ratio / t.limit - 1) * 100:.0f} %"
    return (
        f"{line['size']} {line['dtype']}: the numpy step took {fmt_time(line['numpy'])}, "
        f"{fmt_ratio(ratio)} the {t.label} step's {fmt_time(peer_s)}; "
        f"the target is at most {t.limit:g}×: {outcome}{mark(ok)}."
    )


def _legend() -> list[str]:
    """What a mark means, target by target."""
    lines = [
        "How to read a mark: each ratio is the numpy backend's step time divided by the peer's "
        "step time on the same net, data and dtype (below 1×: the numpy backend is faster).",
        "",
    ]
    for t in TARGETS:
        lines.append(
            f"- **numpy / {t.label} (≤ {t.limit:g})**: the numpy backend's training step may take at most "
            f"{t.limit:g}× the time of {t.words}. ✓ the measured ratio is within that, ✗ it is not, "
            "— the peer did not run on this machine (e.g. not installed)."
        )
    return lines


def load_warning(machine: dict[str, Any]) -> list[str]:
    """A caveat when the machine was busy: a ✗ under load is a question, not a verdict."""
    xnn = machine.get("xnn", {})
    loads = [v[0] for v in (xnn.get("loadavg_start"), xnn.get("loadavg_end")) if v]
    cores = xnn.get("cpu_count") or xnn.get("threads") or 1
    if not loads or max(loads) <= BUSY_LOAD * cores:
        return []
    return [
        "",
        f"Measured under load (1-minute load average up to {max(loads):g} on {cores} cores): other "
        "work shared the CPUs, so separately timed ratios are noisy; rerun on a quiet machine before "
        "reading a ✗ as a verdict (the (paired) ratios, timed call by call, suffer least).",
    ]


def targets_section(rows: list[Row], machine: dict[str, Any]) -> list[str]:
    """The targets table, what its marks mean, and one sentence per measured ratio."""
    lines = targets(rows)
    if not lines:
        return []
    cells = []
    for line in lines:
        row = [
            line["size"],
            line["dtype"],
            fmt_time(line["numpy"]) + (" (paired)" if line.get("paired") else ""),
        ]
        for t in TARGETS:
            peer_s, ratio, ok = line[t.peer]
            row += [fmt_time(peer_s), fmt_ratio(ratio) + mark(ok)]
        cells.append(row)
    header = ["net", "dtype", "numpy step"]
    for t in TARGETS:
        header += [t.label, f"numpy / {t.label} (≤ {t.limit:g})"]
    note = (
        "Where marked (paired), the numpy step and the lean step were timed alternately, call by call, "
        "and the ratio is the median of per-pair ratios; PyTorch runs in a process of its own."
    )
    said = [f"- {s}" for line in lines for t in TARGETS if (s := verdict(line, t))]
    out = ["", "## Targets: the numpy backend's training step", "", *_legend(), "", note, ""]
    return out + md_table(header, cells) + ["", "In words:", "", *said] + load_warning(machine)
