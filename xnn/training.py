"""The training loop: full-batch or mini-batch steps with any optimizer and learning-rate schedule,
progress, cost history, divergence guard; validation, early stopping and callbacks (xnn.monitor).

The cost of every iteration is computed on the device and kept there; it crosses to the host (one
sync) only every few iterations, where the guard checks it and the bar shows it, and once at the
end for the history. So recording every iteration costs a few small ops, not a sync each. The
validation metrics are computed on the device too, and read only when printed, at the end, or by a
callback that asks for one (early stopping reads its metric every epoch: one value, one sync).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from xnn import monitor as monitoring
from xnn.divergence import DivergenceGuard
from xnn.errors import TrainingDivergedError
from xnn.optimizers import Optimizer
from xnn.optimizers import resolve as resolve_optimizer
from xnn.schedules import Schedule, make_schedule
from xnn.threads import sized_threads
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
    optimizer: str | Optimizer = "gd",
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    decay: str | Callable | None = None,
    decay_rate: float = 1.0,
    time_interval: int = 1000,
    power_t: float = 0.5,
    n_iter_no_change: int = 10,
    tol: float = 1e-4,
    validation_fraction: float | None = None,
    validation_data: tuple[Any, Any] | None = None,
    early_stopping: bool = False,
    restore_best: bool = True,
    callbacks: Any = None,
) -> list[float]:
    """Train on X (n_x, m), Y (n_L, m) (or class labels for softmax); returns every iteration's cost.

    One iteration is one pass over the data (an epoch): one step when batch_size is None (or >= m),
    else one epoch of mini-batches (reshuffled every epoch by net.shuffle_rng, or by a fresh
    generator seeded with shuffle_seed), whose cost is the size-weighted mean of its batches'.
    optimizer: "gd" | "momentum" (beta) | "rmsprop" (beta, epsilon) | "adam" (beta1, beta2, epsilon),
    or an xnn.optimizers.Optimizer; a second fit with the same optimizer continues its state.
    decay: None | "inverse" | "scheduled" (decay_rate, time_interval) | "invscaling" (power_t) |
    "adaptive" (n_iter_no_change, tol) | decay(learning_rate0, epoch, decay_rate); epochs count over
    net.history, which records each epoch's cost and learning rate. progress=True draws a tqdm bar on
    a terminal and prints "iteration i/n: cost c" lines every print_every iterations otherwise.
    validation_fraction holds out that fraction of the columns (seeded by shuffle_seed, else the
    network's seed; stratified for class labels), or validation_data=(X_val, Y_val) is given: its
    cost and accuracy are recorded every epoch, and no step ever sees it. early_stopping stops after
    n_iter_no_change epochs without an improvement of more than tol (of the validation cost, else
    the training cost) and, with restore_best, puts back the best epoch's parameters (validation
    only). callbacks: objects with on_epoch_end(epoch, logs) -> True to stop (xnn.callbacks).
    net.history_ is this fit's History (cost, val_cost, accuracy, val_accuracy, learning_rate,
    seconds, and scikit-learn's loss_curve_, validation_scores_, best_validation_score_, n_iter_).
    Raises TrainingDivergedError, with the parameters of the last passed check (every <= 20 iterations)
    restored and the optimizer's state reset, when the cost becomes NaN or infinite or grows past 4x
    its first value (and by more than 1); CallbackError when a callback raises (training stops at
    that epoch).
    """
    lr0 = check_positive_number("learning_rate", learning_rate)
    iterations = check_count("iterations", iterations)
    batch_size = check_optional_count("batch_size", batch_size)
    every = check_optional_count("print_every", print_every) or iterations
    Xb, Yb = net.inputs(X, Y)
    monitor = monitoring.start(
        net, Xb, Yb, net.seed if shuffle_seed is None else shuffle_seed, validation_fraction,
        validation_data, callbacks, early_stopping, n_iter_no_change, tol, restore_best,
    )  # fmt: skip
    Xb, Yb = monitor.train  # the validation columns, if any, are left out here, before any step
    net.optimizer = resolve_optimizer(
        net.optimizer, optimizer, beta=beta, beta1=beta1, beta2=beta2, epsilon=epsilon
    )
    m = Xb.shape[1]
    schedule = make_schedule(
        decay, lr0, m, decay_rate, time_interval, power_t, n_iter_no_change, tol, net.schedule_state
    )
    if batch_size is None or batch_size >= m:
        run, step_m = _full_batch(net, Xb, Yb), m
    else:
        rng = net.shuffle_rng if shuffle_seed is None else np.random.default_rng(shuffle_seed)
        run, step_m = _mini_batches(net, Xb, Yb, batch_size, rng), batch_size
    try:
        with sized_threads(net.layer_dims, step_m, net.be.name):
            costs, rates = _loop(net, run, schedule, iterations, every, lr0, progress, monitor)
    except TrainingDivergedError:
        net.optimizer.reset()  # its moments may hold the diverged steps' gradients
        raise
    finally:
        net.be.free_workspace()  # the steps' recycled temporaries go back to the allocator
    costs = monitor.history.cost  # every epoch's metrics to the host in one sync
    net.history["cost"] += costs
    net.history["learning_rate"] += rates
    net.schedule_state = schedule.state()
    return costs


def _full_batch(net: Any, X: Any, Y: Any) -> Any:
    """An iteration: one step on all of X; returns its cost as a backend scalar."""

    def one(lr: float) -> Any:
        return net.train_step(X, Y, lr)

    return one


def _mini_batches(net: Any, X: Any, Y: Any, batch_size: int, rng: np.random.Generator) -> Any:
    """An iteration: one epoch of mini-batches in a fresh host-drawn order, gathered on the backend."""
    be = net.be
    m = X.shape[1]
    weights = {size: be.full((), size / m) for size in {batch_size, m % batch_size or batch_size}}

    def one(lr: float) -> Any:
        order = rng.permutation(m)
        total = None
        for start in range(0, m, batch_size):
            cols = order[start : start + batch_size]
            cost = net.train_step(be.take(X, cols, 1), be.take(Y, cols, 1), lr)
            weighted = be.multiply(cost, weights[cols.size])
            total = weighted if total is None else be.add(total, weighted)
        return total

    return one


def _loop(
    net: Any,
    run: Any,
    schedule: Schedule,
    iterations: int,
    every: int,
    lr0: float,
    progress: bool,
    monitor: monitoring.Monitor,
) -> tuple[list[Any], list[float]]:
    """Run up to `iterations` epochs at the schedule's rates, until a callback stops them; check the
    costs every few, report every `every`; net.history_ holds the epochs run, even after an error."""
    bar = _progress_bar(iterations) if progress else None
    guard = DivergenceGuard(net, lr0)
    check = min(every, CHECK_EVERY)
    first = len(net.history["learning_rate"])  # epochs already trained: a resumed fit continues the schedule
    costs: list[Any] = []
    rates: list[float] = []
    monitor.begin()
    try:
        for i in range(iterations):
            rates.append(schedule.learning_rate(first + i))
            costs.append(run(rates[-1]))
            if schedule.needs_cost:
                schedule.epoch_end(net.be.item(costs[-1]))
            stop = monitor.epoch_end(costs[-1], rates[-1])
            if bar is not None:
                bar.update(1)
            last = stop or i + 1 == iterations
            if (i + 1) % check == 0 or last:
                guard.check(costs, _worst(net.be, costs[guard.checked :]))
            if (i + 1) % every == 0 or last:
                _report(bar, progress, i + 1, iterations, net.be.item(costs[-1]), monitor.report())
            if stop:
                break
        monitor.end()
    finally:
        net.history_ = monitor.history
        if bar is not None:
            bar.close()
    return costs, rates


def _worst(be: Any, window: list[Any]) -> float:
    """The largest cost of the window (inf if any is NaN or inf), after one materialize of them all:
    host reads of finished scalars, no op compiled or launched for the check."""
    values = [be.item(c) for c in be.materialize(*window)]
    return max(values) if all(math.isfinite(v) for v in values) else math.inf


def _progress_bar(iterations: int) -> Any:
    """A tqdm bar on an interactive stderr, else None (plain lines are printed instead)."""
    if not sys.stderr.isatty():
        return None
    from tqdm.auto import tqdm

    return tqdm(total=iterations, desc="training", unit="it", leave=False, dynamic_ncols=True)


def _report(
    bar: Any, progress: bool, i: int, iterations: int, cost: float, validation: dict[str, float]
) -> None:
    """Show the cost (and validation metrics): in the bar's postfix, or as a line when there is no bar."""
    shown = {"cost": cost, **validation}
    if bar is not None:
        bar.set_postfix({k: f"{v:.6f}" for k, v in shown.items()})
    elif progress:
        line = ", ".join(f"{k} {v:.6f}" for k, v in shown.items())
        print(f"iteration {i}/{iterations}: {line}", file=sys.stderr, flush=True)
