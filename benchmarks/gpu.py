"""The GPU check in the report: the m = 60,000 step, fused against unfused ops, a mini-batch epoch."""

from __future__ import annotations

from benchmarks._format import fmt_ratio, fmt_time, md_table
from benchmarks._names import order_key
from benchmarks.results import Row


def _by_backend(rows: list[Row], op: str) -> list[Row]:
    return sorted((r for r in rows if r.suite == "gpu" and r.op == op), key=lambda r: order_key(r.backend))


def _versus_numpy(rows: list[Row], header: list[str]) -> list[str]:
    """A table of rows with their speedup over the numpy row (above 1×: faster than NumPy on the CPU)."""
    numpy = next((r.median for r in rows if r.backend == "numpy"), None)
    cells = [
        [
            r.backend,
            r.size,
            fmt_time(r.median),
            fmt_ratio(numpy / r.median if numpy else None),
        ]
        for r in rows
    ]
    return md_table(header, cells)


def _fused_table(rows: list[Row]) -> list[str]:
    """op | backend | fused | unfused | what fusing buys (unfused time / fused time)."""
    pairs: dict[tuple[str, str], dict[str, float]] = {}
    for r in (r for r in rows if r.suite == "gpu" and "way" in r.info):
        pairs.setdefault((r.info["fused_op"], r.backend), {})[r.info["way"]] = r.median
    cells = [
        [
            op,
            backend,
            fmt_time(t.get("fused")),
            fmt_time(t.get("unfused")),
            fmt_ratio(t["unfused"] / t["fused"]) if len(t) == 2 else "—",
        ]
        for (op, backend), t in sorted(pairs.items(), key=lambda kv: (kv[0][0], order_key(kv[0][1])))
    ]
    return (
        md_table(["op", "backend", "fused", "unfused (default from primitives)", "fusing buys"], cells)
        if cells
        else []
    )


def gpu_section(rows: list[Row]) -> list[str]:
    """Markdown for the GPU check's rows; nothing when none ran."""
    steps, epochs = _by_backend(rows, "step"), _by_backend(rows, "epoch")
    fused = _fused_table(rows)
    if not (steps or epochs or fused):
        return []
    out = ["", "## GPU check", ""]
    if steps:
        out += [
            f"One training step, {steps[0].size} (`+upload`: the batch moved to the device inside the step):",
            "",
        ]
        out += _versus_numpy(steps, ["backend", "net", "step", "speedup over numpy"]) + [""]
    if fused:
        out += ["Fused kernels against the same op composed from the contract's primitives:", "", *fused, ""]
    if epochs:
        out += ["One epoch of mini-batch training through `fit`:", ""]
        out += _versus_numpy(epochs, ["backend", "data path", "epoch", "speedup over numpy"])
    return out
