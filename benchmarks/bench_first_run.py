"""What does a newcomer wait for? The README's example, whole, as a user runs it, on numba.

The first ```python block under README.md's "## Example" heading runs in a fresh interpreter with
XNN_BACKEND=numba: cold (a new, empty NUMBA_CACHE_DIR: every kernel it uses compiles), then warm (the
same cache, now filled), beside the same script on numpy (no JIT: the floor). The time is the whole
process (interpreter, imports, compile, training), as `time python example.py` shows it.
Issue 14's target: cold <= 10 s. bench_compile.py times single ops; this is the sum a user meets.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks._common import label, load_backend, selected_backends
from benchmarks._threads import ROOT

README = ROOT / "README.md"
BACKEND = "numba"

pytestmark = pytest.mark.skipif(
    BACKEND not in selected_backends(), reason="numba is not among XNN_BENCH_BACKENDS"
)


def readme_example(text: str) -> str:
    """The first ```python block after the "## Example" heading; ValueError when there is none."""
    heading = re.search(r"^## Example\s*$", text, re.M)
    block = re.search(r"^```python\n(.*?)^```", text[heading.end() :], re.M | re.S) if heading else None
    if block is None:
        raise ValueError(
            'README.md: expected a "## Example" heading followed by a ```python block (the example '
            "a user copies); found none. Update benchmarks/bench_first_run.py if the README moved it."
        )
    return block.group(1)


def run_example(code: str, backend: str, cache_dir: Path) -> dict[str, object]:
    """Wall seconds of one fresh process running code, and its last output line; raises if it fails."""
    env = {**os.environ, "XNN_BACKEND": backend, "NUMBA_CACHE_DIR": str(cache_dir)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"README example on {backend} exited {done.returncode}:\n{done.stderr[-2000:]}")
    lines = done.stdout.strip().splitlines()
    return {
        "wall_s": wall,
        "last_line": lines[-1] if lines else "",
        "said_compiling": "compiling" in done.stderr,
    }


def test_readme_example_first_run(benchmark, tmp_path):
    """Cold, then warm numba cache, then numpy: three processes, the cold one is the row's time."""
    load_backend(BACKEND, "float32")  # skips with the reason when numba cannot run here
    code = readme_example(README.read_text())
    runs: dict[str, dict[str, object]] = {}
    label(
        benchmark,
        suite="targets",
        op="readme example",
        backend=BACKEND,
        dtype="float32",
        size="first run",
        n=0,
    )
    benchmark.pedantic(lambda: runs.setdefault("cold", run_example(code, BACKEND, tmp_path)), rounds=1)
    runs["warm"] = run_example(code, BACKEND, tmp_path)
    runs["numpy"] = run_example(code, "numpy", tmp_path / "unused")
    benchmark.extra_info.update(
        cold_s=runs["cold"]["wall_s"],
        warm_s=runs["warm"]["wall_s"],
        numpy_s=runs["numpy"]["wall_s"],
        output=runs["cold"]["last_line"],
        said_compiling=runs["cold"]["said_compiling"],
    )
