"""Time to accuracy: the same split for every learner, the clock on training only, the report's view."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `benchmarks` is a folder of the checkout, not an installed package

from benchmarks import _accuracy as acc  # noqa: E402
from benchmarks import markdown  # noqa: E402
from benchmarks.results import load  # noqa: E402

pytest.importorskip("sklearn")
BINARY, TEN = acc.TASKS[2], acc.TASKS[10]


def test_binary_and_ten_class_digits_share_the_split_and_the_scaling():
    X2, Y2, Xt2, Yt2 = acc.digits_split(BINARY)
    X10, Y10, Xt10, Yt10 = acc.digits_split(TEN)
    np.testing.assert_array_equal(X2, X10)
    np.testing.assert_array_equal(Xt2, Xt10)
    assert Y10.shape == (1, X10.shape[1]) and set(np.unique(Y10)) == set(range(10))  # class numbers
    np.testing.assert_array_equal(acc.labels(Y10) % 2 == 0, acc.labels(Y2) == 1)  # even digits are 1
    assert BINARY.layer_dims(64) == [64, 32, 16, 1] and TEN.layer_dims(64) == [64, 32, 16, 10]
    assert acc.TASKS[acc.CLASSES].classes == acc.CLASSES


def test_labels_from_course_columns():
    np.testing.assert_array_equal(acc.labels(np.array([[0.0, 1.0, 1.0]])), [0, 1, 1])
    np.testing.assert_array_equal(acc.labels(np.eye(3)[:, [2, 0, 1]]), [2, 0, 1])


def test_until_target_stops_at_the_target_and_counts_training_seconds_only():
    accuracies = iter([0.5, 0.9, 0.97, 0.99])
    curve = acc.until_target(lambda i: 0.1 * i, lambda: next(accuracies), BINARY, max_s=1e9)
    s = curve.summary()
    assert s["reached"] and s["epochs"] == 3 and s["time_to_target_s"] == pytest.approx(0.3)
    assert s["curve"] == [[0.1, 0.5], [0.2, 0.9], [0.3, 0.97]] and s["best_accuracy"] == 0.97


def test_until_target_gives_up_after_max_s_and_says_so():
    curve = acc.until_target(lambda i: float(i), lambda: 0.5, BINARY, max_s=0.0)
    s = curve.summary()
    assert not s["reached"] and s["time_to_target_s"] is None and s["epochs"] == 1 and s["train_s"] == 1.0


def test_numpy_and_sklearn_reach_the_target_on_the_same_split():
    split = acc.digits_split(BINARY)
    xnn_run = acc.train_xnn("numpy", "float32", BINARY, split, max_s=1e9).summary()
    assert xnn_run["reached"] and xnn_run["epochs"] <= 100, xnn_run["best_accuracy"]
    lbfgs = acc.train_sklearn_lbfgs(BINARY, split, max_s=1e9).summary()
    assert lbfgs["reached"] and lbfgs["best_accuracy"] >= BINARY.target
    assert acc.train_sklearn_adam(BINARY, split, max_s=0.0).summary()["epochs"] == 1


def _entry(learner, reached, seconds, dtype="float32"):
    info = {"suite": "accuracy", "op": "time-to-accuracy", "size": "digits, even vs odd", "dtype": dtype}
    info.update(
        backend=learner,
        n=0.96,
        target=0.96,
        reached=reached,
        epochs=7,
        best_accuracy=0.961 if reached else 0.9,
    )
    info.update(time_to_target_s=seconds if reached else None, train_s=seconds, hidden=[32, 16])
    info["curve"] = [[seconds / 2, 0.8], [seconds, 0.961 if reached else 0.9]]
    return {"name": learner, "extra_info": info, "stats": {"median": seconds}}


@pytest.mark.filterwarnings("error")
def test_report_tables_and_plots_time_to_accuracy(tmp_path):
    from benchmarks.plot_accuracy import accuracy_plot

    entries = [
        _entry("sklearn-adam", True, 0.8, "float64"),
        _entry("numpy", True, 0.2),
        _entry("python", False, 10.5),
    ]
    path = tmp_path / "acc.json"
    path.write_text(json.dumps({"machine_info": {}, "benchmarks": entries}))
    rows, machine = load(path)
    text = markdown.markdown(rows, machine)
    assert "## Time to accuracy" in text and "to 0.96 test accuracy, hidden layers [32, 16]" in text
    assert "| python | float32 | not reached in 10.5 s | 7 | 0.900 | — |" in text
    assert "| numpy | float32 | 200 ms | 7 | 0.961 | 0.25× |" in text
    assert text.index("| numpy |") < text.index("| sklearn-adam |")
    assert accuracy_plot(rows, tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
