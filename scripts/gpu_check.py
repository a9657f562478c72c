"""The prepared GPU check: one command for a fresh machine with an NVIDIA GPU, done in under 8 minutes.

    make gpu-check                      (or: python scripts/gpu_check.py)
    make gpu-check DRY_RUN=1            (or: python scripts/gpu_check.py --dry-run): no GPU needed

Phases, each with a time limit, each logged: (1) the GPU (nvidia-smi); (2) install the cuda extra
matching the driver's CUDA major version, unless cupy already imports; (3) `pytest -m gpu`; (4) the
quick GPU benchmarks (benchmarks/bench_gpu.py: the m = 60,000 step on numpy vs cupy, fused vs unfused
kernels, a mini-batch epoch), then the headline's step-against-m lines for numpy, cupy, cupy+upload,
each in a process of its own; (5) the report. Everything lands in
benchmarks/results/<machine>/gpu-check/ (a fresh sibling if that holds results), with summary.md
saying what ran, how long, and what failed.
--dry-run runs phases 3-5 on numpy only (cupy rows skip; the GPU rows at m = 6,000, no headline
sweep), installs nothing, writes to a temp folder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._folders import fresh_folder  # noqa: E402
from benchmarks._machine import machine_name  # noqa: E402
from benchmarks._sessions import merge  # noqa: E402

LIMITS_S = {"gpu": 10, "install": 120, "tests": 140, "gpu-rows": 100, "headline": 60, "report": 20}  # 7.5 min
BENCH_PARTS = {"gpu-rows": "bench_gpu", "headline": "test_step_vs_m"}  # -k per benchmark process
DRY_RUN_M = 6_000  # the dry run's m for the GPU rows: the code paths, in seconds on a busy laptop


def run_logged(name: str, cmd: list[str], out: Path, limit_s: float, env: dict | None = None) -> dict:
    """Run cmd with a time limit, its output in out/<name>.log; the phase's record for the summary."""
    start = time.perf_counter()
    log = out / f"{name}.log"
    with log.open("w") as f:
        f.write(f"$ {' '.join(cmd)}\n\n")
        f.flush()
        try:
            rc = subprocess.run(
                cmd, cwd=ROOT, env=env, stdout=f, stderr=subprocess.STDOUT, timeout=limit_s
            ).returncode
            status = "ok" if rc == 0 else f"failed (exit {rc})"
        except subprocess.TimeoutExpired:
            status = f"timed out after {limit_s:.0f} s"
        except OSError as e:
            status = f"could not start: {e}"
    return {
        "phase": name,
        "status": status,
        "seconds": round(time.perf_counter() - start, 1),
        "log": log.name,
    }


def cuda_extra(smi: str) -> str | None:
    """The pyproject extra for the driver's CUDA major version in nvidia-smi's header (12 -> cuda12)."""
    found = re.search(r"CUDA Version:\s*(\d+)", smi)
    if not found:
        return None
    major = int(found.group(1))
    return "cuda12" if major == 12 else ("cuda13" if major >= 13 else None)


def cupy_imports() -> bool:
    """True when cupy imports in a fresh interpreter (a broken install counts as missing)."""
    cmd = [sys.executable, "-c", "import cupy"]
    return subprocess.run(cmd, capture_output=True, check=False).returncode == 0


def gpu_phase(out: Path, dry_run: bool) -> tuple[dict, str]:
    """nvidia-smi's report into gpu.log; (record, its text)."""
    record = run_logged("gpu", ["nvidia-smi"], out, LIMITS_S["gpu"])
    log = out / "gpu.log"
    text = log.read_text() if log.exists() else ""
    if dry_run and record["status"] != "ok":
        record["status"] = "skipped (dry run, no nvidia-smi needed)"
    return record, text


def install_phase(out: Path, smi: str, dry_run: bool) -> dict:
    """pip install -e ".[cudaNN]" unless cupy already imports; the dry run only says what it would do."""
    extra = cuda_extra(smi)
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "-e", f".[{extra or 'cuda12'}]"]
    if dry_run:
        return {
            "phase": "install",
            "status": f"skipped (dry run; would run: {' '.join(cmd[2:])})",
            "seconds": 0,
        }
    if cupy_imports():
        return {"phase": "install", "status": "skipped (cupy already imports)", "seconds": 0}
    if extra is None:
        return {
            "phase": "install",
            "status": "failed: no CUDA 12+ driver in nvidia-smi's output",
            "seconds": 0,
        }
    return run_logged("install", cmd, out, LIMITS_S["install"])


def _env(dry_run: bool) -> dict[str, str]:
    """The children's environment: this checkout first on the path, the backends, the quick profile."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path, "XNN_BENCH_PROFILE": "quick"}
    if dry_run:
        return {**env, "XNN_BENCH_BACKENDS": "numpy", "XNN_BENCH_GPU_M": str(DRY_RUN_M)}
    return {**env, "XNN_BENCH_BACKENDS": "numpy,cupy"}


def tests_phase(out: Path, env: dict) -> dict:
    """pytest -m gpu with a JUnit XML beside its log."""
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-m",
        "gpu",
        "-p",
        "no:cacheprovider",
        f"--junitxml={out / 'tests.xml'}",
    ]
    return run_logged("tests", cmd, out, LIMITS_S["tests"], env)


def bench_phase(out: Path, env: dict, part: str) -> dict:
    """One part of the benchmarks into .<part>.json: a process each, so a timeout loses only its part."""
    cmd = [sys.executable, "-m", "pytest", "benchmarks", "-v", "--no-header", "-p", "no:cacheprovider"]
    cmd += ["--benchmark-only", "--benchmark-quiet", f"--benchmark-json={out / f'.{part}.json'}"]
    cmd += ["-m", "gpucheck or not torch", "-k", BENCH_PARTS[part]]
    return run_logged(part, cmd, out, LIMITS_S[part], env)


def merge_parts(out: Path, parts: list[str]) -> None:
    """The parts' JSONs into results.json (the report's input); the part files removed."""
    files = [out / f".{part}.json" for part in parts]
    merge(files, out / "results.json")
    for file in files:
        file.unlink(missing_ok=True)


def report_phase(out: Path, env: dict) -> dict:
    """report.md and the plots from results.json."""
    if not (out / "results.json").exists():
        return {"phase": "report", "status": "skipped (no results.json)", "seconds": 0}
    cmd = [sys.executable, "-m", "benchmarks", "report", str(out / "results.json"), "--out", str(out)]
    return run_logged("report", cmd, out, LIMITS_S["report"], env)


def summary(out: Path, records: list[dict], facts: dict) -> str:
    """summary.md (and .json): the machine, each phase's status and time, where the details are."""
    ok = all(r["status"] == "ok" or r["status"].startswith("skipped") for r in records)
    lines = [
        "# GPU check",
        "",
        *(f"- {k}: {v}" for k, v in facts.items()),
        f"- verdict: {'ok' if ok else 'FAILED'}",
        "",
    ]
    lines += ["| phase | status | seconds | log |", "|---|---|---|---|"]
    lines += [f"| {r['phase']} | {r['status']} | {r['seconds']} | {r.get('log', '—')} |" for r in records]
    lines += [
        "",
        "The benchmark report (when it ran) is report.md in this folder; the GPU tests' log is tests.log.",
    ]
    text = "\n".join(lines) + "\n"
    (out / "summary.md").write_text(text)
    (out / "summary.json").write_text(json.dumps({"facts": facts, "phases": records, "ok": ok}, indent=1))
    return text


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/gpu_check.py", description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="numpy only: no GPU, no install, temp folder")
    parser.add_argument("--out", type=Path, help="results folder (default results/<machine>/gpu-check)")
    parser.add_argument("--overwrite", action="store_true", help="replace results already in the folder")
    return parser.parse_args(argv)


def _out(args: argparse.Namespace) -> Path:
    if args.out is not None:
        return args.out
    if args.dry_run:
        return Path(tempfile.mkdtemp(prefix="xnn-gpu-check-dry-run-"))
    return fresh_folder(ROOT / "benchmarks" / "results" / machine_name() / "gpu-check", args.overwrite)


def _say(record: dict) -> dict:
    print(f"gpu-check: {record['phase']}: {record['status']} ({record['seconds']} s)", flush=True)
    return record


def main(argv: list[str] | None = None) -> int:
    """Every phase in order, within LIMITS_S; exit 0 only when none failed."""
    args = _args(argv)
    out = _out(args)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    print(f"gpu-check: {'dry run, ' if args.dry_run else ''}writing to {out}", flush=True)
    gpu, smi = gpu_phase(out, args.dry_run)
    records = [_say(gpu), _say(install_phase(out, smi, args.dry_run))]
    env, parts = _env(args.dry_run), ["gpu-rows"] if args.dry_run else list(BENCH_PARTS)
    records.append(_say(tests_phase(out, env)))
    records += [_say(bench_phase(out, env, part)) for part in parts]
    merge_parts(out, parts)
    records.append(_say(report_phase(out, env)))
    facts = {
        "machine": machine_name(),
        "dry run": args.dry_run,
        "total seconds": round(time.perf_counter() - start),
    }
    text = summary(out, records, facts)
    print(text)
    return 0 if "verdict: ok" in text else 1


if __name__ == "__main__":
    sys.exit(main())
