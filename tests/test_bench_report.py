"""The benchmark report: exact speedups from a synthetic pytest-benchmark JSON, no extrapolation, plots."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `benchmarks` is a folder of the checkout, not an installed package

from benchmarks import markdown, report, tables, targets  # noqa: E402
from benchmarks.results import ReportError, load  # noqa: E402


def entry(op, size, dtype, backend, median, *, suite="ops", n=0, **info):
    """One benchmark as pytest-benchmark writes it (only the fields the report reads, plus a name)."""
    extra = {"suite": suite, "op": op, "size": size, "dtype": dtype, "backend": backend, "n": n, **info}
    return {
        "name": f"test_{op}[{backend}-{dtype}-{size}]",
        "group": f"{op} {size} {dtype}",
        "extra_info": extra,
        "stats": {"median": median, "min": median, "rounds": 3},
    }


NET = "[784, 256, 128, 1] m=2048"
BENCHMARKS = [
    entry("matmul", "64x64", "float32", "python", 0.5, n=64),
    entry("matmul", "64x64", "float32", "numpy", 0.001, n=64),
    entry("matmul", "64x64", "float32", "numba", 0.002, n=64),
    entry("matmul", "512x512", "float32", "numpy", 0.01, n=512),
    entry("matmul", "512x512", "float32", "numba", 0.04, n=512),
    entry("sigmoid", "100,000 elements", "float64", "numpy", 0.0002, n=100_000),
    entry("step", NET, "float32", "numpy", 0.0105, suite="network", n=2048),
    entry("step", NET, "float32", "numpy-lean", 0.01, suite="network", n=2048),
    entry("step", NET, "float32", "torch-cpu", 0.012, suite="network", n=2048),
    entry("step", NET, "float64", "numpy", 0.02, suite="network", n=2048),
    entry("step", NET, "float64", "numpy-lean", 0.01, suite="network", n=2048),
    entry(
        "matmul",
        "cold cache",
        "float32",
        "numba",
        1.5,
        suite="compile",
        cache="cold",
        first_call_s=0.9,
        steady_s=1e-5,
    ),
    entry(
        "matmul",
        "warm cache",
        "float32",
        "numba",
        0.7,
        suite="compile",
        cache="warm",
        first_call_s=0.05,
        steady_s=1e-5,
    ),
]


@pytest.fixture
def results(tmp_path) -> Path:
    path = tmp_path / "results.json"
    path.write_text(
        json.dumps({"machine_info": {"node": "test", "xnn": {"threads": 2}}, "benchmarks": BENCHMARKS})
    )
    return path


def line(table, op, size, dtype, backend):
    wanted = (op, size, dtype, backend)
    (found,) = [t for t in table if (t["op"], t["size"], t["dtype"], t["backend"]) == wanted]
    return found


def test_speedups_are_exact_ratios_of_medians(results):
    table = tables.speedups(load(results)[0])
    assert line(table, "matmul", "64x64", "float32", "numpy")["vs_python"] == pytest.approx(500.0)
    assert line(table, "matmul", "64x64", "float32", "numba")["vs_python"] == pytest.approx(250.0)
    assert line(table, "matmul", "64x64", "float32", "numba")["vs_numpy"] == pytest.approx(0.5)
    assert line(table, "matmul", "64x64", "float32", "python")["vs_python"] == pytest.approx(1.0)
    assert line(table, "matmul", "512x512", "float32", "numba")["vs_numpy"] == pytest.approx(0.25)


def test_no_python_row_means_no_speedup_over_python(results):
    table = tables.speedups(load(results)[0])
    assert line(table, "matmul", "512x512", "float32", "numpy")["vs_python"] is None
    assert line(table, "matmul", "512x512", "float32", "numba")["vs_python"] is None
    assert line(table, "sigmoid", "100,000 elements", "float64", "numpy")["vs_python"] is None
    text = markdown.markdown(*load(results))
    assert "| 512x512 | float32 | numba | 40 ms | — | 0.25× |" in text
    assert "| 64x64 | float32 | numpy | 1 ms | 500× | 1× |" in text


def test_table_orders_backends_python_first(results):
    table = tables.speedups(load(results)[0])
    small = [t["backend"] for t in table if t["size"] == "64x64"]
    assert small == ["python", "numpy", "numba"]
    assert all(t["suite"] != "compile" for t in table)


def test_targets_compare_numpy_step_with_peers(results):
    (f32, f64) = targets.targets(load(results)[0])
    assert f32["numpy-lean"] == (0.01, pytest.approx(1.05), True)
    assert f32["torch-cpu"] == (0.012, pytest.approx(0.875), True)
    assert f64["numpy-lean"] == (0.01, pytest.approx(2.0), False)
    assert f64["torch-cpu"] == (None, None, None)  # torch did not run: no verdict


def test_paired_rows_set_the_lean_ratio_and_stay_out_of_the_tables(tmp_path):
    paired = entry(
        "step-pair",
        NET,
        "float64",
        "numpy",
        0.05,
        suite="network",
        n=2048,
        paired=True,
        paired_ratio=1.04,
        paired_medians={"numpy": 0.026, "numpy-lean": 0.025},
    )
    path = tmp_path / "paired.json"
    path.write_text(json.dumps({"machine_info": {}, "benchmarks": [*BENCHMARKS, paired]}))
    rows = load(path)[0]
    f64 = targets.targets(rows)[1]
    # the separately timed rows said 2.0x; the call-by-call median (1.04) is what the table shows
    assert f64["numpy-lean"] == (0.025, pytest.approx(1.04), True)
    assert f64["numpy"] == 0.026 and f64["paired"] is True
    assert all(t["op"] != "step-pair" for t in tables.speedups(rows))


def test_compile_table_pairs_cold_and_warm(results):
    (c,) = tables.compile_times(load(results)[0])
    assert (c["cold_first_call"], c["warm_first_call"], c["steady"]) == (0.9, 0.05, 1e-5)
    assert (c["cold_process"], c["warm_process"]) == (1.5, 0.7)


@pytest.mark.filterwarnings("error")  # e.g. a legend with no labelled artists: an empty plot
def test_main_writes_markdown_and_plots(results, tmp_path, capsys):
    out = tmp_path / "out"
    assert report.main([str(results), "--out", str(out)]) == 0
    assert "## ops: matmul" in capsys.readouterr().out
    assert "numpy / lean" in (out / "report.md").read_text()
    for name in ("speedup_vs_python_float32.png", "time_vs_size.png", "training_step.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    assert not (out / "speedup_vs_python_float64.png").exists()  # float64 has no python rows


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "cannot read a JSON"),
        (json.dumps([1, 2]), "'benchmarks' list"),
        (json.dumps({"benchmarks": []}), "no benchmarks"),
        (json.dumps({"benchmarks": [{"name": "x", "stats": {"median": 1.0}}]}), "extra_info"),
        (json.dumps({"benchmarks": [entry("dot", "n=1", "float32", "numpy", 0.0)]}), "positive"),
        (
            json.dumps({"benchmarks": [{"name": "x", "extra_info": {"op": "dot"}, "stats": {"median": 1}}]}),
            "lacks ['suite', 'backend', 'dtype', 'size']",
        ),
    ],
)
def test_malformed_json_fails_loudly(tmp_path, capsys, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ReportError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load(path)
    assert report.main([str(path), "--no-plots"]) == 2
    assert message.split("'")[0] in capsys.readouterr().err


def test_benchmark_modules_collect():
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "benchmarks", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "XNN_BENCH_PROFILE": "quick"},
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "bench_ops.py::test_matmul" in done.stdout and "bench_network.py::test_step" in done.stdout


@pytest.mark.parametrize("dims", [(2, 4, 1), (30, 8, 5, 1)])
def test_reference_steps_train_like_xnn(dims):
    """The lean, course-style and PyTorch peers take the very step xnn's Network takes."""
    import numpy as np

    import xnn
    from benchmarks import _reference as ref

    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((dims[0], 50)), (rng.random((1, 50)) > 0.5).astype("float64")
    start = ref.he_params(dims, "float64")
    lean, naive = ({k: v.copy() for k, v in start.items()} for _ in range(2))
    net = xnn.Network(list(dims), seed=0, backend="numpy", dtype="float64")
    net.parameters = {k: v.copy() for k, v in start.items()}
    for _ in range(3):
        ref.lean_step(lean, X, Y, 0.5), ref.naive_step(naive, X, Y, 0.5), net.step(X, Y, 0.5)
    for key, value in net.parameters.items():
        np.testing.assert_allclose(lean[key], value, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(naive[key], value, rtol=1e-12, atol=1e-14)
    assert not np.allclose(lean["W1"], start["W1"])  # the steps really moved the weights
    torch = pytest.importorskip("torch")
    step = ref.torch_step(start, X, Y, 0.5, "cpu", 1)
    for _ in range(3):
        step()
    W1 = step.model[0].weight.detach().numpy()
    np.testing.assert_allclose(W1, net.parameters["W1"], rtol=1e-10, atol=1e-12)
    assert torch.get_num_threads() == 1


def test_report_explains_each_target_mark_in_words(results):
    text = markdown.markdown(*load(results))
    assert "How to read a mark" in text
    assert "may take at most 1.1× the time of a hand-written NumPy step" in text
    assert (
        "[784, 256, 128, 1] m=2048 float64: the numpy step took 20 ms, 2× the lean NumPy step's 10 ms; "
        "the target is at most 1.1×: missed by 82 % ✗." in text
    )
    assert "float32: the numpy step took 10.5 ms, 1.05× the lean NumPy step's 10 ms" in text
    assert "under load" not in text  # the fixture records no load averages


def test_report_warns_when_measured_under_load(tmp_path):
    path = tmp_path / "busy.json"
    machine = {"xnn": {"cpu_count": 2, "loadavg_start": [3.1, 2, 1], "loadavg_end": [2.0, 2, 1]}}
    path.write_text(json.dumps({"machine_info": machine, "benchmarks": BENCHMARKS}))
    assert "up to 3.1 on 2 cores" in markdown.markdown(*load(path))


def test_suites_with_a_section_of_their_own_stay_out_of_the_speedup_tables(tmp_path):
    extra = [
        entry("step", "m=4", "float32", "numpy", 1e-3, suite="scaling", n=4),
        entry("adam_update_", "100 elements", "float32", "numpy", 1e-5, suite="updates", n=100),
    ]
    path = tmp_path / "more.json"
    path.write_text(json.dumps({"machine_info": {}, "benchmarks": [*BENCHMARKS, *extra]}))
    suites = {t["suite"] for t in tables.speedups(load(path)[0])}
    assert suites == {"ops", "network", "updates"}  # a new suite is tabled; scaling has its own section
