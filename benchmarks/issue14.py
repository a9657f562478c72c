"""Issue 14's "Done when" list in the report: every number, its target, this run's value and ✓/✗.

Each goal reads rows written in the same run: the matmul rows (bench_numba_matmul.py), the paired
step rows (bench_step_pairs.py, bench_network.py), the digits thread rows (bench_small_threads.py),
the README example's first run (bench_first_run.py), the host-copy test (bench_host_copies.py) and
time to accuracy (bench_accuracy.py). A goal whose rows did not run is listed with a dash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from benchmarks._format import fmt_ratio, fmt_time, md_table
from benchmarks.results import Row
from benchmarks.targets import load_warning, mark

MATMUL_SHARE = 0.6  # numba matmul's GFLOP/s over BLAS's, at least
NUMBA_STEP = {2048: 1.6, 60000: 1.3}  # numba step / numpy step, at most, by m
GEMM_FLOOR = 1.1  # numpy step / its GEMMs alone, at most
TINY_NET, TINY_LIMIT = "[2, 4, 1] m=400", 1.1  # numpy step / lean NumPy, at most
FIRST_RUN_S = 10.0  # README example on numba, fresh cache, at most
THREADS = 1.2  # digits per iteration, default threads / one thread, at most
ACCURACY = 1.0  # numpy's time to 0.97 / scikit-learn adam's, at most
FIGURE = "issue14_targets.png"
CALLED = {"gemms": "GEMMs alone"}  # a paired call's name in the table


@dataclass(frozen=True)
class Goal:
    """One line of the table: what, the target, what this run saw, the result and whether it was met."""

    what: str
    target: str
    seen: str
    result: str
    ok: bool | None  # None: not measured in this run
    score: float | None = None  # measured / target, turned so that <= 1 is met (the plot's bar)


def missing(what: str, target: str, why: str) -> Goal:
    """A goal with nothing measured this run."""
    return Goal(what, target, f"not measured in this run ({why})", "—", None)


def at_most(what: str, ratio: float, limit: float, seen: str) -> Goal:
    """A ratio goal met when ratio <= limit."""
    return Goal(what, f"≤ {limit:g}×", seen, fmt_ratio(ratio), ratio <= limit, ratio / limit)


def _find(rows: list[Row], suite: str, op: str, **info: Any) -> list[Row]:
    return [
        r
        for r in rows
        if r.suite == suite and r.op == op and all(r.info.get(k) == v for k, v in info.items())
    ]


def matmul_goals(rows: list[Row]) -> list[Goal]:
    """numba matmul GFLOP/s as a share of numpy's (BLAS) at every float32 shape both ran."""
    target = f"≥ {MATMUL_SHARE:.0%} of BLAS"
    by_size: dict[str, dict[str, Row]] = {}
    for r in _find(rows, "matmul", "matmul"):
        if r.dtype == "float32":
            by_size.setdefault(r.size, {})[r.backend] = r
    goals = []
    for size, by in by_size.items():
        if {"numpy", "numba"} <= by.keys():
            share = by["numpy"].median / by["numba"].median
            numba, blas = (f"{_gflops(by[b])} ({fmt_time(by[b].median)})" for b in ("numba", "numpy"))
            seen = f"numba {numba}, BLAS {blas}; separate processes"
            ok, score = share >= MATMUL_SHARE, MATMUL_SHARE / share
            goals.append(Goal(f"numba matmul {size}", target, seen, f"{share:.0%}", ok, score))
    return goals or [
        missing("numba matmul, n = 1024 and the skinny shapes", target, "needs numpy and numba rows")
    ]


def _gflops(r: Row) -> str:
    flops = r.info.get("flops")
    return f"{flops / r.median / 1e9:.3g} GFLOP/s" if flops else fmt_time(r.median)


def _pair_seen(r: Row, names: tuple[str, str]) -> str:
    """'numba 30 ms, numpy 25 ms (median of 15 pairs)'."""
    medians = r.info["pair_medians"]
    times = ", ".join(f"{CALLED.get(n, n)} {fmt_time(medians[n])}" for n in names)
    return f"{times}; paired, median of {r.info['pairs']} per-pair ratios"


def step_goals(rows: list[Row]) -> list[Goal]:
    """numba step / numpy step at each m; numpy step / its GEMMs alone at m = 60000."""
    goals = []
    for m, limit in sorted(NUMBA_STEP.items()):
        what = f"numba step / numpy step, [784, 256, 128, 1] m={m}"
        found = _find(rows, "targets", "numba/numpy step", m=m)
        goals.append(
            at_most(what, found[0].info["pair_ratio"], limit, _pair_seen(found[0], ("numba", "numpy")))
            if found
            else missing(what, f"≤ {limit:g}×", "needs numba")
        )
    what = "numpy step / its GEMMs alone, [784, 256, 128, 1] m=60000"
    found = _find(rows, "targets", "numpy step/GEMMs")
    if not found:
        return goals + [missing(what, f"≤ {GEMM_FLOOR:g}×", "needs numpy")]
    return goals + [
        at_most(what, found[0].info["pair_ratio"], GEMM_FLOOR, _pair_seen(found[0], ("numpy", "gemms")))
    ]


def tiny_goal(rows: list[Row]) -> Goal:
    """The numpy step of [2, 4, 1] m=400 over the lean NumPy step, paired (bench_network.py)."""
    what = f"tiny net {TINY_NET} float32: numpy step / lean NumPy"
    found = [
        r
        for r in _find(rows, "network", "step-pair", paired=True)
        if r.size == TINY_NET and r.dtype == "float32"
    ]
    if not found:
        return missing(what, f"≤ {TINY_LIMIT:g}×", "needs numpy")
    info = found[0].info
    medians = info["paired_medians"]
    seen = f"numpy {fmt_time(medians['numpy'])}, lean NumPy {fmt_time(medians['numpy-lean'])}"
    seen += f"; paired, median of {info['paired_calls']} per-pair ratios"
    return at_most(what, info["paired_ratio"], TINY_LIMIT, seen)


def first_run_goal(rows: list[Row]) -> Goal:
    """The README example on numba in a fresh cache, the whole process."""
    what, target = "README example on numba, first run in a fresh cache", f"≤ {FIRST_RUN_S:g} s"
    found = _find(rows, "targets", "readme example")
    if not found:
        return missing(what, target, "needs numba")
    info = found[0].info
    seen = ", ".join(f"{k} {fmt_time(info[f'{k}_s'])}" for k in ("cold", "warm", "numpy"))
    cold = info["cold_s"]
    return Goal(what, target, seen, fmt_time(cold), cold <= FIRST_RUN_S, cold / FIRST_RUN_S)


def thread_goals(rows: list[Row]) -> list[Goal]:
    """Digits per-iteration time, default threads over one thread, per backend that ran it."""
    goals = []
    for r in _find(rows, "targets", "digits threads"):
        per = r.info["per_iteration_s"]
        seen = (
            f"default {fmt_time(per['default'])}, one thread {fmt_time(per['one thread'])} per iteration; "
            f"paired, median of {r.info['pairs']} per-pair ratios"
        )
        goals.append(
            at_most(
                f"{r.size} on {r.backend}: default threads / one thread", r.info["pair_ratio"], THREADS, seen
            )
        )
    return goals or [
        missing(
            "digits [64, 32, 16, 1]: default threads / one thread", f"≤ {THREADS:g}×", "needs numpy or numba"
        )
    ]


def host_copy_goal(rows: list[Row]) -> Goal:
    """The host-copy test's outcome in this run."""
    what, target = "zero host copies of X, Y per epoch in mini-batch training", "the test passes"
    found = _find(rows, "targets", "host copies")
    if not found:
        return missing(what, target, "needs numpy")
    info = found[0].info
    result = "passed" if info.get("passed") else f"failed (pytest exit {info.get('exit')})"
    counts = info.get("counts") or {}
    ran = f"{counts.get('passed', 0)} passed, {counts.get('skipped', 0)} skipped"
    where = f"`{info['test']}` on every backend usable here ({ran})"
    return Goal(what, target, where, result, bool(info.get("passed")))


def accuracy_goal(rows: list[Row]) -> Goal:
    """numpy's time to the target accuracy over scikit-learn adam's (see Time to accuracy)."""
    by = {r.backend: r.info for r in rows if r.suite == "accuracy"}
    target_acc = next((i.get("target") for i in by.values()), 0.97)
    task = next(iter(by.values()), {}).get("task", "digits")
    what = f"time to {target_acc:g} test accuracy, {task}: numpy / sklearn adam"
    numpy, sk = by.get("numpy"), by.get("sklearn-adam")
    if not (numpy and sk):
        return missing(what, f"≤ {ACCURACY:g}×", "needs numpy and scikit-learn")
    if not numpy.get("reached"):
        return Goal(
            what, f"≤ {ACCURACY:g}×", "numpy did not reach it (see Time to accuracy)", "not reached", False
        )
    if not sk.get("reached"):  # numpy got there, scikit-learn did not: numpy is the faster
        seen = f"numpy {fmt_time(numpy['time_to_target_s'])}; sklearn adam did not reach it"
        return Goal(what, f"≤ {ACCURACY:g}×", seen, "sklearn adam: not reached", True)
    ratio = numpy["time_to_target_s"] / sk["time_to_target_s"]
    times = (fmt_time(numpy["time_to_target_s"]), fmt_time(sk["time_to_target_s"]))
    seen = f"numpy {times[0]}, sklearn adam {times[1]} (their rows in Time to accuracy)"
    return at_most(what, ratio, ACCURACY, seen)


def goals(rows: list[Row]) -> list[Goal]:
    """Every goal of issue 14, in the issue's order."""
    return [
        *matmul_goals(rows),
        *step_goals(rows),
        tiny_goal(rows),
        first_run_goal(rows),
        *thread_goals(rows),
        host_copy_goal(rows),
        accuracy_goal(rows),
    ]


HOW = (
    "Ratios marked paired come from one process that alternates the two calls, each after a 0.15 s pause "
    "(so neither pays for the other's spinning thread pool; calls under 50 ms get one untimed call first), "
    "as the median of the per-pair ratios. The matmul shares compare rows timed in two processes "
    "(numpy's and numba's, with the same thread count). The README example runs as `python -c` on its "
    "code in a fresh interpreter with an empty NUMBA_CACHE_DIR."
)


def issue14_section(rows: list[Row], machine: dict[str, Any], figures: bool = True) -> list[str]:
    """The table of every goal; nothing when none of them was measured (e.g. an older results file)."""
    lines = goals(rows)
    if all(g.ok is None for g in lines):
        return []
    cells = [[g.what, g.target, g.seen, g.result + mark(g.ok)] for g in lines]
    met = sum(g.ok is True for g in lines)
    measured = sum(g.ok is not None for g in lines)
    summary = f"{met} of {measured} measured goals met" + (
        f" ({len(lines) - measured} not measured in this run)." if measured < len(lines) else "."
    )
    table = md_table(["goal (issue 14)", "target", "this run", "result"], cells)
    figure = [f"![issue 14's targets: measured over target]({FIGURE})", ""] if figures else []
    return ["", "## Issue 14 targets", "", HOW, "", *figure, *table, "", summary, *load_warning(machine)]
