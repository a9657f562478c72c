"""Network.save never loses data: no non-finite parameters, only regular files (or a symlink's target)
are replaced, and the temp files of killed saves are cleaned by the next save."""

from __future__ import annotations

import os
import socket
import stat

import numpy as np
import pytest

import xnn
from xnn import atomic, checkpoint
from xnn.errors import CheckpointError


def small_net(seed=0, backend=None):
    return xnn.Network([3, 4, 1], hidden="tanh", seed=seed, backend=backend)


def only(folder) -> list[str]:
    return sorted(os.listdir(folder))


def same_weights(path, net) -> bool:
    loaded = xnn.Network.load(path).parameters
    return all(np.array_equal(loaded[k], v) for k, v in net.parameters.items())


# -- 1. non-finite parameters are never saved ---------------------------------------------------------
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_parameters_are_refused_and_the_old_file_is_intact(be, tmp_path, bad):
    path = tmp_path / "model.npz"
    small_net(backend=be).save(path)
    before = path.read_bytes()
    net = small_net(seed=1, backend=be)
    W2 = net.parameters["W2"]
    W2[0, 2] = bad
    net.device_parameters = net.device_parameters | {"W2": be.asarray(W2)}  # the setter would refuse
    with pytest.raises(CheckpointError, match=r"parameters\['W2'\] \(1, 4\) holds 1 NaN or infinite"):
        net.save(path)
    assert path.read_bytes() == before and only(tmp_path) == ["model.npz"]
    with pytest.raises(CheckpointError, match="the file was not touched"):
        net.save(tmp_path / "new.npz")
    assert only(tmp_path) == ["model.npz"]


def test_a_seed_that_json_cannot_hold_is_stored_as_an_int_or_refused(tmp_path):
    net = xnn.Network([3, 1], seed=np.int64(7))
    net.save(tmp_path / "a.npz")
    assert xnn.Network.load(tmp_path / "a.npz").seed == 7
    net.seed = np.random.default_rng(0)
    with pytest.raises(CheckpointError, match="cannot store seed"):
        net.save(tmp_path / "b.npz")
    assert only(tmp_path) == ["a.npz"]


# -- 2. only regular files are replaced; a symlink's target is what gets written -----------------------
def test_symlink_target_is_written_and_the_link_stays_a_link(tmp_path):
    (tmp_path / "real").mkdir()
    target, link = tmp_path / "real" / "model.npz", tmp_path / "latest.npz"
    small_net(seed=0).save(target)
    link.symlink_to(os.path.join("real", "model.npz"))  # relative, as users make them
    newer = small_net(seed=1)
    newer.save(link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "model.npz")
    assert same_weights(target, newer)
    assert only(tmp_path) == ["latest.npz", "real"] and only(tmp_path / "real") == ["model.npz"]


def test_symlink_chain_and_dangling_symlink(tmp_path):
    target = tmp_path / "model.npz"
    (tmp_path / "b").symlink_to(target)  # dangling until the first save creates the target
    (tmp_path / "a").symlink_to(tmp_path / "b")
    net = small_net(seed=2)
    net.save(tmp_path / "a")
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink() and same_weights(target, net)


def test_symlink_cycle_is_a_clear_error(tmp_path):
    (tmp_path / "x").symlink_to(tmp_path / "y")
    (tmp_path / "y").symlink_to(tmp_path / "x")
    with pytest.raises(ValueError, match="cannot save to .*symbolic links"):
        small_net().save(tmp_path / "x")
    assert only(tmp_path) == ["x", "y"]


def identity(path) -> tuple[int, int, int]:
    info = os.lstat(path)
    return info.st_mode, info.st_ino, info.st_rdev


def assert_refused(path, kind):
    before = identity(path)
    with pytest.raises(ValueError, match=f"it is a {kind}, not a regular file"):
        small_net().save(path)
    assert identity(path) == before


def test_fifo_is_refused_untouched(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    assert_refused(tmp_path / "pipe", r"fifo \(named pipe\)")
    assert only(tmp_path) == ["pipe"]


def test_directory_is_refused_untouched_also_through_a_symlink(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "keep.txt").write_text("x")
    (tmp_path / "to_d").symlink_to(tmp_path / "d")
    assert_refused(tmp_path / "d", "directory")
    assert_refused(tmp_path / "to_d", "directory")
    assert only(tmp_path / "d") == ["keep.txt"] and only(tmp_path) == ["d", "to_d"]


def test_socket_is_refused_untouched(tmp_path):
    path = str(tmp_path / "s")
    if len(path) > 100:
        pytest.skip("tmp path too long for an AF_UNIX socket")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(path)
        assert_refused(path, "socket")


def test_device_node_is_refused_untouched(tmp_path):
    # a private twin of /dev/null (same major/minor) in tmp_path: a regression can only hurt the twin
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("creating a device node needs root")
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except OSError as e:
        pytest.skip(f"mknod not permitted here: {e}")
    assert_refused(node, "character device")
    assert stat.S_ISCHR(os.lstat(node).st_mode) and os.lstat(node).st_rdev == os.makedev(1, 3)
    assert only(tmp_path) == ["null"]


def test_real_dev_null_is_judged_without_being_written():
    # only the check runs against the real node: it never creates, opens or replaces anything
    if not os.path.exists("/dev/null"):
        pytest.skip("no /dev/null")
    before = identity("/dev/null")
    with pytest.raises(ValueError, match="it is a character device"):
        atomic.writable_target("/dev/null")
    assert identity("/dev/null") == before


def test_missing_folder_and_empty_path_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="folder .*nope' does not exist; create it first"):
        small_net().save(tmp_path / "nope" / "m.npz")
    with pytest.raises(ValueError, match="empty path"):
        small_net().save("")
    with pytest.raises(ValueError, match="ends with a path separator"):
        small_net().save(f"{tmp_path}{os.sep}model.npz{os.sep}")
    assert only(tmp_path) == []


def test_replacing_keeps_the_old_files_permission_bits(tmp_path):
    path = tmp_path / "m.npz"
    small_net().save(path)
    os.chmod(path, 0o640)
    small_net(seed=3).save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    umask = os.umask(0o022)
    os.umask(umask)
    small_net().save(tmp_path / "fresh.npz")  # a new file gets open()'s usual mode, not mkstemp's 0600
    assert stat.S_IMODE(os.stat(tmp_path / "fresh.npz").st_mode) == 0o666 & ~umask


def test_a_symlink_re_pointed_during_the_save_is_not_overwritten(tmp_path, monkeypatch):
    first, second, link = tmp_path / "first.npz", tmp_path / "second.npz", tmp_path / "link.npz"
    small_net(seed=0).save(first)
    small_net(seed=1).save(second)
    link.symlink_to(first)
    before = first.read_bytes(), second.read_bytes()
    real_savez = np.savez

    def repoint(f, **arrays):
        real_savez(f, **arrays)
        link.unlink()
        link.symlink_to(second)

    monkeypatch.setattr(checkpoint.np, "savez", repoint)
    with pytest.raises(FileExistsError, match="changed while it was being saved"):
        small_net(seed=9).save(link)
    assert (first.read_bytes(), second.read_bytes()) == before
    assert only(tmp_path) == ["first.npz", "link.npz", "second.npz"]
