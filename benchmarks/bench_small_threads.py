"""Does a small net pay for a thread pool it cannot use? Digits per-iteration time, default threads vs one.

`xnn train --dataset digits --layers 32 16` as `fit` runs it (full batch, relu, lr 0.1, He init,
float32): each call is `fit` for ITERATIONS iterations, once with the libraries' default threads and
once inside threadpoolctl's limit of one thread (and numba's set_num_threads(1)), set around the
call from this thread, never inside a worker. The two alternate call by call (benchmarks/_pairs.py);
issue 14's target: default / one thread <= 1.2.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

import numpy as np
import pytest

import xnn
from benchmarks._common import label, load_backend, pick, selected_backends
from benchmarks._pairs import Pairs
from xnn.datasets import load_digits

DIMS = (64, 32, 16, 1)
DTYPE = "float32"
ITERATIONS = pick(50, 200)
PAIRS = pick(10, 30)
THREADED = ("numpy", "numba")  # the backends with a thread pool to size (BLAS, numba's parallel loops)


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """BLAS and OpenMP pools (threadpoolctl) and numba's parallel loops limited to one thread."""
    threadpoolctl = pytest.importorskip("threadpoolctl", reason="threadpoolctl not installed")
    numba = sys.modules.get("numba")
    before = numba.get_num_threads() if numba else None
    with threadpoolctl.threadpool_limits(limits=1):
        if numba:
            numba.set_num_threads(1)
        try:
            yield
        finally:
            if numba:
                numba.set_num_threads(before)


def _fit(name: str, limited: bool, X: np.ndarray, Y: np.ndarray) -> Callable[[], None]:
    """One `fit` of ITERATIONS iterations on (X, Y), from the same initial weights every call."""
    net = xnn.Network(
        list(DIMS), hidden="relu", output="sigmoid", init="he", seed=0, backend=name, dtype=DTYPE
    )
    X, Y = net.inputs(X, Y)
    start = net.parameters

    def call() -> None:
        net.parameters = start  # every call trains from the same point
        with one_thread() if limited else contextlib.nullcontext():
            net.fit(X, Y, learning_rate=0.1, iterations=ITERATIONS, progress=False)

    return call


@pytest.mark.parametrize("name", [n for n in selected_backends() if n in THREADED])
def test_digits_threads(benchmark, name):
    """fit per iteration with default threads over fit per iteration with one thread."""
    pytest.importorskip("sklearn", reason="scikit-learn not installed: no digits dataset")
    load_backend(name, DTYPE)  # skips with the reason when the backend cannot run here
    X, Y, _, _ = load_digits()
    pairs = Pairs({"default": _fit(name, False, X, Y), "one thread": _fit(name, True, X, Y)})
    m = X.shape[1]
    size = f"digits {list(DIMS)} m={m}"
    label(benchmark, suite="targets", op="digits threads", backend=name, dtype=DTYPE, size=size, n=m)
    benchmark.pedantic(pairs.one, rounds=PAIRS, iterations=1)
    summary = pairs.summary("default", "one thread")
    per_iteration = {k: v / ITERATIONS for k, v in summary["pair_medians"].items()}
    benchmark.extra_info.update(summary, per_iteration_s=per_iteration, iterations=ITERATIONS)
