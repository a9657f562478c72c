"""The headline's numbers: step time against m per backend, and the m where one backend overtakes another."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from benchmarks._format import fmt_about, fmt_count, fmt_ratio, fmt_time, md_table
from benchmarks._names import ordered
from benchmarks.results import Row

FIGURE = "scaling.png"


@dataclass(frozen=True)
class Pair:
    """Where `challenger` starts to beat `incumbent`, and what that says in words."""

    incumbent: str
    challenger: str
    words: str


PAIRS = (
    Pair("python", "numba", "the compiled loops (numba) overtake the pure-Python loops"),
    Pair("numba", "numpy", "vectorized NumPy (BLAS) overtakes the compiled loops (numba)"),
    Pair("numpy", "cupy", "the GPU (cupy, data already on the device) overtakes NumPy"),
    Pair(
        "numpy",
        "cupy+upload",
        "the GPU pays for its transfers: cupy uploading the batch every step beats NumPy",
    ),
    Pair("numpy", "dask", "dask (chunks along m) overtakes NumPy"),
)


def series(rows: list[Row]) -> dict[str, list[tuple[float, float]]]:
    """{line: [(m, median seconds), ...] sorted by m}, lines in display order."""
    mine = [r for r in rows if r.suite == "scaling"]
    return {
        b: sorted((r.n, r.median) for r in mine if r.backend == b) for b in ordered(r.backend for r in mine)
    }


def crossover(incumbent: list[tuple[float, float]], challenger: list[tuple[float, float]]) -> dict | None:
    """Smallest m from which the challenger is faster at every m both ran; None without common m.

    {"kind": "always" | "never" | "at", "m": interpolated m (log-log) for "at", "lo"/"hi": the m both
    ran, "between": the two measured m around the crossing}.
    """
    a, b = dict(incumbent), dict(challenger)
    common = sorted(set(a) & set(b))
    if not common:
        return None
    ratios = [b[m] / a[m] for m in common]
    start = next((i for i in range(len(common)) if all(r < 1 for r in ratios[i:])), None)
    out: dict[str, Any] = {"lo": common[0], "hi": common[-1]}
    if start is None:
        return {**out, "kind": "never"}
    if start == 0:
        return {**out, "kind": "always"}
    (m0, r0), (m1, r1) = (common[start - 1], ratios[start - 1]), (common[start], ratios[start])
    t = math.log(r0) / (math.log(r0) - math.log(r1)) if r0 != r1 else 0.0
    m = math.exp(math.log(m0) + t * (math.log(m1) - math.log(m0)))
    return {**out, "kind": "at", "m": m, "between": (m0, m1)}


def crossovers(rows: list[Row]) -> list[tuple[Pair, dict]]:
    """Every PAIR whose two lines both ran, with its crossover."""
    lines = series(rows)
    found = [(p, crossover(lines.get(p.incumbent, []), lines.get(p.challenger, []))) for p in PAIRS]
    return [(p, c) for p, c in found if c is not None]


def sentence(pair: Pair, c: dict) -> str:
    """The crossover in words, with the range it was measured over."""
    span = (
        f"m = {fmt_count(c['lo'])} to {fmt_count(c['hi'])}"
        if c["hi"] > c["lo"]
        else f"m = {fmt_count(c['lo'])}, the only m both ran"
    )
    if c["kind"] == "always":
        return f"{pair.challenger} is faster than {pair.incumbent} at every m where both ran ({span})."
    if c["kind"] == "never":
        return f"{pair.challenger} does not overtake {pair.incumbent} for good within {span}."
    lo, hi = (fmt_count(v) for v in c["between"])
    return f"From m ≈ {fmt_about(c['m'])} on, {pair.words} (it happens between m = {lo} and {hi})."


def _table(lines: dict[str, list[tuple[float, float]]]) -> list[str]:
    sizes = sorted({m for pts in lines.values() for m, _ in pts})
    cells = [[fmt_count(m)] + [fmt_time(dict(pts).get(m)) for pts in lines.values()] for m in sizes]
    if "python" in lines and "numpy" in lines:
        py, npy = dict(lines["python"]), dict(lines["numpy"])
        for row, m in zip(cells, sizes, strict=True):
            row.append(fmt_ratio(py[m] / npy[m]) if m in py and m in npy else "—")
        return md_table(["m", *lines, "numpy's speedup over python"], cells)
    return md_table(["m", *lines], cells)


def headline_section(rows: list[Row], figures: bool = True) -> list[str]:
    """The report's opening: the figure, the crossovers in words, the times as a table."""
    lines = series(rows)
    if not lines:
        return []
    first = next(r for r in rows if r.suite == "scaling")
    net = first.info.get("layer_dims", "?")
    intro = (
        f"One training step (forward, backward, SGD update) of a {net} network in {first.dtype}, "
        "against the number of examples m, log-log. A line ends before the m whose step would pass the "
        "profile's time cap (the pure-Python loops stop early); `+upload` also moves the batch to the "
        "device every step."
    )
    said = [f"- {sentence(p, c)}" for p, c in crossovers(rows)]
    out = ["", "## What vectorization buys, and from which size on", "", intro, ""]
    figure = [f"![step time against m]({FIGURE})", ""] if figures else []
    return out + figure + [*said, ""] + _table(lines)
