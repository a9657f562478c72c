"""The benchmark job: run the suite into benchmarks/results/<machine>/<profile>/, then the report.

python -m benchmarks run [--profile quick|full] [--backends numpy,numba] [--threads N]
                         [--machine NAME] [--out DIR] [-- extra pytest args]
python -m benchmarks report RESULTS.json [--out DIR] [--no-plots]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks._threads import ROOT, bench_threads, thread_env

RESULTS = ROOT / "benchmarks" / "results"


def _cpu_model() -> str:
    """The CPU's marketing name from /proc/cpuinfo or sysctl, else platform's best guess."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1]
    except OSError:
        pass
    if sys.platform == "darwin" and shutil.which("sysctl"):
        done = subprocess.run(
            ["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True, check=False
        )
        if done.stdout.strip():
            return done.stdout
    return platform.processor() or platform.machine() or "unknown-cpu"


def _gpu_model() -> str:
    """The first NVIDIA GPU's name, or "" (no nvidia-smi, no GPU)."""
    if not shutil.which("nvidia-smi"):
        return ""
    done = subprocess.run(
        ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.splitlines()[0] if done.returncode == 0 and done.stdout.strip() else ""


def sanitize(name: str) -> str:
    """A folder-safe, lower-case name: 'Intel(R) Core(TM) i7 CPU @ 2.6GHz' -> 'intel-core-i7'."""
    name = re.sub(r"\((r|tm)\)|@.*$|\bcpu\b|\bprocessor\b", " ", name.lower())
    return re.sub(r"[^a-z0-9]+", "-", name).strip("-") or "unknown"


def machine_name() -> str:
    """XNN_BENCH_MACHINE, else CPU model + core count (+ GPU model): stable across hostnames."""
    chosen = os.environ.get("XNN_BENCH_MACHINE", "").strip()
    if chosen:
        return sanitize(chosen)
    gpu = _gpu_model()
    return sanitize(f"{_cpu_model()} {os.cpu_count()}c" + (f" {gpu}" if gpu else ""))


def _run_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks run", description="run the benchmark suite, then the report"
    )
    parser.add_argument(
        "--profile",
        choices=("quick", "full"),
        default=os.environ.get("XNN_BENCH_PROFILE", "").strip().lower() or "quick",
    )
    parser.add_argument("--backends", help="comma-separated, e.g. numpy,numba (XNN_BENCH_BACKENDS)")
    parser.add_argument("--threads", type=int, help="threads for BLAS/numba/torch (XNN_BENCH_THREADS)")
    parser.add_argument("--machine", help="results folder name (XNN_BENCH_MACHINE)")
    parser.add_argument("--out", type=Path, help="results folder (default results/<machine>/<profile>)")
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest (e.g. -k matmul)")
    return parser.parse_args(argv)


def _environment(args: argparse.Namespace) -> dict[str, str]:
    """The child's environment: profile, narrowing, threads and numba cache set deliberately."""
    env = dict(os.environ, XNN_BENCH_PROFILE=args.profile)
    for var, value in (
        ("XNN_BENCH_BACKENDS", args.backends),
        ("XNN_BENCH_THREADS", args.threads),
        ("XNN_BENCH_MACHINE", args.machine),
    ):
        if value is not None:
            env[var] = str(value)
    os.environ.update({k: env[k] for k in ("XNN_BENCH_THREADS", "XNN_BENCH_MACHINE") if k in env})
    return {**env, **thread_env(env)}


# One pytest process per thread-pool family: numba's OpenMP threads, torch's pool and OpenBLAS's
# threads keep spinning after a call and starve each other in a shared process on a busy machine
# (measured here: a 30 us numpy matmul took 16 ms right after numba calls). Each family is timed
# alone; the JSONs are merged.
SESSIONS = (  # (name, backends it runs or None for any, pytest mark expression)
    ("numpy", ("numpy", "python"), "not torch"),
    ("numba", ("numba",), "not torch"),
    ("cupy", ("cupy",), "not torch"),
    ("torch", None, "torch"),
)


def _selected(args: argparse.Namespace) -> list[str]:
    """Backends asked for (--backends, XNN_BENCH_BACKENDS), else every registered one."""
    from backends import REGISTRY

    raw = args.backends or os.environ.get("XNN_BENCH_BACKENDS", "")
    return [n.strip().lower() for n in raw.split(",") if n.strip()] or list(REGISTRY)


def _session(name: str, marks: str, json_path: Path, env: dict, extra: list[str]) -> int:
    """One pytest-benchmark process; progress is pytest's one line per benchmark."""
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "benchmarks",
        "-v",
        "--no-header",
        "-p",
        "no:cacheprovider",
        "--benchmark-only",
        "--benchmark-quiet",
        f"--benchmark-json={json_path}",
        "-m",
        marks,
        *extra,
    ]
    print(f"benchmarks: session {name} ({env['XNN_BENCH_BACKENDS']}): {' '.join(cmd[2:])}", flush=True)
    rc = subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode
    return 0 if rc == 5 else rc  # 5: nothing collected (e.g. -k deselected every row of a session)


def merge(parts: list[Path], out: Path) -> bool:
    """Concatenate the sessions' benchmarks into one pytest-benchmark JSON; False if none ran."""
    docs = [json.loads(p.read_text()) for p in parts if p.exists()]
    if not docs:
        return False
    merged = docs[0]
    info = merged.setdefault("machine_info", {}).setdefault("xnn", {})
    for doc in docs[1:]:
        merged["benchmarks"] += doc["benchmarks"]
        more = doc.get("machine_info", {}).get("xnn", {})
        info.setdefault("versions", {}).update(more.get("versions", {}))
        info["loadavg_end"] = more.get("loadavg_end", info.get("loadavg_end"))
    out.write_text(json.dumps(merged, indent=1))
    return True


def run(argv: list[str]) -> int:
    """Each session into its own JSON, merged into results.json, then the report."""
    args = _run_args(argv)
    env = _environment(args)
    out = args.out or RESULTS / machine_name() / args.profile
    out.mkdir(parents=True, exist_ok=True)
    print(f"benchmarks: profile {args.profile}, {bench_threads()} threads, results in {out}", flush=True)
    start, rc, parts, selected = time.perf_counter(), 0, [], _selected(args)
    for name, family, marks in SESSIONS:
        names = selected if family is None else [n for n in selected if n in family]
        if not names:
            continue
        parts.append(out / f".session-{name}.json")
        parts[-1].unlink(missing_ok=True)
        session_env = {**env, "XNN_BENCH_BACKENDS": ",".join(names)}
        rc = _session(name, marks, parts[-1], session_env, args.pytest_args) or rc
    print(f"benchmarks: pytest finished in {time.perf_counter() - start:.0f} s (exit {rc})", flush=True)
    json_path = out / "results.json"
    written = merge(parts, json_path)
    for part in parts:
        part.unlink(missing_ok=True)
    if not written:
        print(f"benchmarks: no results written to {out}", file=sys.stderr)
        return rc or 1
    from benchmarks.report import main as report

    return report([str(json_path), "--out", str(out)]) or rc


def main(argv: list[str] | None = None) -> int:
    """Dispatch `run` or `report`."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("run", "report"):
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "report":
        from benchmarks.report import main as report

        return report(argv[1:])
    return run(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
