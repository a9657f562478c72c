"""The numba backend's disk cache: a user cache folder by default, NUMBA_CACHE_DIR when set."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("numba")

ROOT = Path(__file__).resolve().parents[1]

CODE = """
    import sys; sys.path.insert(0, {src!r})
    import numba, numpy as np, backends
    backends.get_backend("numba", "float64").relu(np.ones(3))
    import other  # someone else's cached numba function, decorated after our kernels
    print(other.inc(1), repr(numba.config.CACHE_DIR))
"""


def run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """CODE in a fresh interpreter without NUMBA_CACHE_DIR, plus `env`."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "other.py").write_text("import numba\n\n@numba.njit(cache=True)\ndef inc(x):\n    return x + 1\n")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("XNN_", "NUMBA_CACHE_DIR"))}
    code = textwrap.dedent(CODE.format(src=str(src)))
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ | env, cwd=ROOT, timeout=600
    )


def test_kernels_are_cached_in_the_user_cache_folder_and_only_ours(tmp_path):
    done = run(tmp_path, XDG_CACHE_HOME=str(tmp_path / "cache"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2", "''"]  # numba's own setting is left as it was
    ours = tmp_path / "cache" / "xnn" / "numba"
    assert f"cached in {ours}" in done.stderr, done.stderr
    assert any("relu" in p.name for p in ours.rglob("*.nbi"))
    assert not any("inc" in p.name for p in ours.rglob("*"))  # other code keeps numba's default
    assert any("inc" in p.name for p in (tmp_path / "src" / "__pycache__").glob("*.nbi"))


def test_numba_cache_dir_wins_over_the_user_folder(tmp_path):
    chosen = tmp_path / "chosen"
    done = run(tmp_path, XDG_CACHE_HOME=str(tmp_path / "cache"), NUMBA_CACHE_DIR=str(chosen))
    assert done.returncode == 0, done.stderr
    assert any("relu" in p.name for p in chosen.rglob("*.nbi"))
    assert not (tmp_path / "cache" / "xnn").exists() or not any((tmp_path / "cache" / "xnn").rglob("*.nbi"))
