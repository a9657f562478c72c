"""The GEMM floor of a training step: the step's own matrix products, alone, in plain NumPy.

Forward W[l] @ A[l-1] for every layer; backward dW[l] for every layer, as the numpy backend computes
it in float32 (the dtype the floor is measured in): (A[l-1] @ dZ[l].T).T, the same product turned
over, transposes read as views; and W[l].T @ dZ[l] (dA[l-1]) for every layer but the first, whose dA
nobody reads. Same shapes and dtype as the step; no bias, activation, cost or update.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def gemm_shapes(layer_dims: Sequence[int], m: int) -> list[tuple[str, tuple[int, int], tuple[int, int]]]:
    """(what, a's shape, b's shape) of every product one step computes, in the step's order."""
    layers = range(1, len(layer_dims))
    forward = [
        (f"W{i} @ A{i - 1}", (layer_dims[i], layer_dims[i - 1]), (layer_dims[i - 1], m)) for i in layers
    ]
    backward = []
    for i in reversed(layers):
        backward.append((f"A{i - 1} @ dZ{i}.T", (layer_dims[i - 1], m), (m, layer_dims[i])))
        if i > 1:
            backward.append((f"W{i}.T @ dZ{i}", (layer_dims[i - 1], layer_dims[i]), (layer_dims[i], m)))
    return forward + backward


def gemm_flops(layer_dims: Sequence[int], m: int) -> float:
    """Floating-point operations of those products (2·n·k·m each)."""
    return float(sum(2 * a[0] * a[1] * b[1] for _, a, b in gemm_shapes(layer_dims, m)))


def step_operands(layer_dims: Sequence[int], X: np.ndarray, seed: int = 2) -> list[tuple[Any, Any]]:
    """(a, b) of every product in gemm_shapes' order, seeded, in X's dtype; X (n_x, m) is A0."""
    rng = np.random.default_rng(seed)
    dims, m, dtype = list(layer_dims), X.shape[1], X.dtype

    def host(shape: tuple[int, int]) -> np.ndarray:
        return rng.standard_normal(shape, dtype=np.float32).astype(dtype, copy=False)

    W = [host((n, n_prev)) for n_prev, n in zip(dims[:-1], dims[1:], strict=True)]
    A = [X] + [host((n, m)) for n in dims[1:-1]]  # A[i] feeds layer i + 1
    dZ = [host((n, m)) for n in dims[1:]]
    operands = [(W[i], A[i]) for i in range(len(W))]
    for i in reversed(range(len(W))):
        operands.append((A[i], dZ[i].T))  # dW turned over, dZ.T a view: the numpy backend in float32
        if i > 0:
            operands.append((W[i].T, dZ[i]))
    return operands


def step_gemms(layer_dims: Sequence[int], X: np.ndarray, seed: int = 2) -> Callable[[], Any]:
    """A zero-argument call doing the step's products with plain NumPy matmul; X (n_x, m) is A0.

    Each product writes into an output allocated once, as the numpy step's matmuls write into the
    memory it recycles between steps: the floor is the products' arithmetic, not page faults.
    """
    operands = step_operands(layer_dims, X, seed)
    outputs = [np.empty((a.shape[0], b.shape[1]), np.result_type(a, b)) for a, b in operands]

    def products() -> None:
        for (a, b), out in zip(operands, outputs, strict=True):
            np.matmul(a, b, out=out)

    return products
