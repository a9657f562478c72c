"""Zero-argument training steps for timing: a backend's (data resident or uploaded) and PyTorch's."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest

import xnn
from benchmarks import _reference as ref
from benchmarks._common import load_backend
from benchmarks._threads import bench_threads

LEARNING_RATE = 0.01


def host_data(n_x: int, m: int, dtype: str, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Seeded host X (n_x, m) standard normal and Y (1, m) of 0/1."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m), dtype=np.float32 if dtype == "float32" else np.float64)
    return X, (rng.random((1, m)) > 0.5).astype(dtype)


def backend_step(name: str, dims: Sequence[int], m: int, dtype: str, upload: bool) -> Callable[[], Any]:
    """One synced step of Network(dims) on a backend; upload=True moves the batch in every step."""
    be = load_backend(name, dtype)
    net = xnn.Network(list(dims), hidden="relu", output="sigmoid", init="he", seed=0, backend=be)
    X_host, Y_host = host_data(dims[0], m, dtype)
    X, Y = net.inputs(X_host, Y_host)

    def step() -> None:
        if upload:
            net.train_step(be.asarray(X_host), be.asarray(Y_host), LEARNING_RATE, compute_cost=False)
        else:
            net.train_step(X, Y, LEARNING_RATE, compute_cost=False)
        be.synchronize()

    return step


def peer_step(peer: str, dims: Sequence[int], m: int, dtype: str) -> Callable[[], Any]:
    """PyTorch's step of the same net from the same parameters (skips without torch or CUDA)."""
    torch = pytest.importorskip("torch", reason="torch not installed: peer rows skipped")
    device = peer.removeprefix("torch-")
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("torch-cuda: no CUDA device usable by torch")
    params = ref.he_params(dims, dtype)
    return ref.torch_step(params, *host_data(dims[0], m, dtype), LEARNING_RATE, device, bench_threads())


def predicted(previous: tuple[int, float] | None, m: int, median: float, m_next: int) -> float:
    """The step time at m_next, extrapolated log-log from the last two sizes (from m alone: time ~ m).

    The local slope is clipped to [0, 1]: never faster than flat, never worse than linear in m,
    which holds for a step: fixed costs plus work proportional to m.
    """
    slope = 1.0
    if previous is not None and previous[1] > 0 and previous[0] != m:
        slope = math.log(median / previous[1]) / math.log(m / previous[0])
    return median * (m_next / m) ** min(1.0, max(0.0, slope))
