"""How long until the network is good? Time to a fixed test accuracy on digits, beside scikit-learn.

Each backend trains xnn's network with mini-batch gradient descent, one epoch per fit call; scikit-
learn's MLPClassifier trains the same hidden layers on the same split with adam and with lbfgs. The
clock counts training only (see benchmarks/_accuracy.py); a learner that misses the target within
the profile's time limit is reported with its best accuracy. numba compiles before the clock starts.
"""

from __future__ import annotations

import statistics

import pytest

from benchmarks import _accuracy as acc
from benchmarks._common import label, load_backend, pick, selected_backends

TASK = acc.TASKS[acc.CLASSES]
DTYPE = "float32"
MAX_S = pick(10.0, 60.0)  # wall-clock limit per learner and round
ROUNDS = pick(1, 3)
PEERS = ("sklearn-adam", "sklearn-lbfgs") if "numpy" in selected_backends() else ()
LEARNERS = [*selected_backends(), *PEERS]


def _train(learner: str, split: acc.Split) -> acc.Curve:
    if learner == "sklearn-adam":
        return acc.train_sklearn_adam(TASK, split, MAX_S)
    if learner == "sklearn-lbfgs":
        return acc.train_sklearn_lbfgs(TASK, split, MAX_S)
    return acc.train_xnn(learner, DTYPE, TASK, split, MAX_S)


def _median_round(summaries: list[dict]) -> dict:
    """The round with the median time to target (missed rounds count as slowest)."""
    key = [(s["time_to_target_s"] is None, s["time_to_target_s"] or s["train_s"]) for s in summaries]
    order = sorted(range(len(summaries)), key=key.__getitem__)
    chosen = dict(summaries[order[len(order) // 2]])
    reached = [s["time_to_target_s"] for s in summaries if s["reached"]]
    chosen["rounds_reached"] = len(reached)
    if len(reached) == len(summaries):
        chosen["time_to_target_s"] = statistics.median(reached)
    return chosen


@pytest.mark.parametrize("learner", LEARNERS)
def test_time_to_accuracy(benchmark, learner):
    """Train to TASK.target test accuracy from the same initial state, ROUNDS times."""
    if learner.startswith("sklearn"):
        pytest.importorskip("sklearn", reason="scikit-learn not installed: its rows are skipped")
    else:
        load_backend(learner, DTYPE)  # skips with the reason when the backend cannot run here
    split = acc.digits_split(TASK)
    if not learner.startswith("sklearn"):
        acc.train_xnn(learner, DTYPE, TASK, split, max_s=0.0)  # one epoch: JIT compile, caches
    dtype = "float64" if learner.startswith("sklearn") else DTYPE
    label(
        benchmark,
        suite="accuracy",
        op="time-to-accuracy",
        backend=learner,
        dtype=dtype,
        size=TASK.name,
        n=TASK.target,
    )
    summaries: list[dict] = []
    benchmark.pedantic(
        lambda: summaries.append(_train(learner, split).summary()), rounds=ROUNDS, iterations=1
    )
    benchmark.extra_info.update(
        _median_round(summaries), task=TASK.name, max_s=MAX_S, hidden=list(TASK.hidden)
    )
    if not learner.startswith("sklearn"):
        benchmark.extra_info.update(learning_rate=TASK.learning_rate, batch_size=TASK.batch_size)
