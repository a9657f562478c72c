"""The training options of `xnn train`: optimizer, learning-rate decay, L2, dropout, validation and early
stopping (grouped in --help), and resuming from a checkpoint."""

from __future__ import annotations

import argparse
import os
from typing import Any

from xnn.optimizers import OPTIMIZERS
from xnn.schedules import DECAYS
from xnn.validation import DROPOUT_RNGS


def add_regularisation_options(parser: argparse.ArgumentParser) -> None:
    """L2 and dropout."""
    reg = parser.add_argument_group("regularisation").add_argument
    reg("--lambd", type=float, default=0.0, metavar="L", help="L2: cost + L/(2m) sum ||W||^2 (default 0)")
    keep = "inverted dropout on the hidden layers: one keep probability, or one per layer (default 1)"
    reg("--keep-prob", type=float, nargs="+", default=[1.0], metavar="P", help=keep)
    rng = "host: seeded masks, identical on every backend (default); device: drawn by the backend"
    reg("--dropout-rng", choices=DROPOUT_RNGS, default="host", help=rng)


def add_optimizer_options(parser: argparse.ArgumentParser) -> None:
    """The optimizer and the learning-rate decay."""
    opt = parser.add_argument_group("optimizer").add_argument
    opt("--optimizer", choices=tuple(OPTIMIZERS), default="gd", help="update rule (default gd)")
    opt("--beta", type=float, default=0.9, metavar="B", help="momentum / rmsprop decay (default 0.9)")
    opt("--beta1", type=float, default=0.9, metavar="B", help="adam's first-moment decay (default 0.9)")
    opt("--beta2", type=float, default=0.999, metavar="B", help="adam's second-moment decay (default 0.999)")
    opt("--epsilon", type=float, default=1e-8, metavar="E", help="rmsprop / adam denominator guard (1e-8)")
    decay = parser.add_argument_group("learning-rate decay (epoch e counts from 0)").add_argument
    decay("--decay", choices=DECAYS, help="inverse: LR/(1+rate*e); scheduled: LR/(1+rate*floor(e/interval)); "
          "invscaling: LR/(e*m+1)^power_t; adaptive: /5 after --n-iter-no-change flat epochs")  # fmt: skip
    decay("--decay-rate", type=float, default=1.0, metavar="R", help="for inverse and scheduled (default 1)")
    decay("--time-interval", type=int, default=1000, metavar="N", help="epochs per step of scheduled (1000)")
    decay("--power-t", type=float, default=0.5, metavar="P", help="invscaling's exponent (default 0.5)")
    decay("--n-iter-no-change", type=int, default=10, metavar="N",
          help="patience of adaptive decay and of --early-stopping (default 10)")  # fmt: skip
    decay("--tol", type=float, default=1e-4, metavar="T",
          help="least improvement for adaptive decay and --early-stopping (default 1e-4)")  # fmt: skip


def add_validation_options(parser: argparse.ArgumentParser) -> None:
    """The held-out validation set and early stopping."""
    val = parser.add_argument_group("validation").add_argument
    val("--validation-fraction", type=float, metavar="F",
        help="hold out this fraction of the training set (seeded, stratified by class) and measure "
        "its cost and accuracy every iteration; no step ever sees it")  # fmt: skip
    val("--early-stopping", action="store_true",
        help="stop after --n-iter-no-change iterations without an improvement above --tol (of the "
        "validation cost with --validation-fraction, else the training cost); keep the best "
        "network")  # fmt: skip


def fit_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of Network.fit that the options set."""
    names = ("batch_size", "print_every", "optimizer", "beta", "beta1", "beta2", "epsilon", "decay",
             "decay_rate", "time_interval", "power_t", "n_iter_no_change", "tol", "validation_fraction",
             "early_stopping")  # fmt: skip
    return {name: getattr(args, name) for name in names} | {"progress": not args.quiet}


def describe_training(args: argparse.Namespace, net: Any) -> str:
    """ "optimizer adam, decay scheduled, lambd 0.1, keep_prob (0.8,)": what differs from plain GD."""
    parts = [f"optimizer {args.optimizer}"] + ([f"decay {args.decay}"] if args.decay else [])
    parts += [f"lambd {net.lambd:g}"] if net.lambd else []
    parts += [f"keep_prob {net.keep_prob}"] if min(net.keep_prob, default=1.0) < 1 else []
    return ", ".join(parts)


def report_validation(history: Any, patience: int) -> None:
    """Where early stopping stopped, and the kept iteration's validation metrics, when there are any."""
    if history.stopped_epoch is not None:
        print(
            f"early stopping at iteration {history.stopped_epoch} ({patience} without an improvement ", end=""
        )
        print(f"above tol); kept the best, iteration {history.best_epoch}")
    if history.val_cost:
        kept = (history.best_epoch or history.n_iter_) - 1
        shown = [f"{k} {history[k][kept]:.4f}" for k in ("val_cost", "val_accuracy") if history[k]]
        print(f"validation ({', '.join(shown)}) at iteration {kept + 1}")


def use_scheduler(args: argparse.Namespace) -> None:
    """--scheduler: the dask backend's cluster, passed as Dask's own DASK_SCHEDULER_ADDRESS."""
    if args.scheduler is None:
        return
    name = (args.backend or os.environ.get("XNN_BACKEND", "")).strip().lower()
    if name != "dask":
        raise ValueError(
            f"--scheduler {args.scheduler} needs the dask backend, got {name or 'numpy'!r}; "
            "add --backend dask (or set XNN_BACKEND=dask)"
        )
    os.environ["DASK_SCHEDULER_ADDRESS"] = args.scheduler


def resume(args: argparse.Namespace) -> Any:
    """The network saved at --resume, on --backend / --dtype: training continues where it stopped."""
    import xnn

    net = xnn.Network.load(args.resume, backend=args.backend, dtype=args.dtype)
    print(f"resuming {args.resume}: {len(net.history['cost'])} epochs done, optimizer {net.optimizer!r}")
    return net


def split_seed(seed: int | None, resumed: Any) -> int:
    """--seed, else a resumed checkpoint's own seed (the split it was trained on: a different one
    would hand some of its test examples to training), else 0."""
    if seed is not None:
        return seed
    return resumed.seed if resumed is not None and isinstance(resumed.seed, int) else 0
