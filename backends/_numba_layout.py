"""Index bookkeeping for the numba kernels, in plain Python: shapes and element strides, no data.

Every elementwise kernel walks C-contiguous flat buffers through (shape, strides) in elements, with
stride 0 on broadcast dimensions. Dimensions of size 1 are dropped and neighbours that step through
memory as one are merged, so one compiled kernel serves every rank and most calls see 1 or 2 dims.
Results are cached: a training loop asks for the same few layouts over and over.
"""

from __future__ import annotations

import functools

import numpy as np

from backends._shapes import Shape, c_strides

Layout = tuple[np.ndarray, ...]  # (shape, strides of operand 0, strides of operand 1, ...) as int64


def _as_arrays(dims: list[tuple[int, ...]], count: int) -> Layout:
    """[(size, stride_0, ..., stride_k), ...] -> (shape, strides_0, ..., strides_k) int64 arrays."""
    if not dims:
        dims = [(1,) + (0,) * count]
    columns = list(zip(*dims, strict=True))
    return tuple(np.array(col, dtype=np.int64) for col in columns)


def _merge(dims: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Fuse neighbouring dims that every operand steps through as one longer dim."""
    merged: list[tuple[int, ...]] = []
    for dim in dims:
        if merged and all(p == s * dim[0] for p, s in zip(merged[-1][1:], dim[1:], strict=True)):
            prev = merged[-1]
            merged[-1] = (prev[0] * dim[0], *dim[1:])
        else:
            merged.append(dim)
    return merged


@functools.lru_cache(maxsize=1024)
def broadcast_layout(out_shape: Shape, *shapes: Shape) -> Layout:
    """Collapsed (shape, strides per operand) reading C-contiguous `shapes` broadcast to `out_shape`."""
    ndim = len(out_shape)
    per_operand = []
    for shape in shapes:
        strides = c_strides(shape)
        pad = ndim - len(shape)
        per_operand.append([0 if k < pad or shape[k - pad] == 1 else strides[k - pad] for k in range(ndim)])
    dims = [(n, *(s[k] for s in per_operand)) for k, n in enumerate(out_shape) if n != 1]
    return _as_arrays(_merge(dims), len(shapes))


@functools.lru_cache(maxsize=1024)
def strided_layout(out_shape: Shape, strides: tuple[int, ...]) -> Layout:
    """Collapsed (shape, strides) reading a buffer with element `strides` in `out_shape` order."""
    dims: list[tuple[int, ...]] = [(n, s) for n, s in zip(out_shape, strides, strict=True) if n != 1]
    return _as_arrays(_merge(dims), 1)


def dense_source(x: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]] | None:
    """(flat C buffer, element strides of x) when x is a permutation of a C-contiguous array."""
    if x.ndim == 0 or any(s <= 0 for s, n in zip(x.strides, x.shape, strict=True) if n > 1):
        return None
    order = sorted(range(x.ndim), key=lambda k: -x.strides[k])
    base = x.transpose(order)
    if not base.flags.c_contiguous:
        return None
    return base.reshape(-1), tuple(s // x.itemsize for s in x.strides)


@functools.lru_cache(maxsize=1024)
def reduce_layout(shape: Shape, axes: tuple[int, ...]) -> tuple[bool, Layout, Layout, int]:
    """How to reduce a C-contiguous `shape` over `axes`: (last dim reduced?, kept, reduced, width).

    kept/reduced are (shape, strides) of the outer dims that pick an output row and the dims folded
    into it; width is the contiguous last dim: folded inside each row (last dim reduced) or carried
    as the row itself (last dim kept).
    """
    strides = c_strides(shape)
    dims = [(n, s, k in axes) for k, (n, s) in enumerate(zip(shape, strides, strict=True)) if n != 1]
    merged: list[tuple[int, int, bool]] = []
    for n, s, red in dims:
        if merged and merged[-1][2] == red:
            merged[-1] = (merged[-1][0] * n, s, red)
        else:
            merged.append((n, s, red))
    if not merged:
        merged = [(1, 1, True)]
    width, _, last_reduced = merged.pop()
    kept: list[tuple[int, ...]] = [(n, s) for n, s, red in merged if not red]
    reduced: list[tuple[int, ...]] = [(n, s) for n, s, red in merged if red]
    return last_reduced, _as_arrays(kept, 1), _as_arrays(reduced, 1), width
