"""Time to accuracy in the report: per learner the seconds to the target, epochs and best accuracy."""

from __future__ import annotations

from typing import Any

from benchmarks._format import fmt_ratio, fmt_time, md_table
from benchmarks._names import order_key
from benchmarks.results import Row

FIGURE = "time_to_accuracy.png"
REFERENCE = "sklearn-adam"  # the learner every time is compared with


def accuracy_lines(rows: list[Row]) -> list[dict[str, Any]]:
    """One line per learner, in display order, with what the benchmark recorded."""
    mine = sorted((r for r in rows if r.suite == "accuracy"), key=lambda r: order_key(r.backend))
    return [{"learner": r.backend, "dtype": r.dtype, "task": r.size, **r.info} for r in mine]


def _time(line: dict[str, Any]) -> str:
    if line.get("reached"):
        return fmt_time(line["time_to_target_s"])
    return f"not reached in {fmt_time(line.get('train_s'))}"


def _versus(line: dict[str, Any], reference: dict[str, Any] | None) -> str:
    """This learner's time over the reference's (below 1×: faster than scikit-learn adam)."""
    if not (reference and reference.get("reached") and line.get("reached")):
        return "—"
    return fmt_ratio(line["time_to_target_s"] / reference["time_to_target_s"])


def _cells(lines: list[dict[str, Any]]) -> list[list[str]]:
    reference = next((line for line in lines if line["learner"] == REFERENCE), None)
    return [
        [
            line["learner"],
            line["dtype"],
            _time(line),
            str(line.get("epochs", "—")),
            f"{line.get('best_accuracy', 0):.3f}",
            _versus(line, reference),
        ]
        for line in lines
    ]


def accuracy_section(rows: list[Row], figures: bool = True) -> list[str]:
    """Markdown: the task, how each learner trains, and the table."""
    lines = accuracy_lines(rows)
    if not lines:
        return []
    first = lines[0]
    intro = (
        f"Train {first['task']} (scikit-learn's 8×8 digits, standardised, the same 80/20 split for all) "
        f"to {first['target']:g} test accuracy, hidden layers {first.get('hidden')}. xnn backends: "
        "mini-batches of the task's optimizer (10 classes: Adam, lr 0.01; even vs odd: gradient "
        "descent), one epoch per `fit` call; scikit-learn: `MLPClassifier` with adam "
        "(its defaults, one `partial_fit` epoch at a time) and lbfgs (fresh fits with max_iter = 2, 4, ...). "
        "The clock counts training only; the test accuracy is read after every epoch with the clock stopped."
    )
    header = ["learner", "dtype", f"time to {first['target']:g}", "epochs (lbfgs: tries)"]
    header += ["best test accuracy", f"time / {REFERENCE}"]
    figure = [f"![test accuracy against training time]({FIGURE})", ""] if figures else []
    return ["", "## Time to accuracy", "", intro, "", *figure] + md_table(header, _cells(lines))
