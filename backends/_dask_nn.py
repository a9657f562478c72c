"""The network's fused ops on column chunks: one task per layer per chunk, each running the inner
backend's own fused op on its chunk, and tree sums over m of the per-chunk dW, db and cost.

Shapes: W (n, k) and b (n, 1) in one chunk; A_prev (k, m), Z/A/dZ (n, m) chunked along m only.
Per-chunk partial sums are weighted by m_c / m, so with one chunk every result is the inner
backend's, bit for bit, and with several it differs from it only by the order of the sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import dask.array as da
import numpy as np
from dask.array.utils import meta_from_array

from backends._dask_layout import one_chunk, rows_whole, under_errstate

SPLIT_EVERY = 8  # partial sums combined per task of the tree: depth log8(chunks)


@dataclass(frozen=True)
class Inner:
    """A picklable handle on the inner backend, resolved once per process (on workers too)."""

    name: str
    dtype: str

    def get(self) -> Any:
        """The inner Backend instance."""
        return _resolve(self.name, self.dtype)

    def __dask_tokenize__(self) -> tuple[str, str, str]:
        return ("xnn-inner", self.name, self.dtype)


@lru_cache(maxsize=16)
def _resolve(name: str, dtype: str) -> Any:
    import backends

    return backends.get_backend(name, dtype)


def _meta(x: da.Array, ndim: int) -> Any:
    return meta_from_array(x._meta, ndim)


def _block(x: Any) -> Any:
    """The one block of an argument indexed by a contracted index (blockwise passes a list of them)."""
    while isinstance(x, list):
        (x,) = x
    return x


def first(parts: Any) -> Any:
    """The only part of a one-chunk tree sum (drops the axis the parts were stacked on)."""
    return parts[0]


def unpack_dW(packed: Any, k: int) -> Any:
    return packed[:, :k]


def unpack_db(packed: Any, k: int) -> Any:
    return packed[:, k:]


# -- what one task does to one chunk (module-level functions: workers import them by name) -------
def linear_forward_chunk(W: Any, A: Any, b: Any, inner: Inner) -> Any:
    return inner.get().linear_forward(_block(W), _block(A), _block(b))


def activation_chunk(Z: Any, inner: Inner, activation: str, slope: float) -> Any:
    return inner.get().activation_forward(Z, activation, slope)


def activation_backward_chunk(dA: Any, Z: Any, inner: Inner, activation: str, slope: float) -> Any:
    return inner.get().activation_backward(dA, Z, activation, slope)


def backward_from_output_chunk(dA: Any, A: Any, inner: Inner, activation: str, slope: float) -> Any:
    """dZ = dA * g'(Z) read from A = g(Z): exact for the ReLUs (A > 0 iff Z > 0 when slope >= 0)."""
    return dA if activation == "linear" else inner.get().activation_backward(dA, A, activation, slope)


def dA_prev_chunk(W: Any, dZ: Any, inner: Inner) -> Any:
    be = inner.get()
    return be.matmul(be.transpose(_block(W)), _block(dZ))


def gradient_part_chunk(dZ: Any, A_prev: Any, W: Any, inner: Inner, m: int) -> Any:
    """[dW_c | db_c] * (m_c / m) as (1, n, k + 1): this chunk's share of the packed gradient."""
    dZ, A_prev, W = _block(dZ), _block(A_prev), _block(W)
    m_c = dZ.shape[1]
    if m_c == 0:
        return inner.get().zeros((1, W.shape[0], W.shape[1] + 1), dtype=W.dtype)
    _, dW, db = inner.get().linear_backward(dZ, A_prev, W, False)
    return (np.concatenate([dW, db], axis=1) * (m_c / m))[None]


def cost_part_chunk(AL: Any, Y: Any, inner: Inner, cost: str, m: int) -> Any:
    """This chunk's cost * (m_c / m) as a (1,) array."""
    AL, Y = _block(AL), _block(Y)
    m_c = AL.shape[-1]
    if m_c == 0:
        return inner.get().zeros((1,), dtype=AL.dtype)
    return (getattr(inner.get(), cost)(AL, Y) * (m_c / m)).reshape((1,))


# -- the graphs: dask arrays in, dask arrays out -------------------------------------------------
def linear_forward(inner: Inner, W: da.Array, A: da.Array, b: da.Array) -> da.Array:
    """Z (n, m) = W @ A + b, one task per column chunk of A."""
    A = rows_whole(A)
    return da.blockwise(
        under_errstate(linear_forward_chunk), "ij", one_chunk(W), "ik", A, "kj", one_chunk(b), "il",
        dtype=np.result_type(W.dtype, A.dtype, b.dtype), meta=_meta(A, 2), inner=inner,
    )  # fmt: skip


def activation_forward(inner: Inner, Z: da.Array, activation: str, slope: float) -> da.Array:
    """A = g(Z) chunk by chunk (softmax needs each column whole: rows in one chunk)."""
    Z = rows_whole(Z) if activation == "softmax" else Z
    return Z.map_blocks(
        under_errstate(activation_chunk),
        inner=inner,
        activation=activation,
        slope=slope,
        dtype=Z.dtype,
        meta=Z._meta,
    )


def activation_backward(
    inner: Inner, dA: da.Array, ZorA: da.Array, activation: str, slope: float, from_output: bool
) -> da.Array:
    """dZ chunk by chunk from dA and Z, or from dA and A = g(Z) when from_output (Z then never stored)."""
    if activation == "softmax":
        dA, ZorA = rows_whole(dA), rows_whole(ZorA)
    kernel = backward_from_output_chunk if from_output else activation_backward_chunk
    return da.map_blocks(
        under_errstate(kernel),
        dA,
        ZorA,
        inner=inner,
        activation=activation,
        slope=slope,
        dtype=dA.dtype,
        meta=dA._meta,
    )


def dA_prev(inner: Inner, W: da.Array, dZ: da.Array) -> da.Array:
    """dA_prev (k, m) = W.T @ dZ, one task per column chunk."""
    dZ = rows_whole(dZ)
    return da.blockwise(
        under_errstate(dA_prev_chunk), "kj", one_chunk(W), "ik", dZ, "ij",
        dtype=dZ.dtype, meta=_meta(dZ, 2), inner=inner,
    )  # fmt: skip


def gradients(inner: Inner, dZ: da.Array, A_prev: da.Array, W: da.Array) -> tuple[da.Array, da.Array]:
    """(dW (n, k), db (n, 1)) averaged over m: one task per chunk, then a tree sum of the packed parts."""
    dZ, A_prev = rows_whole(dZ), rows_whole(A_prev)
    n, k = W.shape
    parts = da.blockwise(
        under_errstate(gradient_part_chunk), "jiz", dZ, "ij", A_prev, "kj", one_chunk(W), "ik",
        new_axes={"z": k + 1}, adjust_chunks={"j": 1}, dtype=dZ.dtype, meta=_meta(dZ, 3),
        inner=inner, m=dZ.shape[1],
    )  # fmt: skip
    packed = _tree_sum(parts, (n, k + 1))
    dW = packed.map_blocks(unpack_dW, k, chunks=((n,), (k,)), dtype=packed.dtype, meta=packed._meta)
    db = packed.map_blocks(unpack_db, k, chunks=((n,), (1,)), dtype=packed.dtype, meta=packed._meta)
    return dW, db


def cost(inner: Inner, name: str, AL: da.Array, Y: da.Array) -> da.Array:
    """The inner backend's cost `name` (its mean over m) as a 0-d array: per-chunk parts, tree-summed."""
    AL, Y = rows_whole(AL), rows_whole(Y)
    parts = da.blockwise(
        under_errstate(cost_part_chunk), "j", AL, "ij", Y, "ij",
        adjust_chunks={"j": 1}, dtype=AL.dtype, meta=_meta(AL, 1),
        inner=inner, cost=name, m=AL.shape[1],
    )  # fmt: skip
    return _tree_sum(parts, ())


def _tree_sum(parts: da.Array, shape: tuple[int, ...]) -> da.Array:
    """Sum over axis 0 of per-chunk parts; one chunk needs no sum (and then fuses with its producer)."""
    if parts.numblocks[0] > 1:
        return parts.sum(axis=0, split_every=SPLIT_EVERY)
    chunks = tuple((n,) for n in shape)
    return parts.map_blocks(
        first, drop_axis=0, chunks=chunks, dtype=parts.dtype, meta=_meta(parts, len(shape))
    )
