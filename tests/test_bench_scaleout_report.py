"""The report's scale-out section: a row per scheduler and chunk count, targets in words, a plot."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.plot_scaleout import scaleout_plot  # noqa: E402
from benchmarks.results import Row  # noqa: E402
from benchmarks.scaleout import scaleout_section, series  # noqa: E402

SIZE = "[784, 256, 128, 1] m=100000"


def row(backend, median, **info):
    return Row("scale-out", "step", SIZE, "float32", backend, median, 1.0, info)


ROWS = [
    row("numpy", 1.0, scheduler="numpy", chunks=1),
    row("dask-threads-1", 1.05, scheduler="threads", chunks=1, tasks_per_step=16, task_budget=16),
    row("dask-threads-2", 0.9, scheduler="threads", chunks=2, tasks_per_step=30, task_budget=32),
    row("dask-cluster-2", 1.3, scheduler="cluster", chunks=2, tasks_per_step=30, task_budget=32),
    row(
        "dask-threads-2-vs-numpy",
        2.0,
        scheduler="threads",
        chunks=2,
        paired=True,
        paired_ratio=0.95,
        target=1.1,
    ),
    row(
        "dask-cluster-2-vs-numpy",
        2.0,
        scheduler="cluster",
        chunks=2,
        paired=True,
        paired_ratio=1.7,
        target=1.5,
    ),
    Row("ops", "matmul", "128", "float32", "numpy", 1e-4, 1.0, {}),
]


def test_series_groups_by_scheduler_and_chunks():
    entry = series(ROWS)[SIZE]
    assert entry["numpy"] == 1.0 and sorted(entry["threads"]) == [1, 2] and sorted(entry["cluster"]) == [2]
    assert set(entry["paired"]) == {"threads", "cluster"}


def test_section_tables_every_step_and_says_each_target():
    text = "\n".join(scaleout_section(ROWS))
    assert "## Scale-out: dask" in text and "scale_out.png" in text
    assert text.count(f"| {SIZE} |") == 3  # threads 1, 2 and cluster 2; numpy is the reference column
    assert "30 (≤ 32)" in text
    assert "threads, 2 chunks" in text and "at most 1.1×: met ✓" in text
    assert "cluster, 2 chunks" in text and "at most 1.5×: missed ✗" in text


def test_no_scaleout_rows_no_section_no_plot(tmp_path):
    assert scaleout_section(ROWS[-1:]) == []
    assert scaleout_plot(ROWS[-1:], tmp_path / "s.png") is None


def test_plot_is_written(tmp_path):
    path = scaleout_plot(ROWS, tmp_path / "scale_out.png")
    assert path is not None and path.stat().st_size > 10_000


def test_the_targets_section_ignores_the_scaleout_paired_rows():
    from benchmarks.targets import targets

    assert targets(ROWS) == []  # the dask paired rows carry no step-pair medians: never read as one
