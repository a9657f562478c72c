"""Issue 14's report section and its measuring helpers: goals from synthetic rows, pairing, GEMM floor."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `benchmarks` is a folder of the checkout, not an installed package

from benchmarks import issue14, markdown, tables  # noqa: E402
from benchmarks._gemms import gemm_flops, gemm_shapes, step_gemms, step_operands  # noqa: E402
from benchmarks._pairs import Pairs, pair_summary  # noqa: E402
from benchmarks.results import Row  # noqa: E402

NET = "[784, 256, 128, 1]"


def row(suite, op, backend, median=1.0, size="s", dtype="float32", **info):
    return Row(suite, op, size, dtype, backend, median, 0.0, info)


def pair_row(op, backend, ratio, medians, m=60000, **info):
    info = {"pair_ratio": ratio, "pair_medians": medians, "pairs": 5, "m": m, **info}
    return row("targets", op, backend, size=f"{NET} m={m}", **info)


def matmul_rows(size, numpy_s, numba_s, dtype="float32"):
    flops = 2 * 1024**3
    return [
        row("matmul", "matmul", b, s, size, dtype, flops=flops)
        for b, s in (("numpy", numpy_s), ("numba", numba_s))
    ]


def by_what(goals):
    return {g.what: g for g in goals}


# -- pairing ------------------------------------------------------------------------------------


def test_pairs_alternate_which_call_goes_first_and_warm_up_fast_calls():
    log = []
    calls = {"a": lambda: log.append("a"), "b": lambda: log.append("b")}
    pairs = Pairs(calls, pause_s=0.0)
    log.clear()  # the constructor's calls measured whether each is fast
    for _ in range(3):
        pairs.one()
    # fast calls get one untimed call before the timed one: each call appears twice in a row
    assert log == ["b", "b", "a", "a", "a", "a", "b", "b", "b", "b", "a", "a"]
    assert [len(t) for t in pairs.times.values()] == [3, 3]


def test_slow_calls_are_not_repeated():
    count = {"slow": 0, "fast": 0}

    def slow():
        count["slow"] += 1
        __import__("time").sleep(0.06)

    pairs = Pairs({"slow": slow, "fast": lambda: count.__setitem__("fast", count["fast"] + 1)}, pause_s=0)
    pairs.one()
    assert count == {"slow": 3, "fast": 4}  # constructor twice each; then slow once, fast warm + timed


def test_pair_summary_is_the_median_of_per_pair_ratios_not_the_ratio_of_medians():
    times = {"a": [2.0, 4.0, 9.0], "b": [1.0, 1.0, 3.0]}
    summary = pair_summary(times, "a", "b")
    assert summary["pair_ratio"] == 3.0  # ratios 2, 4, 3; medians 4 / 1 would say 4
    assert summary["pair_medians"] == {"a": 4.0, "b": 1.0}
    assert summary["pairs"] == 3 and summary["pair_of"] == ["a", "b"]


def test_pair_summary_refuses_nothing_or_unequal_pairs():
    with pytest.raises(ValueError, match="no pairs timed"):
        pair_summary({"a": [], "b": []}, "a", "b")
    with pytest.raises(ValueError):
        pair_summary({"a": [1.0], "b": [1.0, 2.0]}, "a", "b")


# -- the GEMM floor -----------------------------------------------------------------------------


def test_gemm_shapes_are_the_steps_products_without_the_input_layers_dA():
    shapes = gemm_shapes([784, 256, 128, 1], 60000)
    assert [s[0] for s in shapes] == [
        "W1 @ A0", "W2 @ A1", "W3 @ A2",
        "A2 @ dZ3.T", "W3.T @ dZ3", "A1 @ dZ2.T", "W2.T @ dZ2", "A0 @ dZ1.T",
    ]  # fmt: skip
    assert ("W1 @ A0", (256, 784), (784, 60000)) in shapes
    assert ("A0 @ dZ1.T", (784, 60000), (60000, 256)) in shapes
    forward = 2 * 60000 * (784 * 256 + 256 * 128 + 128)
    assert gemm_flops([784, 256, 128, 1], 60000) == forward + forward + 2 * 60000 * (256 * 128 + 128)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_step_operands_match_the_shapes_dtype_and_read_transposes_in_place(dtype):
    X = np.ones((6, 5), dtype=dtype)
    operands = step_operands([6, 4, 3, 1], X)
    assert [(a.shape, b.shape) for a, b in operands] == [(s[1], s[2]) for s in gemm_shapes([6, 4, 3, 1], 5)]
    assert all(a.dtype == dtype and b.dtype == dtype for a, b in operands)
    assert operands[0][1] is X and operands[-1][0] is X  # A0 in the first product and in dW1's
    assert not operands[-1][1].flags.c_contiguous  # dZ1.T: the transpose view, as training reads it
    assert step_gemms([6, 4, 3, 1], X)() is None


# -- goals from rows ----------------------------------------------------------------------------


def test_matmul_share_is_numbas_gflops_over_blas_and_meets_at_sixty_percent():
    rows = matmul_rows("square 1024", 0.006, 0.01) + matmul_rows("W @ A_prev", 0.0059, 0.01)
    rows += matmul_rows("square 1024", 0.001, 0.002, dtype="float64")  # float32 only
    goals = issue14.matmul_goals(rows)
    assert [(g.what, g.result, g.ok) for g in goals] == [
        ("numba matmul square 1024", "60%", True),
        ("numba matmul W @ A_prev", "59%", False),
    ]
    assert goals[0].seen == "numba 215 GFLOP/s (10 ms), BLAS 358 GFLOP/s (6 ms); separate processes"


def test_numba_step_limits_differ_by_m():
    rows = [
        pair_row("numba/numpy step", "numba", 1.5, {"numba": 0.03, "numpy": 0.02}, m=2048),
        pair_row("numba/numpy step", "numba", 1.5, {"numba": 0.75, "numpy": 0.5}, m=60000),
        pair_row("numpy step/GEMMs", "numpy", 1.1, {"numpy": 0.55, "gemms": 0.5}),
    ]
    goals = issue14.step_goals(rows)
    assert [(g.target, g.result, g.ok) for g in goals] == [
        ("≤ 1.6×", "1.5×", True),
        ("≤ 1.3×", "1.5×", False),
        ("≤ 1.1×", "1.1×", True),
    ]
    assert goals[2].seen == "numpy 550 ms, GEMMs alone 500 ms; paired, median of 5 per-pair ratios"


def test_missing_rows_leave_a_dash_and_the_reason():
    goals = by_what(issue14.goals([]))
    assert all(g.ok is None and g.result == "—" for g in goals.values())
    assert "needs numba" in goals[f"numba step / numpy step, {NET} m=60000"].seen
    assert len(goals) == 9  # every Done-when number of issue 14 has its line (matmul: one while absent)


def test_tiny_net_reads_the_paired_float32_row():
    info = {"paired": True, "paired_ratio": 1.2, "paired_medians": {"numpy": 3e-5, "numpy-lean": 2.5e-5}}
    rows = [
        row("network", "step-pair", "numpy", size="[2, 4, 1] m=400", **info, paired_calls=9),
        row(
            "network",
            "step-pair",
            "numpy",
            size="[2, 4, 1] m=400",
            dtype="float64",
            **{**info, "paired_ratio": 1.0},
        ),
    ]
    goal = issue14.tiny_goal(rows)
    assert (goal.result, goal.ok) == ("1.2×", False)
    assert "median of 9 per-pair ratios" in goal.seen


@pytest.mark.parametrize(("cold", "ok"), [(9.9, True), (10.0, True), (10.1, False)])
def test_first_run_is_met_at_ten_seconds(cold, ok):
    rows = [row("targets", "readme example", "numba", cold_s=cold, warm_s=2.0, numpy_s=1.0)]
    goal = issue14.first_run_goal(rows)
    assert goal.ok is ok and goal.result == f"{cold:.3g} s"
    assert goal.seen == f"cold {cold:.3g} s, warm 2 s, numpy 1 s"


def test_thread_goal_per_backend():
    per = {"default": 1e-3, "one thread": 8e-4}
    rows = [
        row(
            "targets",
            "digits threads",
            b,
            size="digits [64, 32, 16, 1] m=1438",
            pair_ratio=r,
            pairs=10,
            per_iteration_s=per,
        )  # fmt: skip
        for b, r in (("numpy", 1.25), ("numba", 0.9))
    ]
    goals = issue14.thread_goals(rows)
    assert [(g.result, g.ok) for g in goals] == [("1.25×", False), ("0.9×", True)]
    assert "on numba" in goals[1].what and "one thread 800 µs per iteration" in goals[1].seen


@pytest.mark.parametrize(("passed", "result"), [(True, "passed"), (False, "failed (pytest exit 1)")])
def test_host_copy_goal_is_the_tests_outcome(passed, result):
    rows = [
        row("targets", "host copies", "numpy", test="tests/t.py::test_x", passed=passed, exit=int(not passed))
    ]
    goal = issue14.host_copy_goal(rows)
    assert (goal.result, goal.ok) == (result, passed) and "tests/t.py::test_x" in goal.seen


def accuracy_rows(numpy_s, sklearn_s):
    def info(s):
        return {"reached": s is not None, "time_to_target_s": s, "target": 0.97, "task": "digits, 10 classes"}

    return [row("accuracy", "time-to-accuracy", "numpy", **info(numpy_s)),
            row("accuracy", "time-to-accuracy", "sklearn-adam", **info(sklearn_s))]  # fmt: skip


@pytest.mark.parametrize(
    ("numpy_s", "sklearn_s", "result", "ok"),
    [(0.05, 0.25, "0.2×", True), (0.3, 0.25, "1.2×", False), (None, 0.25, "not reached", False),
     (0.05, None, "sklearn adam: not reached", True)],
)  # fmt: skip
def test_accuracy_goal(numpy_s, sklearn_s, result, ok):
    goal = issue14.accuracy_goal(accuracy_rows(numpy_s, sklearn_s))
    assert (goal.result, goal.ok) == (result, ok)
    assert goal.what == "time to 0.97 test accuracy, digits, 10 classes: numpy / sklearn adam"


# -- the section --------------------------------------------------------------------------------


def test_section_rows_marks_and_summary():
    rows = matmul_rows("square 1024", 0.007, 0.01)
    rows.append(pair_row("numba/numpy step", "numba", 1.4, {"numba": 0.7, "numpy": 0.5}))
    text = "\n".join(issue14.issue14_section(rows, {}))
    assert text.startswith("\n## Issue 14 targets\n")
    assert "| goal (issue 14) | target | this run | result |" in text
    assert "| numba matmul square 1024 | ≥ 60% of BLAS | numba " in text and "| 70% ✓ |" in text
    assert f"| numba step / numpy step, {NET} m=60000 | ≤ 1.3× | numba 700 ms, numpy 500 ms" in text
    assert text.count("✗") == 1 and text.count("✓") == 1
    assert "1 of 2 measured goals met (7 not measured in this run)." in text


def test_summary_counts_every_goal_when_all_were_measured(monkeypatch):
    everything = [issue14.Goal("a", "≤ 1×", "x", "0.5×", True), issue14.Goal("b", "≤ 1×", "x", "2×", False)]
    monkeypatch.setattr(issue14, "goals", lambda rows: everything)
    text = issue14.issue14_section([], {}, figures=False)
    assert text[-1] == "1 of 2 measured goals met." and text.count("| a | ≤ 1× | x | 0.5× ✓ |") == 1


def test_no_section_when_nothing_was_measured():
    assert issue14.issue14_section([row("ops", "matmul", "numpy")], {}) == []


def test_report_places_the_section_before_the_numpy_targets_and_keeps_its_rows_out_of_speedup_tables():
    rows = [pair_row("numba/numpy step", "numba", 1.1, {"numba": 0.55, "numpy": 0.5})]
    rows += [
        row("network", "step", b, s, size=f"{NET} m=2048") for b, s in (("numpy", 0.02), ("numpy-lean", 0.02))
    ]
    text = markdown.markdown(rows, {}, figures=False)
    assert 0 < text.index("## Issue 14 targets") < text.index("## Targets: the numpy backend's training step")
    assert {t["suite"] for t in tables.speedups(rows)} == {"network"}


def test_scores_are_turned_so_that_at_most_one_is_met():
    rows = matmul_rows("square 1024", 0.005, 0.01)  # 50 % of BLAS: 0.6 / 0.5 = 1.2, missed
    rows.append(row("targets", "readme example", "numba", cold_s=5.0, warm_s=1.0, numpy_s=1.0))
    rows.append(pair_row("numba/numpy step", "numba", 1.3, {"numba": 0.65, "numpy": 0.5}))
    scores = {g.what: g.score for g in issue14.goals(rows) if g.score is not None}
    assert scores == pytest.approx(
        {"numba matmul square 1024": 1.2, "README example on numba, first run in a fresh cache": 0.5,
         f"numba step / numpy step, {NET} m=60000": 1.0}
    )  # fmt: skip


def test_plot_draws_the_scored_goals_and_the_section_links_it(tmp_path):
    from benchmarks.plot_issue14 import issue14_plot

    assert (
        issue14_plot([row("targets", "host copies", "numpy", test="t", passed=True)], tmp_path / "a.png")
        is None
    )
    rows = [pair_row("numba/numpy step", "numba", 1.1, {"numba": 0.55, "numpy": 0.5})]
    path = issue14_plot(rows, tmp_path / issue14.FIGURE)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"![issue 14's targets: measured over target]({issue14.FIGURE})" in issue14.issue14_section(
        rows, {}
    )
    assert not any("![" in line for line in issue14.issue14_section(rows, {}, figures=False))
