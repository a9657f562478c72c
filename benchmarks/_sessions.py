"""The runner's pytest processes: one per thread-pool family, derived from the backend registry.

numba's OpenMP threads, torch's pool and OpenBLAS's threads keep spinning after a call and starve
each other in a shared process on a busy machine (measured here: a 30 us numpy matmul took 16 ms
right after numba calls). So each registered backend is timed in a process of its own, except the
pure-Python loops, which use no thread pool and ride along with numpy; PyTorch peer rows (the
`torch` mark) get one more process. A newly registered backend gets its own process with no edit here.
The GPU check's rows (`gpucheck` mark) are left to scripts/gpu_check.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from benchmarks._threads import ROOT

SHARES_PROCESS_WITH = {"python": "numpy"}  # backend -> the backend whose process it runs in
# Backends timed only on some questions: a dask task costs about a millisecond, so its per-op rows
# would measure the scheduler; it answers the scale-out question and draws its line in the headline.
ONLY_FILES = {"dask": ("benchmarks/bench_scaleout.py", "benchmarks/bench_scaling.py")}


@dataclass(frozen=True)
class Session:
    """One pytest process: a name, the backends it may run (XNN_BENCH_BACKENDS) and a mark expression."""

    name: str
    backends: tuple[str, ...]
    marks: str
    paths: tuple[str, ...] = ("benchmarks",)


def sessions(selected: Iterable[str]) -> list[Session]:
    """Backend groups in the order given, then the PyTorch peers' session."""
    selected = tuple(selected)
    groups: dict[str, list[str]] = {}
    for name in selected:
        host = SHARES_PROCESS_WITH.get(name, name)
        groups.setdefault(host if host in selected else name, []).append(name)
    own = [
        Session(key, tuple(names), "not torch and not gpucheck", ONLY_FILES.get(key, ("benchmarks",)))
        for key, names in groups.items()
    ]
    return [*own, Session("torch", selected, "torch and not gpucheck")]


def run_session(session: Session, json_path: Path, env: dict[str, str], extra: list[str]) -> int:
    """One pytest-benchmark process; progress is pytest's one line per benchmark."""
    cmd = [sys.executable, "-m", "pytest", *session.paths, "-v", "--no-header", "-p", "no:cacheprovider"]
    cmd += ["--benchmark-only", "--benchmark-quiet", f"--benchmark-json={json_path}", "-m", session.marks]
    env = {**env, "XNN_BENCH_BACKENDS": ",".join(session.backends)}
    print(
        f"benchmarks: session {session.name} ({env['XNN_BENCH_BACKENDS']}): {' '.join(cmd[2:])}", flush=True
    )
    rc = subprocess.run([*cmd, *extra], cwd=ROOT, env=env, check=False).returncode
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
        selected = info.setdefault("backends_selected", [])
        selected += [b for b in more.get("backends_selected", []) if b not in selected]
        info["loadavg_end"] = more.get("loadavg_end", info.get("loadavg_end"))
    out.write_text(json.dumps(merged, indent=1))
    return True
