"""Data-parallel backend: dask arrays chunked along the example axis m, parameters in one chunk.

Every op of the contract is a lazy dask op. The network's fused ops run once per column chunk on an
inner backend (numpy; XNN_DASK_INNER=numba or cupy), their sums over m are tree sums, and
`materialize` is a step's one `dask.compute`, which brings the parameters back to this process.
Graphs run on Dask's threaded scheduler here, or on a `distributed` cluster given by
DASK_SCHEDULER_ADDRESS or `DaskBackend(scheduler=...)`. Chunk size: XNN_DASK_CHUNK columns, or
one chunk per thread of this machine (at least 4096 columns); a dask array passed in keeps its
chunks (the way to size chunks for a cluster, e.g. `read_npy(path, chunk=...)`).
"""

from __future__ import annotations

import os
from typing import Any

import dask.array as da

from backends import _dask_layout as layout
from backends import _dask_nn as nn
from backends._base import Array, Backend, DTypeLike, backward_from_output, check_activation
from backends._dask_data import read_hdf5, read_npy
from backends._dask_ops import DaskArrayOps
from backends._dask_scheduler import Scheduler
from backends._dask_updates import DaskUpdates

__all__ = ["DaskBackend", "read_hdf5", "read_npy"]
INNER_ENV = "XNN_DASK_INNER"
MAX_PENDING = 4096  # activations remembered for their backward pass (cleared at every materialize)


class DaskBackend(DaskUpdates, DaskArrayOps, Backend):
    """Dask arrays in column chunks; the network's ops fused per chunk on an inner backend."""

    name = "dask"

    def __init__(
        self,
        dtype: DTypeLike = None,
        inner: str | None = None,
        chunk: int | None = None,
        scheduler: Any = None,
    ) -> None:
        super().__init__(dtype)
        source = "the argument inner" if inner else INNER_ENV
        name = (inner or os.environ.get(INNER_ENV, "")).strip().lower() or "numpy"
        if name in ("dask", "auto"):
            raise ValueError(
                f"inner backend {name!r} (from {source}): it must be numpy, numba, cupy or python"
            )
        self.inner = nn.Inner(name, self.dtype.name)
        self.inner.get()  # fail now, with the registry's clear error, if the inner backend is unusable
        self.on_device = name == "cupy"
        self.chunk = chunk if chunk is not None else layout.chunk_from_env()
        self.scheduler = scheduler if isinstance(scheduler, Scheduler) else Scheduler(scheduler)
        self._outputs: dict[str, tuple[str, float, da.Array]] = {}  # Z.name -> (activation, slope, A)
        self._columns_by_m: dict[int, tuple[int, ...]] = {}  # chunks of the last dask array of m columns

    def __repr__(self) -> str:
        return f"DaskBackend(dtype={self.dtype.name}, inner={self.inner.name}, chunk={self.chunk})"

    def memory_info(self) -> dict[str, Any]:
        return {"device": "cpu", "scheduler": self.scheduler.describe(), "inner": self.inner.name}

    # -- fused neural-network ops: one task per chunk on the inner backend ----------------------
    def linear_forward(self, W: Array, A: Array, b: Array) -> Array:
        W, A = self._float(W), self._float(A)
        b = self._floats(W, b)[1]  # a Python scalar bias takes W's dtype, as in NumPy
        if not _all_2d(W, A, b) or W.shape[1] != A.shape[0]:
            return super().linear_forward(W, A, b)
        return nn.linear_forward(self.inner, W, A, b)

    def activation_forward(self, Z: Array, activation: str, slope: float = 0.01) -> Array:
        check_activation(activation)
        Z = self._float(Z)
        if activation == "linear":
            return Z
        if activation == "softmax" and Z.ndim != 2:
            return self.softmax(Z)
        A = nn.activation_forward(self.inner, Z, activation, slope)
        if backward_from_output(activation, slope):
            self._remember(Z, activation, slope, A)
        return A

    def activation_backward(self, dA: Array, Z: Array, activation: str, slope: float = 0.01) -> Array:
        check_activation(activation)
        dA, Z = self._float(dA), self._float(Z)
        if activation == "linear":
            return dA
        if tuple(dA.shape) != tuple(Z.shape) or (activation == "softmax" and Z.ndim != 2):
            return super().activation_backward(dA, Z, activation, slope)
        known = self._outputs.get(Z.name)
        if known is not None and known[:2] == (activation, slope):
            return nn.activation_backward(self.inner, dA, known[2], activation, slope, from_output=True)
        return nn.activation_backward(self.inner, dA, Z, activation, slope, from_output=False)

    def _remember(self, Z: da.Array, activation: str, slope: float, A: da.Array) -> None:
        """Z -> A, so the backward pass reads A (Z's only consumer is then A: dask fuses them)."""
        if len(self._outputs) >= MAX_PENDING:
            self._outputs.pop(next(iter(self._outputs)))
        self._outputs[Z.name] = (activation, slope, A)

    def linear_backward(
        self, dZ: Array, A_prev: Array, W: Array, need_dA_prev: bool = True, lambd: float = 0.0
    ) -> tuple[Array | None, Array, Array]:
        dZ, A_prev, W = self._float(dZ), self._float(A_prev), self._float(W)
        if not _all_2d(dZ, A_prev, W) or dZ.shape[1] != A_prev.shape[1] or W.shape[1] != A_prev.shape[0]:
            return super().linear_backward(dZ, A_prev, W, need_dA_prev, lambd)
        dW, db = nn.gradients(self.inner, dZ, A_prev, W)
        if lambd:
            dW = dW + (lambd * (1.0 / dZ.shape[1])) * W
        return (nn.dA_prev(self.inner, W, dZ) if need_dA_prev else None), dW, db

    # -- activations one by one: a task per chunk running the inner backend's op ----------------
    def sigmoid(self, Z: Array) -> Array:
        return nn.activation_forward(self.inner, self._float(Z), "sigmoid", 0.0)

    def relu(self, Z: Array) -> Array:
        return nn.activation_forward(self.inner, self._float(Z), "relu", 0.0)

    def softmax(self, Z: Array) -> Array:
        Z = self._float(Z)
        return nn.activation_forward(self.inner, Z, "softmax", 0.0) if Z.ndim == 2 else super().softmax(Z)

    def sigmoid_backward(self, dA: Array, Z: Array) -> Array:
        return self._named_backward(dA, Z, "sigmoid", 0.0)

    def tanh_backward(self, dA: Array, Z: Array) -> Array:
        return self._named_backward(dA, Z, "tanh", 0.0)

    def relu_backward(self, dA: Array, Z: Array) -> Array:
        return self._named_backward(dA, Z, "relu", 0.0)

    def leaky_relu_backward(self, dA: Array, Z: Array, slope: float = 0.01) -> Array:
        return self._named_backward(dA, Z, "leaky_relu", slope)

    def _named_backward(self, dA: Array, Z: Array, activation: str, slope: float) -> Array:
        dA, Z = self._float(dA), self._float(Z)
        if tuple(dA.shape) != tuple(Z.shape):  # broadcasting: the composed default
            if activation == "leaky_relu":
                return super().leaky_relu_backward(dA, Z, slope)
            return getattr(super(), f"{activation}_backward")(dA, Z)
        return nn.activation_backward(self.inner, dA, Z, activation, slope, from_output=False)

    # -- costs: the inner backend's cost per chunk, weighted by its share of m, tree-summed -------
    def binary_cross_entropy(self, AL: Array, Y: Array) -> Array:
        return self._cost("binary_cross_entropy", AL, Y)

    def categorical_cross_entropy(self, AL: Array, Y: Array) -> Array:
        return self._cost("categorical_cross_entropy", AL, Y)

    def mean_squared_error(self, AL: Array, Y: Array) -> Array:
        return self._cost("mean_squared_error", AL, Y)

    def _cost(self, name: str, AL: Array, Y: Array) -> Array:
        AL, Y = self._float(AL), self._float(Y)
        if not _all_2d(AL, Y) or tuple(AL.shape) != tuple(Y.shape) or AL.shape[1] == 0:
            return getattr(super(), name)(AL, Y)  # (an empty batch costs NaN, the mean of nothing)
        return nn.cost(self.inner, name, AL, Y)

    # -- the step's one sync --------------------------------------------------------------------
    def materialize(self, *arrays: Array) -> tuple[Array, ...]:
        """One compute of everything pending behind `arrays`: one-chunk results (parameters, costs)
        come back to this process as data; chunked ones are persisted where they were computed."""
        self._outputs.clear()
        lazy = [i for i, x in enumerate(arrays) if isinstance(x, da.Array)]
        if not lazy:
            return arrays
        pending = [arrays[i] for i in lazy]
        if all(layout.npartitions(x) == 1 for x in pending):
            done = [layout.literal(v) for v in self.scheduler.compute(*pending)]
        else:
            done = list(self.scheduler.persist(*pending))
        out = list(arrays)
        for i, x in zip(lazy, done, strict=True):
            out[i] = x
        return tuple(out)


def _all_2d(*arrays: Any) -> bool:
    return all(isinstance(x, da.Array) and x.ndim == 2 for x in arrays)
