"""The training loop: full-batch or mini-batch gradient descent, progress, cost history, divergence guard.

The cost of every iteration is computed on the device and kept there; it crosses to the host (one
sync) only every few iterations, where the guard checks it and the bar shows it, and once at the
end for the history. So recording every iteration costs a few small ops, not a sync each.
"""

from __future__ import annotations

import sys
from functools import reduce
from typing import Any

import numpy as np

from xnn.divergence import DivergenceGuard
from xnn.threads import sized_blas_threads
from xnn.validation import check_count, check_optional_count, check_positive_number

CHECK_EVERY = 20  # at most this many iterations between two divergence checks (one sync each)


def fit(
    net: Any,
    X: Any,
    Y: Any,
    learning_rate: float = 0.0075,
    iterations: int = 3000,
    batch_size: int | None = None,
    print_every: int | None = 100,
    progress: bool = True,
    shuffle_seed: int | None = None,
) -> list[float]:
    """Train on X (n_x, m), Y (n_L, m); returns the cost of every iteration (before its update).

    One iteration is one pass over the data: one step when batch_size is None (or >= m), else one
    epoch of mini-batches (reshuffled every epoch), whose cost is the size-weighted mean of its
    batches'. progress=True draws a tqdm bar on a terminal and prints "iteration i/n: cost c" lines
    every print_every iterations otherwise (logs, CI); progress=False prints nothing.
    Raises TrainingDivergedError, with the last finite parameters restored, when the cost becomes
    NaN or infinite or grows past 4x its first value (and by more than 1).
    """
    lr = check_positive_number("learning_rate", learning_rate)
    iterations = check_count("iterations", iterations)
    batch_size = check_optional_count("batch_size", batch_size)
    every = check_optional_count("print_every", print_every) or iterations
    Xb, Yb = net.inputs(X, Y)
    m = Xb.shape[1]
    if batch_size is None or batch_size >= m:
        run, step_m = _full_batch(net, Xb, Yb, lr), m
    else:
        seed = net.seed if shuffle_seed is None else shuffle_seed
        run, step_m = _mini_batches(net, Xb, Yb, lr, batch_size, np.random.default_rng(seed)), batch_size
    with sized_blas_threads(net.layer_dims, step_m):
        costs = _loop(net, run, iterations, every, lr, progress)
    return [net.be.item(c) for c in costs]


def _full_batch(net: Any, X: Any, Y: Any, lr: float) -> Any:
    """An iteration: one step on all of X; returns its cost as a backend scalar."""

    def one() -> Any:
        return net.train_step(X, Y, lr)

    return one


def _mini_batches(net: Any, X: Any, Y: Any, lr: float, batch_size: int, rng: np.random.Generator) -> Any:
    """An iteration: one epoch of mini-batches in a fresh host-drawn order, gathered on the backend."""
    be = net.be
    m = X.shape[1]
    weights = {size: be.full((), size / m) for size in {batch_size, m % batch_size or batch_size}}

    def one() -> Any:
        order = rng.permutation(m)
        total = None
        for start in range(0, m, batch_size):
            cols = order[start : start + batch_size]
            cost = net.train_step(be.take(X, cols, 1), be.take(Y, cols, 1), lr)
            weighted = be.multiply(cost, weights[cols.size])
            total = weighted if total is None else be.add(total, weighted)
        return total

    return one


def _loop(net: Any, run: Any, iterations: int, every: int, lr: float, progress: bool) -> list[Any]:
    """Run `iterations` iterations; check the costs every few, report them every `every`."""
    bar = _progress_bar(iterations) if progress else None
    guard = DivergenceGuard(net, lr)
    check = min(every, CHECK_EVERY)
    costs: list[Any] = []
    try:
        for i in range(iterations):
            costs.append(run())
            if bar is not None:
                bar.update(1)
            if (i + 1) % check == 0 or i + 1 == iterations:
                guard.check(costs, _worst(net.be, costs[guard.checked :]))
            if (i + 1) % every == 0 or i + 1 == iterations:
                _report(bar, progress, i + 1, iterations, net.be.item(costs[-1]))
    finally:
        if bar is not None:
            bar.close()
    return costs


def _worst(be: Any, window: list[Any]) -> float:
    """The largest cost of the window in one sync (NaN if any is NaN: maximum propagates it)."""
    return be.item(reduce(be.maximum, window))


def _progress_bar(iterations: int) -> Any:
    """A tqdm bar on an interactive stderr, else None (plain lines are printed instead)."""
    if not sys.stderr.isatty():
        return None
    from tqdm.auto import tqdm

    return tqdm(total=iterations, desc="training", unit="it", leave=False, dynamic_ncols=True)


def _report(bar: Any, progress: bool, i: int, iterations: int, cost: float) -> None:
    """Show the cost: in the bar's postfix, or as a line when there is no bar."""
    if bar is not None:
        bar.set_postfix(cost=f"{cost:.6f}")
    elif progress:
        print(f"iteration {i}/{iterations}: cost {cost:.6f}", file=sys.stderr, flush=True)
