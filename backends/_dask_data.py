"""Training data read where it is computed: a .npy file or an HDF5 dataset as a dask array X (n, m)
whose column chunks are read by their own tasks. Nothing is loaded or scattered by the client, and a
worker that dies takes nothing with it: the scheduler has its chunks read again.

Files may hold examples as columns (n, m), the course's layout, or as rows (m, n) (most datasets;
a chunk of examples is then one contiguous read) with examples_in_rows=True. 1-D files are (1, m).
"""

from __future__ import annotations

import os
from typing import Any

import dask.array as da
import numpy as np

from backends._dask_layout import split

CHUNK_BYTES = 64 * 2**20  # default chunk: about this many bytes of X per task


class _Source:
    """A file's array seen as (n, m), opened by each read: picklable, holds no handle or mapping."""

    def __init__(self, path: str, dataset: str | None, examples_in_rows: bool) -> None:
        self.path, self.dataset, self.rows = os.path.abspath(path), dataset, examples_in_rows
        stored_shape, self.dtype = self._probe()
        if len(stored_shape) == 1:
            stored_shape, self.rows = (stored_shape[0], 1), True
        if len(stored_shape) != 2:
            raise ValueError(f"{path!r}: expected a 1-D or 2-D array, got shape {stored_shape}")
        self.shape = stored_shape[::-1] if self.rows else stored_shape
        self.ndim = 2

    def _probe(self) -> tuple[tuple[int, ...], np.dtype]:
        with self._open() as stored:
            return tuple(stored.shape), np.dtype(stored.dtype)

    def _open(self) -> Any:
        if self.dataset is None:
            return _Mapped(self.path)
        import h5py

        return _Hdf5(h5py.File(self.path, "r"), self.dataset)

    def __getitem__(self, key: tuple[slice, slice]) -> np.ndarray:
        rows, cols = key
        with self._open() as stored:
            if not self.rows:
                return np.array(stored[rows, cols])
            block = np.array(stored[cols, rows] if len(stored.shape) == 2 else stored[cols][:, None])
            return block.T

    def __dask_tokenize__(self) -> tuple[Any, ...]:
        stat = os.stat(self.path)
        return ("xnn-file", self.path, self.dataset, self.rows, stat.st_mtime_ns, stat.st_size)


class _Mapped:
    """np.load(mmap_mode='r') as a context: the mapping is dropped on exit (no resident pages kept)."""

    def __init__(self, path: str) -> None:
        self.array = np.load(path, mmap_mode="r")

    def __enter__(self) -> np.memmap:
        return self.array

    def __exit__(self, *exc: Any) -> None:
        mm = getattr(self.array, "_mmap", None)
        del self.array
        if mm is not None:
            mm.close()


class _Hdf5:
    def __init__(self, file: Any, dataset: str) -> None:
        self.file = file
        if dataset not in file:
            names, path = sorted(file), file.filename
            file.close()
            raise ValueError(f"{path!r} has no dataset {dataset!r}; it has {names}")
        self.data = file[dataset]

    def __enter__(self) -> Any:
        return self.data

    def __exit__(self, *exc: Any) -> None:
        self.file.close()


def _from_source(source: _Source, chunk: int | None) -> da.Array:
    n, m = source.shape
    size = chunk or max(1, CHUNK_BYTES // max(1, n * source.dtype.itemsize))
    return da.from_array(
        source,
        chunks=((n,), split(m, size)),
        asarray=True,
        lock=False,
        inline_array=True,
        meta=np.empty((0, 0), source.dtype),
    )


def read_npy(path: str, chunk: int | None = None, examples_in_rows: bool = False) -> da.Array:
    """X (n, m) from a .npy file, `chunk` columns per task (default ~64 MiB), read by the tasks."""
    return _from_source(_Source(path, None, examples_in_rows), chunk)


def read_hdf5(path: str, dataset: str, chunk: int | None = None, examples_in_rows: bool = False) -> da.Array:
    """X (n, m) from an HDF5 dataset (needs h5py), `chunk` columns per task, read by the tasks."""
    return _from_source(_Source(path, dataset, examples_in_rows), chunk)
