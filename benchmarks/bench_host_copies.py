"""Does mini-batch training copy the data host <-> device every epoch? A test answers; this runs it.

Issue 14's target is a test, not a timing: a backend that counts its asarray/to_numpy crossings
trains several epochs of mini-batches and must cross only once per `fit` (X and Y up). The row
records which test ran and whether it passed, so the report's verdict comes from this very run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from benchmarks._common import label, selected_backends
from benchmarks._threads import ROOT

TEST = "tests/test_training_guard.py::test_mini_batch_epochs_copy_no_data_between_host_and_device"


def run_test(node: str) -> dict[str, object]:
    """pytest on one test node in a fresh process: passed (exit 0), the counts it printed, its exit code."""
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header", node]
    done = subprocess.run(cmd, cwd=ROOT, env=dict(os.environ), capture_output=True, text=True)
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|error|skipped)", done.stdout)}
    passed = done.returncode == 0 and counts.get("passed", 0) > 0
    return {"test": node, "passed": passed, "exit": done.returncode, "counts": counts}


def test_host_copies_test_passes(benchmark):
    """The device-resident mini-batch test, run once; the row carries its outcome."""
    if "numpy" not in selected_backends():
        pytest.skip("the host-copy test runs on the numpy backend: numpy is not among XNN_BENCH_BACKENDS")
    outcome: dict[str, object] = {}
    label(
        benchmark, suite="targets", op="host copies", backend="numpy", dtype="any", size="mini-batch fit", n=0
    )
    benchmark.pedantic(lambda: outcome.update(run_test(TEST)), rounds=1)
    benchmark.extra_info.update(outcome)
