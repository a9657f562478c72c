"""`xnn train` and `xnn info`: the command line (also `python -m xnn`)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import numpy as np

import backends
from backends._base import ACTIVATIONS
from xnn.cli_training import (
    add_optimizer_options,
    add_regularisation_options,
    add_validation_options,
    describe_training,
    fit_options,
    report_validation,
    resume,
    split_seed,
    use_scheduler,
)
from xnn.errors import MissingDependencyError, TrainingDivergedError
from xnn.validation import INITS, LOSSES

ACTS = "|".join(ACTIVATIONS)

# Per-dataset defaults for the options left out; the h5 row is the course's 4-layer cat classifier.
DEFAULTS: dict[str, dict[str, Any]] = {
    "planar": {"layers": [4], "hidden": "tanh", "learning_rate": 1.2, "iterations": 5000, "init": "xavier"},
    "moons": {"layers": [8], "hidden": "tanh", "learning_rate": 1.0, "iterations": 2000, "init": "xavier"},
    "circles": {"layers": [8], "hidden": "tanh", "learning_rate": 1.0, "iterations": 2000, "init": "xavier"},
    "breast_cancer": {
        "layers": [16, 8],
        "hidden": "relu",
        "learning_rate": 0.1,
        "iterations": 500,
        "init": "he",
    },
    "digits": {"layers": [32, 16], "hidden": "relu", "learning_rate": 0.1, "iterations": 1000, "init": "he"},
    "digits10": {
        "layers": [32, 16],
        "hidden": "relu",
        "learning_rate": 0.1,
        "iterations": 1000,
        "init": "he",
        "output": "softmax",
    },
    "h5": {"layers": [20, 7, 5], "hidden": "relu", "learning_rate": 0.0075, "iterations": 2500, "init": "he"},
}


def _defaults_table() -> str:
    """One line per dataset: the options it fills in."""
    lines = []
    for name, d in DEFAULTS.items():
        options = (
            f"--layers {' '.join(map(str, d['layers']))} --hidden {d['hidden']} "
            f"--learning-rate {d['learning_rate']:g} --iterations {d['iterations']} --init {d['init']}"
        )
        output = f" --output {d['output']}" if "output" in d else ""
        lines.append(f"  {'h5:PATH' if name == 'h5' else name:<14} {options}{output}")
    return "\n".join(lines)


# Printed verbatim (RawDescriptionHelpFormatter, no %(prog)s): a percent sign is written once.
EPILOG = f"""\
examples:
  xnn train --dataset planar                       # 2 -> 4 tanh -> 1 sigmoid, the course's flower
  xnn train --dataset planar --layers              # no hidden layer: logistic regression (~50% right)
  xnn train --dataset digits --layers 32 16 --hidden relu --learning-rate 0.1 --iterations 500
  xnn train --dataset breast_cancer --backend numba --dtype float64 --plot history.png --save bc.npz
  xnn train --dataset h5:train_catvnoncat.h5 --layers 20 7 5 --iterations 2500
  xnn train --dataset digits10 --optimizer adam --learning-rate 0.001 --batch-size 64 --iterations 100
  xnn train --dataset moons --layers 5 2 --hidden relu --batch-size 64 --decay scheduled --save m.npz
  xnn train --dataset moons --resume m.npz --iterations 500 --decay scheduled  # continues m.npz
  xnn train --dataset digits10 --optimizer adam --learning-rate 0.001 --batch-size 64 \\
            --validation-fraction 0.1 --early-stopping --plot history.png
  xnn train --dataset moons --plot-boundary moons.png     # 2-D data: the decision boundary
  xnn info                                         # backends usable here, devices, threads, versions

--layers lists the hidden layer sizes only: n_x comes from the data, and the output has 1 unit
(one per class with --output softmax). Options left out take the dataset's defaults:
{_defaults_table()}

datasets (offline; all but planar and h5 need scikit-learn: pip install "xnn[data]"):
  planar          the course's 2-D flower, 400 points, two classes on alternating petals
  moons, circles  scikit-learn's 2-D generators, 300 points (make_moons, make_circles), seed 0
  breast_cancer   benign (1) vs malignant (0), 30 features, standardised
  digits          8x8 digit images, even (1) vs odd (0), standardised
  digits10        the same images and split, classes 0-9: a softmax output with 10 units
  h5:TRAIN[,TEST] the course's HDF5 files (train_catvnoncat.h5); without TEST the test split comes
                  from TRAIN itself, else from the file named like it with train -> test
Checkpoints written with --save load back with xnn.Network.load(path).
"""


DESCRIPTION = """\
Train Andrew Ng's L-layer network (the course's notation) on any array backend:
numpy (default), python (explicit loops), numba (compiled loops) or cupy (GPU)."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2) instead of usage + error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> Parser:
    """The `xnn` parser with its `train` and `info` subcommands."""
    raw = argparse.RawDescriptionHelpFormatter
    parser = Parser(prog="xnn", description=DESCRIPTION, epilog=EPILOG, formatter_class=raw)
    sub = parser.add_subparsers(dest="command", required=True, metavar="{train,info}")
    train = sub.add_parser(
        "train",
        help="train a network and report accuracy and time",
        description="Train a network on a dataset; print final cost, train/test accuracy and time.",
        epilog=EPILOG,
        formatter_class=raw,
    )
    add_train_options(train)
    sub.add_parser("info", help="backends usable here (and why not), devices, threads, versions")
    return parser


def add_train_options(parser: argparse.ArgumentParser) -> None:
    """The options of `xnn train`, grouped (None defaults are filled from the dataset's DEFAULTS)."""
    names = " | ".join(n for n in DEFAULTS if n != "h5")
    data = parser.add_argument_group("data").add_argument
    data(
        "--dataset",
        default="planar",
        metavar="NAME",
        help=f"{names} | h5:TRAIN.h5[,TEST.h5] (default planar)",
    )
    data(
        "--seed",
        type=int,
        metavar="N",
        help="seeds the weights, split and shuffles (default 0; with --resume, the checkpoint's seed, "
        "so the train/test split is the one it was trained on)",
    )
    net = parser.add_argument_group("network (left out: the dataset's defaults, listed below)").add_argument
    net(
        "--layers", nargs="*", metavar="N", help="hidden layer sizes (e.g. 20 7 5); none: logistic regression"
    )
    net("--hidden", metavar="ACT", help="hidden activation, or one per layer (relu,tanh): " + ACTS)
    net("--output", metavar="ACT", help="output activation: sigmoid, linear (regression), softmax (classes)")
    net("--loss", choices=LOSSES, help="default: bce for sigmoid, cce for softmax, mse for linear")
    net("--init", choices=INITS, help="weight initialisation")
    net("--slope", type=float, default=0.01, metavar="A", help="leaky_relu slope for z < 0 (default 0.01)")
    fit = parser.add_argument_group("training").add_argument
    fit("--learning-rate", type=float, metavar="LR", help="step size (the first one under --decay)")
    fit("--iterations", type=int, metavar="N", help="passes over the training set (epochs with --batch-size)")
    fit("--batch-size", type=int, metavar="M", help="mini-batch size (default: the whole training set)")
    fit("--print-every", type=int, default=100, metavar="N", help="iterations between cost reports (100)")
    fit("--quiet", action="store_true", help="no progress output, only the results")
    fit(
        "--resume",
        metavar="NPZ",
        help="continue training a network saved with --save (network options ignored)",
    )
    add_regularisation_options(parser)
    add_optimizer_options(parser)
    add_validation_options(parser)
    where = parser.add_argument_group("backend").add_argument
    where("--backend", metavar="NAME", help=f"{' | '.join(backends.backend_names())} (default: XNN_BACKEND)")
    where("--dtype", choices=backends.DTYPES, help="float dtype (default: XNN_DTYPE, else float32)")
    where(
        "--scheduler",
        metavar="ADDRESS",
        help="with --backend dask: a distributed scheduler, e.g. tcp://127.0.0.1:8786 "
        "(default: DASK_SCHEDULER_ADDRESS, else threads in this process)",
    )
    out = parser.add_argument_group("output files (checked before training starts)").add_argument
    out("--save", metavar="NPZ", help="save the trained network here (load it with xnn.Network.load)")
    out("--plot", metavar="IMAGE", help="training history (cost and accuracy, training and validation) as "
        ".png, .svg, .pdf, ... (needs matplotlib: xnn[plot])")  # fmt: skip
    out("--plot-boundary", metavar="IMAGE",
        help="the decision boundary over every example (2-D data: planar, moons, circles)")  # fmt: skip


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """The dataset's defaults overridden by what was given on the command line."""
    key = "h5" if args.dataset.startswith("h5:") else args.dataset
    chosen = {"output": "sigmoid", **DEFAULTS.get(key, DEFAULTS["planar"])}
    for name in ("layers", "hidden", "output", "learning_rate", "iterations", "init"):
        if getattr(args, name) is not None:
            chosen[name] = getattr(args, name)
    sizes = [n.strip() for item in chosen["layers"] for n in str(item).split(",") if n.strip()]
    if not all(n.isdigit() and int(n) > 0 for n in sizes):
        raise ValueError(
            f"--layers takes positive integers (hidden sizes), e.g. --layers 20 7 5; got {sizes}"
        )
    chosen["layers"] = [int(n) for n in sizes]
    hidden = chosen["hidden"].split(",")
    chosen["hidden"] = hidden[0] if len(hidden) == 1 else hidden
    return chosen


def output_units(output: str, Y: np.ndarray) -> int:
    """n_L: one unit per class for softmax, else one per label row of Y (n_L, m)."""
    return int(np.unique(Y).size) if output == "softmax" else Y.shape[0]


def build_network(args: argparse.Namespace, settings: dict[str, Any], dims: list[int]) -> Any:
    """The Network the options describe."""
    import xnn

    return xnn.Network(
        dims,
        hidden=settings["hidden"],
        output=settings["output"],
        loss=args.loss,
        init=settings["init"],
        seed=0 if args.seed is None else args.seed,
        backend=args.backend,
        dtype=args.dtype,
        slope=args.slope,
        lambd=args.lambd,
        keep_prob=args.keep_prob[0] if len(args.keep_prob) == 1 else args.keep_prob,
        dropout_rng=args.dropout_rng,
    )


def _fit(args: argparse.Namespace, net: Any, lr: float, iterations: int, data: tuple) -> list[float]:
    """Train on the training split; report cost, time and accuracies."""
    X_train, Y_train, X_test, Y_test = data
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run ends in TrainingDivergedError
        costs = net.fit(X_train, Y_train, lr, iterations, **fit_options(args))
    seconds = time.perf_counter() - start
    print(f"final cost {costs[-1]:.6f} after {len(costs)} iterations in {seconds:.2f} s ", end="")
    print(f"({1000 * seconds / len(costs):.3f} ms/iteration)")
    report_validation(net.history_, args.n_iter_no_change)
    print(f"train accuracy {net.accuracy(X_train, Y_train):.4f}")
    print(f"test accuracy  {net.accuracy(X_test, Y_test):.4f}")
    return costs


def train(args: argparse.Namespace) -> int:
    """Check the output paths, load the data, build and fit the network, report, save, then plot."""
    from xnn.datasets import load_dataset
    from xnn.outputs import check_outputs, check_two_features, write_plots

    s = _settings(args)
    use_scheduler(args)
    check_outputs(args.save, args.plot, args.plot_boundary)  # before any training time is spent
    resumed = resume(args) if args.resume else None
    data = load_dataset(args.dataset, seed=split_seed(args.seed, resumed))
    check_two_features(args.plot_boundary, data[0])
    dims = [data[0].shape[0], *s["layers"], output_units(s["output"], data[1])]
    net = resumed or build_network(args, s, dims)
    dims = net.layer_dims
    lr = s["learning_rate"]
    print(
        f"data {args.dataset}: {data[0].shape[1]} train / {data[2].shape[1]} test examples, n_x = {dims[0]}"
    )
    print(f"network {dims} {'/'.join(net.activations)}, loss {net.loss}, init {net.init}, ", end="")
    print(f"backend {net.be.name} {net.dtype}, learning rate {lr:g}, {describe_training(args, net)}")
    _fit(args, net, lr, s["iterations"], data)
    if args.save:  # the checkpoint first: a failing plot must never cost it
        net.save(args.save)
        print(f"saved {args.save}")
    try:
        write_plots(args.plot, args.plot_boundary, net, data, f"{args.dataset} {dims}, learning rate {lr:g}")
    except (OSError, ValueError, RuntimeError) as e:
        kept = f"; the network was saved to {args.save}" if args.save else ""
        print(f"xnn: error: could not write the plot: {e}{kept}", file=sys.stderr)
        return 1
    return 0


def info(args: argparse.Namespace) -> int:
    """Print what `xnn info` collects."""
    from xnn.info import collect, format_info

    print(format_info(collect()))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `xnn` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return {"train": train, "info": info}[args.command](args)
    except TrainingDivergedError as e:
        print(f"xnn: error: {e}", file=sys.stderr)
        return 1
    except (ValueError, OSError, MissingDependencyError, backends.BackendUnavailableError) as e:
        print(f"xnn: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("xnn: interrupted", file=sys.stderr)
        return 130
