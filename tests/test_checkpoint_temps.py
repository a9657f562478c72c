"""The temp files of killed saves are removed by the next save into the same folder: only ours, only
when their writer is provably dead (same namespace, pid gone) or they are a day old."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import xnn
from xnn import atomic


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def touch(path, age_s=0.0, content=b"partial"):
    path.write_bytes(content)
    if age_s:
        then = time.time() - age_s
        os.utime(path, (then, then))
    return path


def temp_name(pid, tag=None, rand="deadbeef"):
    return f".xnn-{tag or atomic._namespace_tag()}-{pid}-{rand}.tmp"


DAY = atomic.STALE_AFTER_S


@pytest.mark.parametrize(
    ("name", "age_s", "removed"),
    [
        (lambda: temp_name(dead_pid()), 0, True),  # our namespace, writer gone: provably dead
        (lambda: temp_name(os.getpid()), 0, False),  # a live writer (this very process)
        (lambda: temp_name(os.getpid()), DAY + 60, True),  # alive but a day without a write: stuck
        (lambda: temp_name(dead_pid(), tag="0badc0de"), 0, False),  # other host/namespace: pid says nothing
        (lambda: temp_name(dead_pid(), tag="0badc0de"), DAY + 60, True),
        (lambda: ".xnn-a1b2c3d4.tmp", 0, False),  # xnn 0.1's mkstemp name: no pid, only the age rule
        (lambda: ".xnn-a1b2c3d4.tmp", DAY + 60, True),
        (lambda: ".xnn-notes.tmp", DAY + 60, False),  # not our naming
        (lambda: ".xnn-a1b2c3d4.tmp.bak", DAY + 60, False),
        (lambda: "model.tmp", DAY + 60, False),
        (lambda: temp_name(dead_pid()) + "x", 0, False),
    ],
)
def test_next_save_removes_exactly_the_dead_writers_temp_files(tmp_path, name, age_s, removed):
    stale = touch(tmp_path / name(), age_s)
    xnn.Network([2, 1]).save(tmp_path / "model.npz")
    assert stale.exists() is not removed
    assert (tmp_path / "model.npz").exists()


def test_only_regular_files_in_the_targets_own_folder_are_removed(tmp_path):
    (tmp_path / "sub").mkdir()
    elsewhere = touch(tmp_path / "sub" / temp_name(dead_pid()))
    keep = tmp_path / "keep.txt"
    keep.write_text("mine")
    link = tmp_path / temp_name(dead_pid(), rand="0000beef")
    link.symlink_to(keep)  # a symlink with our name is never ours: left alone, target unharmed
    folder = tmp_path / temp_name(dead_pid(), rand="1111beef")
    folder.mkdir()
    xnn.Network([2, 1]).save(tmp_path / "model.npz")
    assert elsewhere.exists() and link.is_symlink() and folder.is_dir() and keep.read_text() == "mine"


def test_temp_files_next_to_a_symlinks_target_are_cleaned_there(tmp_path):
    (tmp_path / "real").mkdir()
    stale = touch(tmp_path / "real" / temp_name(dead_pid()))
    (tmp_path / "link.npz").symlink_to(tmp_path / "real" / "model.npz")
    xnn.Network([2, 1]).save(tmp_path / "link.npz")
    assert not stale.exists() and (tmp_path / "real" / "model.npz").is_file()


def test_our_temp_names_carry_this_process_and_match_the_cleaning_rule(tmp_path):
    fd, tmp = atomic._create_temp(str(tmp_path))
    os.close(fd)
    match = atomic._OURS.match(os.path.basename(tmp))
    assert match and int(match["pid"]) == os.getpid() and match["tag"] == atomic._namespace_tag()
    assert atomic.remove_stale_temps(str(tmp_path)) == []  # we are alive: kept


KILLED_WRITER = """
import os, sys, time
import numpy as np
import xnn
from xnn import checkpoint

def slow(f, **arrays):  # half an archive on disk, then stuck until killed
    f.write(b"PK\\x03\\x04" + b"x" * 4096)
    f.flush()
    print("writing", flush=True)
    time.sleep(60)

checkpoint.np.savez = slow
xnn.Network([2, 1]).save(sys.argv[1])
"""


def test_a_save_killed_mid_write_leaves_a_temp_file_that_the_next_save_removes(tmp_path):
    path = tmp_path / "model.npz"
    xnn.Network([2, 1], seed=1).save(path)
    before = path.read_bytes()
    env = os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)}
    script = textwrap.dedent(KILLED_WRITER)
    child = subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, env=env)
    try:
        assert child.stdout.readline() == b"writing\n"
        leftovers = [n for n in os.listdir(tmp_path) if n != "model.npz"]
        assert len(leftovers) == 1 and atomic._OURS.match(leftovers[0])
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    assert path.read_bytes() == before  # the kill cost nothing but the temp file
    xnn.Network([2, 1], seed=2).save(path)
    assert os.listdir(tmp_path) == ["model.npz"]
