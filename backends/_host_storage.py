"""Creation and transfer shared by the backends whose storage is numpy arrays on the host (python, numba).

Their ops are loops of their own; their arrays are plain numpy.ndarrays, so the way in and out,
size-only allocation and the one-element read are the same for both.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backends._base import Array, Backend, DTypeLike
from backends._shapes import Shape


class HostStorage(Backend):
    """The way in and out of numpy storage; each backend still fills, copies and casts with its own loops."""

    def asarray(self, data: Any, dtype: DTypeLike = None) -> Array:
        return np.asarray(data, dtype=self.dtype if dtype is None else dtype)

    def to_numpy(self, x: Array) -> np.ndarray:
        """The array itself: storage is already numpy."""
        return np.asarray(x)

    def zeros(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        return self.full(shape, 0.0, dtype)

    def ones(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        return self.full(shape, 1.0, dtype)

    def empty(self, shape: Shape, dtype: DTypeLike = None) -> Array:
        return np.empty(shape, self.dtype if dtype is None else dtype)

    def item(self, x: Array) -> float:
        if x.size != 1:
            raise ValueError(f"item: expected an array with one element, got shape {tuple(x.shape)}")
        return float(x.reshape(()))
