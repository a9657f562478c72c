"""The results folder's machine name: CPU model + core count (+ GPU model), stable across hostnames."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path


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


def gpu_model() -> str:
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
    """XNN_BENCH_MACHINE, else CPU model + core count (+ GPU model)."""
    chosen = os.environ.get("XNN_BENCH_MACHINE", "").strip()
    if chosen:
        return sanitize(chosen)
    gpu = gpu_model()
    return sanitize(f"{_cpu_model()} {os.cpu_count()}c" + (f" {gpu}" if gpu else ""))
