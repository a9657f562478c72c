"""The per-op step profile: a timing proxy that changes no result, its categories, the report's view."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `benchmarks` is a folder of the checkout, not an installed package

import backends  # noqa: E402
import xnn  # noqa: E402
from backends.numpy_backend import NumpyBackend  # noqa: E402
from benchmarks import markdown  # noqa: E402
from benchmarks._timed_backend import TimedBackend, by_category, category, contract_methods  # noqa: E402
from benchmarks.bench_profile import summarize  # noqa: E402
from benchmarks.results import load  # noqa: E402


class CountingSync(NumpyBackend):
    """numpy, counting synchronize() calls (a stand-in for a GPU backend's stream sync)."""

    syncs = 0

    def synchronize(self) -> None:
        CountingSync.syncs += 1


def _data(dims, m=30):
    rng = np.random.default_rng(0)
    return rng.standard_normal((dims[0], m)), (rng.random((1, m)) > 0.5).astype("float64")


@pytest.mark.parametrize("name", ["numpy", "python"])
def test_training_through_the_proxy_gives_the_same_parameters(name):
    be = backends.get_backend(name, "float64")
    X, Y = _data((5, 4, 1))
    plain = xnn.Network([5, 4, 1], seed=0, backend=be)
    timed = xnn.Network([5, 4, 1], seed=0, backend=TimedBackend(be))
    for net in (plain, timed):
        for _ in range(3):
            net.step(*net.inputs(X, Y), 0.5, compute_cost=True)
    for key, value in plain.parameters.items():
        np.testing.assert_array_equal(timed.parameters[key], value)
    assert not np.allclose(plain.parameters["W1"], xnn.Network([5, 4, 1], seed=0).parameters["W1"])


def test_every_contract_method_is_timed_and_synced():
    proxy = TimedBackend(CountingSync("float64"))
    assert isinstance(proxy, backends.Backend) and proxy.dtype == np.float64 and proxy.name == "numpy"
    assert set(contract_methods()) >= {"matmul", "linear_backward", "sgd_update_", "item", "sum"}
    assert all(getattr(TimedBackend, m).__qualname__ == m for m in contract_methods())
    a = proxy.asarray(np.ones((3, 3)))
    CountingSync.syncs = 0
    proxy.matmul(a, a), proxy.add(a, a), proxy.sum(a, axis=1, keepdims=True)
    assert CountingSync.syncs == 3  # one sync per call, inside its timing
    assert dict(proxy.calls) == {"asarray": 1, "matmul": 1, "add": 1, "sum": 1}
    assert proxy.xp is np  # a non-contract attribute passes through


def test_calibrated_call_cost_is_taken_off_each_call():
    ticks = iter(range(1000))
    proxy = TimedBackend(backends.get_backend("numpy", "float64"), clock=lambda: float(next(ticks)))
    assert proxy.calibrate(batches=3, calls=4) == 1.0  # a fake clock: every timed call reads as 1 s
    a = proxy.ones((2, 2))
    proxy.add(a, a), proxy.add(a, a)
    assert proxy.take_seconds() == {"ones": 0.0, "add": 0.0}
    assert proxy.take_seconds() == {}  # counting starts afresh


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("matmul", "matmul"),
        ("linear_forward", "matmul"),
        ("linear_backward", "matmul"),
        ("relu", "elementwise"),
        ("activation_backward", "elementwise"),
        ("subtract", "elementwise"),
        ("sum", "reductions"),
        ("binary_cross_entropy", "reductions"),
        ("sgd_update_", "update"),
        ("adam_update_", "update"),  # a future in-place optimizer op: the "_" rule files it
        ("item", "sync/transfer"),
        ("materialize", "sync/transfer"),
        ("zeros", "other"),
    ],
)
def test_categories(method, expected):
    assert category(method) == expected


def test_summary_overhead_is_the_plain_step_minus_the_calls_never_negative():
    profiled = [{"linear_forward": 3.0, "relu": 1.0}, {"linear_forward": 5.0, "relu": 1.0, "sum": 0.5}]
    out = summarize([10.0, 12.0], profiled, [20.0, 22.0])
    assert out["categories"] == {"matmul": 4.0, "elementwise": 1.0, "reductions": 0.25, "overhead": 5.75}
    assert out["plain_step_s"] == 11.0 and out["profiled_step_s"] == 21.0
    assert summarize([1.0], [{"matmul": 2.0}], [2.0])["categories"] == {"matmul": 2.0}
    assert by_category({"sgd_update_": 1.0, "matmul": 2.0}) == {"update": 1.0, "matmul": 2.0}


def _profile_entry(backend, step, categories):
    extra = {"suite": "profile", "op": "step", "size": "[2, 4, 1] m=8", "dtype": "float32", "n": 8}
    info = {"plain_step_s": step, "categories": categories, "methods": {"linear_forward": step / 2}}
    return {"name": backend, "extra_info": {**extra, "backend": backend, **info}, "stats": {"median": step}}


@pytest.mark.filterwarnings("error")
def test_report_shows_the_profile_as_a_table_and_stacked_bars(tmp_path):
    from benchmarks.plot_profile import profile_plot

    entries = [
        _profile_entry("numba", 2e-4, {"matmul": 1e-4, "elementwise": 5e-5, "overhead": 5e-5}),
        _profile_entry("python", 0.1, {"matmul": 0.08, "elementwise": 0.02}),
    ]
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"machine_info": {}, "benchmarks": entries}))
    rows, machine = load(path)
    text = markdown.markdown(rows, machine)
    assert "## Where a training step's time goes" in text
    assert "| [2, 4, 1] m=8 | python | 100 ms | 80 % | 20 % | 0 % | linear_forward 50 ms |" in text
    assert "| [2, 4, 1] m=8 | numba | 200 µs | 50 % | 25 % | 25 % |" in text
    png = profile_plot(rows, tmp_path / "p.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
