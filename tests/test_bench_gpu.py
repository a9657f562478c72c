"""The prepared GPU check: its phases, their limits and summary, and the report's GPU section."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `benchmarks` is a folder of the checkout, not an installed package

from benchmarks import markdown  # noqa: E402
from benchmarks.results import load  # noqa: E402

_spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "scripts" / "gpu_check.py")
gpu_check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gpu_check)


@pytest.mark.parametrize(
    ("smi", "extra"),
    [
        ("| NVIDIA-SMI 550.54   Driver Version: 550.54   CUDA Version: 12.4 |", "cuda12"),
        ("CUDA Version: 13.0", "cuda13"),
        ("CUDA Version: 11.8", None),
        ("nvidia-smi: command not found", None),
    ],
)
def test_the_cuda_extra_follows_the_driver(smi, extra):
    assert gpu_check.cuda_extra(smi) == extra


def test_the_phases_sum_to_under_eight_minutes():
    assert sum(gpu_check.LIMITS_S.values()) < 8 * 60


def test_a_phase_past_its_limit_is_stopped_and_says_so(tmp_path):
    slow = gpu_check.run_logged("slow", [sys.executable, "-c", "import time; time.sleep(30)"], tmp_path, 0.5)
    assert slow["status"] == "timed out after 0 s" or slow["status"].startswith("timed out")
    assert slow["seconds"] < 10 and (tmp_path / "slow.log").read_text().startswith("$ ")
    failed = gpu_check.run_logged("bad", [sys.executable, "-c", "raise SystemExit(3)"], tmp_path, 30)
    assert failed["status"] == "failed (exit 3)"


def _fake_runs(monkeypatch, fail: str | None = None) -> list:
    ran = []

    def fake(name, cmd, out, limit_s, env=None):
        ran.append((name, cmd, env))
        if name in gpu_check.BENCH_PARTS:
            bench = {"machine_info": {}, "benchmarks": [{"name": name}]}
            (out / f".{name}.json").write_text(json.dumps(bench))
        return {
            "phase": name,
            "status": "failed (exit 1)" if name == fail else "ok",
            "seconds": 0.1,
            "log": f"{name}.log",
        }

    monkeypatch.setattr(gpu_check, "run_logged", fake)
    return ran


def test_the_dry_run_runs_tests_benchmarks_and_report_on_numpy(tmp_path, monkeypatch, capsys):
    ran = _fake_runs(monkeypatch)
    assert gpu_check.main(["--dry-run", "--out", str(tmp_path)]) == 0
    by_name = {name: (cmd, env) for name, cmd, env in ran}
    assert list(by_name) == ["gpu", "tests", "gpu-rows", "report"]  # no install, no headline sweep
    assert by_name["tests"][0][-4:-2] == ["gpu", "-p"] and "-m" in by_name["tests"][0]
    bench_cmd, env = by_name["gpu-rows"]
    assert bench_cmd[-2:] == ["-k", "bench_gpu"] and env["XNN_BENCH_BACKENDS"] == "numpy"
    assert env["XNN_BENCH_GPU_M"] == "6000"
    assert json.loads((tmp_path / "results.json").read_text())["benchmarks"] == [{"name": "gpu-rows"}]
    assert not (tmp_path / ".gpu-rows.json").exists()
    text = (tmp_path / "summary.md").read_text()
    assert "verdict: ok" in text and "skipped (dry run; would run: pip install --quiet -e .[cuda12])" in text
    assert json.loads((tmp_path / "summary.json").read_text())["ok"] is True


def test_a_failed_phase_fails_the_check_and_the_rest_still_run(tmp_path, monkeypatch):
    ran = _fake_runs(monkeypatch, fail="tests")
    monkeypatch.setattr(gpu_check, "cupy_imports", lambda: True)
    assert gpu_check.main(["--out", str(tmp_path)]) == 1
    names = [name for name, _, _ in ran]
    assert names == ["gpu", "tests", "gpu-rows", "headline", "report"]  # cupy imports: no install
    assert all(env["XNN_BENCH_BACKENDS"] == "numpy,cupy" for name, _, env in ran if name != "gpu")
    assert "XNN_BENCH_GPU_M" not in ran[2][2]  # the real check runs at m = 60,000
    merged = json.loads((tmp_path / "results.json").read_text())["benchmarks"]
    assert merged == [{"name": "gpu-rows"}, {"name": "headline"}]  # both parts in the report
    assert "verdict: FAILED" in (tmp_path / "summary.md").read_text()


def _gpu_entry(backend, op, median, **info):
    extra = {"suite": "gpu", "op": op, "size": "m=60,000", "dtype": "float32", "backend": backend, "n": 60000}
    return {"name": f"{backend}-{op}", "extra_info": {**extra, **info}, "stats": {"median": median}}


def test_report_has_a_gpu_section(tmp_path):
    entries = [
        _gpu_entry("numpy", "step", 0.4),
        _gpu_entry("cupy", "step", 0.01),
        _gpu_entry("cupy+upload", "step", 0.05),
        _gpu_entry("cupy", "sigmoid fused", 1e-4, fused_op="sigmoid", way="fused"),
        _gpu_entry("cupy", "sigmoid unfused", 5e-4, fused_op="sigmoid", way="unfused"),
        _gpu_entry("numpy", "epoch", 2.0),
        _gpu_entry("cupy", "epoch", 0.5),
    ]
    path = tmp_path / "gpu.json"
    path.write_text(json.dumps({"machine_info": {}, "benchmarks": entries}))
    text = markdown.markdown(*load(path))
    assert "## GPU check" in text
    assert "| cupy | m=60,000 | 10 ms | 40× |" in text and "| cupy+upload | m=60,000 | 50 ms | 8× |" in text
    assert "| sigmoid | cupy | 100 µs | 500 µs | 5× |" in text
    assert "| cupy | m=60,000 | 500 ms | 4× |" in text
