"""Read an .npz archive without trusting it: every member's shape and dtype come from its .npy header
and are checked against the bytes the archive really holds before a single array is allocated.

np.load allocates whatever a member's header claims. Here a member is read only after its claimed
size matches its stored size, and that size is bounded by the archive's own size (x1 for stored
members, as np.savez writes them; x MAX_DEFLATE_RATIO for compressed ones), so a small file can
never ask for a large allocation. Pickled (object) members are refused.
"""

from __future__ import annotations

import math
import os
import zipfile
from typing import NamedTuple

import numpy as np

NPY_MAGIC = b"\x93NUMPY"
MAX_DEFLATE_RATIO = 1100  # deflate expands at most ~1032:1; headroom for the container's overhead
_FORMAT = np.lib.format


class Member(NamedTuple):
    """One array of the archive, described by its header (nothing read yet)."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    info: zipfile.ZipInfo


def is_npy(path: str) -> bool:
    """Whether the file at `path` starts like a bare .npy array (np.save), not an .npz archive."""
    with open(path, "rb") as f:
        return f.read(len(NPY_MAGIC)) == NPY_MAGIC


def _header(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple[int, ...], np.dtype, int]:
    """(shape, dtype, offset of the data) from a member's .npy header."""
    with zf.open(info) as f:
        version = _FORMAT.read_magic(f)
        readers = {(1, 0): _FORMAT.read_array_header_1_0, (2, 0): _FORMAT.read_array_header_2_0}
        if version not in readers:
            raise ValueError(f"member {info.filename!r} has unsupported .npy version {version}")
        shape, _, dtype = readers[version](f)
        return tuple(shape), dtype, f.tell()


def _check_size(info: zipfile.ZipInfo, claimed: int, archive_bytes: int) -> None:
    """The header's claimed bytes must be the member's stored bytes, and those must fit the archive."""
    if info.file_size != claimed:
        raise ValueError(
            f"member {info.filename!r} claims {claimed} bytes in its header but holds {info.file_size}"
        )
    if info.compress_size > archive_bytes:
        raise ValueError(f"member {info.filename!r} is larger than the whole file")
    stored = info.compress_type == zipfile.ZIP_STORED
    limit = info.compress_size if stored else MAX_DEFLATE_RATIO * max(info.compress_size, 1)
    if info.file_size > limit:
        raise ValueError(f"member {info.filename!r} claims {info.file_size} bytes from {info.compress_size}")


def members(zf: zipfile.ZipFile) -> dict[str, Member]:
    """{name: Member} for every `name.npy` in the archive, headers checked against the stored sizes."""
    archive_bytes = os.fstat(zf.fp.fileno()).st_size if zf.fp is not None else 0
    found: dict[str, Member] = {}
    for info in zf.infolist():
        name = info.filename[:-4] if info.filename.endswith(".npy") else None
        if name is None or name in found:
            raise ValueError(
                f"unexpected or repeated member {info.filename!r} (np.savez writes NAME.npy once)"
            )
        shape, dtype, offset = _header(zf, info)
        if dtype.hasobject or dtype.kind not in "biuf":
            raise ValueError(f"member {info.filename!r} has dtype {dtype}; expected numbers (no pickles)")
        _check_size(info, offset + math.prod(shape) * dtype.itemsize, archive_bytes)
        found[name] = Member(name, shape, dtype, info)
    return found


def read(zf: zipfile.ZipFile, member: Member) -> np.ndarray:
    """The member's array (its size already checked by `members`)."""
    with zf.open(member.info) as f:
        return _FORMAT.read_array(f, allow_pickle=False)
