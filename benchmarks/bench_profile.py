"""Where does a training step's time go? matmul, elementwise, reductions, update, sync, overhead.

One step as `fit` runs it (forward, cost, backward, SGD update) on each backend, through a timing
proxy (benchmarks/_timed_backend.py) that times and syncs every backend call. A plain step (no proxy)
alternates with the profiled one; "overhead" is the plain step's median minus the median of the
calls' time: what the step spends in xnn's Python between backend calls.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import pytest

import xnn
from benchmarks._common import label, load_backend, measure, pick, selected_backends
from benchmarks._timed_backend import CATEGORIES, TimedBackend, by_category

DTYPE = "float32"
LEARNING_RATE = 0.01
NETS = pick(  # (layer_dims, m, runs on python)
    [((64, 32, 16, 1), 256, True), ((784, 256, 128, 1), 2048, False)],
    [((64, 32, 16, 1), 256, True), ((784, 256, 128, 1), 2048, False), ((784, 256, 128, 1), 60000, False)],
)
CASES = [
    pytest.param(name, net[:2], id=f"{name}-{list(net[0])}-m{net[1]}".replace(" ", ""))
    for net in NETS
    for name in selected_backends()
    if name != "python" or net[2]
]


def _network(be, dims: tuple, m: int) -> tuple:
    """A seeded network on `be` (a backend or the proxy) and its data as backend arrays."""
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((dims[0], m)), (rng.random((1, m)) > 0.5).astype(DTYPE)
    net = xnn.Network(list(dims), hidden="relu", output="sigmoid", init="he", seed=0, backend=be)
    return (net, *net.inputs(X.astype(DTYPE), Y))


def summarize(plain: list[float], profiled: list[dict[str, float]], walls: list[float]) -> dict:
    """Medians per category and per method, overhead = plain step - the calls' time (never < 0)."""
    per_category = [by_category(seconds) for seconds in profiled]
    categories = {c: statistics.median(p.get(c, 0.0) for p in per_category) for c in CATEGORIES[:-1]}
    step = statistics.median(plain)
    categories["overhead"] = max(0.0, step - sum(categories.values()))
    methods = {m for seconds in profiled for m in seconds}
    return {
        "plain_step_s": step,
        "profiled_step_s": statistics.median(walls),
        "categories": {c: s for c, s in categories.items() if s > 0},
        "methods": {m: statistics.median(s.get(m, 0.0) for s in profiled) for m in sorted(methods)},
    }


@pytest.mark.parametrize(("name", "net"), CASES)
def test_step_profile(benchmark, name, net):
    """A plain and a profiled step, alternated call by call; the row's time is the pair."""
    dims, m = net
    be = load_backend(name, DTYPE)
    proxy = TimedBackend(be)
    plain_net, X, Y = _network(be, dims, m)
    timed_net, Xt, Yt = _network(proxy, dims, m)
    proxy.calibrate()
    plain, profiled, walls = [], [], []

    def pair() -> None:
        start = time.perf_counter()
        plain_net.train_step(X, Y, LEARNING_RATE)
        be.synchronize()
        plain.append(time.perf_counter() - start)
        proxy.take_seconds()
        start = time.perf_counter()
        timed_net.train_step(Xt, Yt, LEARNING_RATE)
        walls.append(time.perf_counter() - start)
        profiled.append(proxy.take_seconds())

    size = f"{list(dims)} m={m}"
    label(
        benchmark,
        suite="profile",
        op="step",
        backend=name,
        dtype=DTYPE,
        size=size,
        n=m,
        layer_dims=list(dims),
    )
    measure(benchmark, pair)
    benchmark.extra_info.update(summarize(plain[2:], profiled[2:], walls[2:]), call_cost_s=proxy.call_cost)
