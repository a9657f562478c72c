"""The training loop: full-batch or mini-batch gradient descent, progress, cost history, divergence check.

The cost of every iteration is computed on the device and kept there; it crosses to the host (one
sync) only every `print_every` iterations, where it is shown and checked for NaN/inf, and once at
the end for the history. So recording every iteration costs a few small ops, not a GPU sync.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from xnn.errors import TrainingDivergedError
from xnn.validation import check_count, check_optional_count, check_positive_number


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
    """Train `net` on X (n_x, m), Y (n_L, m); returns the cost of every iteration (before its update).

    One iteration is one pass over the data: one step when batch_size is None (or >= m), else one
    epoch of mini-batches (shuffled each epoch), whose cost is the size-weighted mean of its batches'.
    progress=True draws a tqdm bar on a terminal and prints "iteration i/n: cost c" lines every
    print_every iterations otherwise (logs, CI); progress=False prints nothing.
    """
    lr = check_positive_number("learning_rate", learning_rate)
    iterations = check_count("iterations", iterations)
    batch_size = check_optional_count("batch_size", batch_size)
    every = check_optional_count("print_every", print_every) or iterations
    Xb, Yb = net.inputs(X, Y)
    m = Xb.shape[1]
    if batch_size is None or batch_size >= m:
        run = _full_batch(net, Xb, Yb, lr)
    else:
        seed = net.seed if shuffle_seed is None else shuffle_seed
        run = _mini_batches(net, Xb, Yb, lr, batch_size, np.random.default_rng(seed))
    costs = _loop(net, run, iterations, every, lr, progress)
    return [net.be.item(c) for c in costs]


def _full_batch(net: Any, X: Any, Y: Any, lr: float) -> Any:
    """An iteration: one step on all of X; returns its cost as a backend scalar."""

    def one() -> Any:
        return net._step(X, Y, lr, True)

    return one


def _mini_batches(net: Any, X: Any, Y: Any, lr: float, batch_size: int, rng: np.random.Generator) -> Any:
    """An iteration: one shuffled epoch of mini-batches, sliced on the host and moved with asarray."""
    be = net.be
    X_host, Y_host = be.to_numpy(X), be.to_numpy(Y)
    m = X_host.shape[1]
    weights = {size: be.full((), size / m) for size in {batch_size, m % batch_size or batch_size}}

    def one() -> Any:
        order = rng.permutation(m)
        total = None
        for start in range(0, m, batch_size):
            cols = order[start : start + batch_size]
            cost = net._step(be.asarray(X_host[:, cols]), be.asarray(Y_host[:, cols]), lr, True)
            weighted = be.multiply(cost, weights[cols.size])
            total = weighted if total is None else be.add(total, weighted)
        return total

    return one


def _loop(net: Any, run: Any, iterations: int, every: int, lr: float, progress: bool) -> list[Any]:
    """Run `iterations` iterations, syncing the cost to the host every `every` of them and at the end."""
    bar = _progress_bar(iterations) if progress else None
    costs = []
    for i in range(iterations):
        costs.append(run())
        if bar is not None:
            bar.update(1)
        if (i + 1) % every == 0 or i + 1 == iterations:
            cost = net.be.item(costs[-1])
            _check_finite(cost, i + 1, lr)
            _report(bar, progress, i + 1, iterations, cost)
    if bar is not None:
        bar.close()
    return costs


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


def _check_finite(cost: float, iteration: int, lr: float) -> None:
    """Stop with TrainingDivergedError when the cost is NaN or infinite."""
    if not math.isfinite(cost):
        raise TrainingDivergedError(
            f"training diverged: the cost is {cost} at iteration {iteration} (learning_rate={lr:g}); "
            f"try a smaller learning rate, e.g. {lr / 10:g}, or standardise the inputs"
        )
