"""Run in a fresh process: time an op's first call (JIT compile or cache load) and a steady call.

Usage: python -m benchmarks._compile_probe BACKEND DTYPE OP  ->  one JSON line on stdout:
{"import_s": ..., "first_call_s": ..., "steady_s": ...}. NUMBA_CACHE_DIR decides cold or warm.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

N = 64  # small inputs: the first call's time is the compile, not the work


def _inputs(be: Any) -> dict[str, Callable[[], Any]]:
    """op name -> zero-argument call on small inputs."""
    rng = np.random.default_rng(0)
    a, b = (be.asarray(rng.standard_normal((N, N))) for _ in range(2))
    col = be.asarray(rng.standard_normal((N, 1)))
    return {
        "matmul": lambda: be.matmul(a, b),
        "sigmoid": lambda: be.sigmoid(a),
        "relu": lambda: be.relu(a),
        "sigmoid_backward": lambda: be.sigmoid_backward(a, b),
        "relu_backward": lambda: be.relu_backward(a, b),
        "bias_broadcast": lambda: be.add(a, col),
        "sum_rows": lambda: be.sum(a, axis=1, keepdims=True),
        "sum_total": lambda: be.sum(a),
        "linear_forward": lambda: be.linear_forward(a, b, col),
        "linear_backward": lambda: be.linear_backward(a, b, a),
        "sgd_update_": lambda: be.sgd_update_(a, b, 0.01),
    }


OPS = (
    "matmul",
    "sigmoid",
    "relu",
    "sigmoid_backward",
    "relu_backward",
    "bias_broadcast",
    "sum_rows",
    "sum_total",
    "linear_forward",
    "linear_backward",
    "sgd_update_",
)


def _timed(be: Any, fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    be.synchronize()
    return time.perf_counter() - start


def probe(backend: str, dtype: str, op: str) -> dict[str, float]:
    """Seconds to import and build the backend, the op's first call, and a later call."""
    start = time.perf_counter()
    import backends

    be = backends.get_backend(backend, dtype)
    import_s = time.perf_counter() - start
    call = _inputs(be)[op]
    first = _timed(be, call)
    steady = min(_timed(be, call) for _ in range(3))
    return {"import_s": import_s, "first_call_s": first, "steady_s": steady}


if __name__ == "__main__":
    print(json.dumps(probe(*sys.argv[1:4])))
