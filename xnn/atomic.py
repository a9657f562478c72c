"""Atomic file replacement that only ever replaces a regular file, and cleans up after killed writers.

A write goes to a hidden temp file next to the real target, is fsynced, then `os.replace`d over it:
readers see the old file or the new one, never half of one. The path may be a symlink: its final
target is what gets written (the link stays a link). A directory, fifo, socket or device node at the
path is refused before anything is created.

Temp files are named `.xnn-<tag>-<pid>-<random>.tmp`, where <tag> hashes the host name, the boot id
and the pid namespace (Linux) and <pid> is the writer's process id. A writer killed mid-write leaves
its temp file behind; the next write into the same folder removes it when it is provably dead:
  - same <tag> (same machine, boot and pid namespace) and no live process has <pid>; or
  - unmodified for STALE_AFTER_S (24 h), whatever the tag (other hosts on a shared filesystem, and
    the `.xnn-XXXXXXXX.tmp` names of older xnn versions, which carry no pid).
Only regular files with exactly these names, in the target's own folder, are ever removed.

A replaced file keeps its permission bits (and owner, where allowed). A hard-linked target is
replaced under this one name only: its other names keep the old content, as with any atomic save.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import socket
import stat
import time
from collections.abc import Callable
from typing import BinaryIO

PREFIX, SUFFIX = ".xnn-", ".tmp"
STALE_AFTER_S = 24 * 3600
_OURS = re.compile(r"^\.xnn-(?P<tag>[0-9a-f]{8})-(?P<pid>[0-9]{1,10})-[0-9a-f]{8}\.tmp$")
_LEGACY = re.compile(r"^\.xnn-[a-z0-9_]{8}\.tmp$")  # tempfile.mkstemp names of xnn 0.1 saves
_KINDS = {
    stat.S_ISDIR: "directory",
    stat.S_ISFIFO: "fifo (named pipe)",
    stat.S_ISSOCK: "socket",
    stat.S_ISCHR: "character device",
    stat.S_ISBLK: "block device",
}


def _read_text(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ""


def _namespace_tag() -> str:
    """8 hex digits that differ between hosts, boots and pid namespaces: pids compare only within one."""
    try:
        pidns = str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        pidns = ""
    parts = (socket.gethostname(), _read_text("/proc/sys/kernel/random/boot_id"), pidns)
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:8]


def kind_of(mode: int) -> str:
    """'directory', 'fifo (named pipe)', ... for a non-regular file's st_mode."""
    return next((name for test, name in _KINDS.items() if test(mode)), "special file")


def writable_target(path: str | os.PathLike) -> str:
    """The real file a write to `path` replaces (a symlink's final target); ValueError unless it is
    a regular file or does not exist yet, FileNotFoundError if its folder is missing."""
    path = os.fspath(path)
    if not path:
        raise ValueError("cannot save to an empty path; pass a file name such as model.npz")
    if path.endswith((os.sep, os.altsep or os.sep)):
        raise ValueError(
            f"cannot save to {path!r}: it ends with a path separator (a folder); add a file name"
        )
    real = os.path.realpath(path)
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as e:  # ELOOP: a symlink cycle; EACCES: a folder on the way is not searchable
        raise ValueError(f"cannot save to {path!r}: {e.strerror}") from e
    if mode is not None and not stat.S_ISREG(mode):
        where = path if real == os.path.abspath(path) else f"{path} -> {real}"
        raise ValueError(
            f"cannot save to {where!r}: it is a {kind_of(mode)}, not a regular file; only a regular "
            "file or a new path is replaced. Fix: pass a file path such as model.npz"
        )
    folder = os.path.dirname(real)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot save to {path!r}: folder {folder!r} does not exist; create it first")
    return real


def _pid_alive(pid: int) -> bool:
    """False only when no process has `pid` (signal 0 tests existence without sending anything)."""
    if os.name == "nt" or pid <= 0:  # Windows' os.kill terminates: never call it there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # EPERM: alive, someone else's; anything else: cannot tell
        return True
    return True


def _is_stale(name: str, entry: os.DirEntry, now: float, tag: str) -> bool:
    """Whether `entry` is a temp file of ours whose writer is dead (rules in the module docstring)."""
    ours = _OURS.match(name)
    if ours is None and _LEGACY.match(name) is None:
        return False
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode):
        return False
    if now - info.st_mtime >= STALE_AFTER_S:
        return True
    return ours is not None and ours["tag"] == tag and not _pid_alive(int(ours["pid"]))


def remove_stale_temps(folder: str) -> list[str]:
    """Remove the dead writers' temp files in `folder`; returns the names removed."""
    now, tag, removed = time.time(), _namespace_tag(), []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if entry.name.startswith(PREFIX) and _is_stale(entry.name, entry, now, tag):
            with contextlib.suppress(OSError):  # gone already, or not ours to remove: leave it
                os.remove(entry.path)
                removed.append(entry.name)
    return removed


def _create_temp(folder: str) -> tuple[int, str]:
    """(fd, path) of a new, exclusively created temp file named after this process."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        name = f"{PREFIX}{_namespace_tag()}-{os.getpid()}-{secrets.token_hex(4)}{SUFFIX}"
        tmp = os.path.join(folder, name)
        try:
            return os.open(tmp, flags, 0o666), tmp  # 0o666 & ~umask: what open(path, "wb") would give
        except FileExistsError:
            continue
        except PermissionError as e:
            raise PermissionError(e.errno, f"cannot save into folder {folder!r}: {e.strerror}") from e
    raise FileExistsError(errno.EEXIST, f"no free temp file name in {folder!r}")


def _keep_mode(target: str, tmp: str) -> None:
    """Give the new file the replaced file's permission bits and (when allowed) its owner."""
    try:
        old = os.stat(target)
    except FileNotFoundError:
        return
    os.chmod(tmp, stat.S_IMODE(old.st_mode))
    if hasattr(os, "chown"):
        with contextlib.suppress(PermissionError):
            os.chown(tmp, old.st_uid, old.st_gid)


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (best effort: not every platform can open a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> str:
    """Call write(file) on a temp file next to `path`'s real target, then replace the target with it.

    Returns the real path written. On any failure the target is untouched and the temp file removed.
    """
    target = writable_target(path)
    folder = os.path.dirname(target)
    remove_stale_temps(folder)
    fd, tmp = _create_temp(folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        _keep_mode(target, tmp)
        if writable_target(path) != target:  # the path was re-pointed while we wrote
            raise FileExistsError(errno.EEXIST, f"{os.fspath(path)!r} changed while it was being saved")
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
    _fsync_folder(folder)
    return target
