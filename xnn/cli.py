"""`xnn train` and `xnn info`: the command line (also `python -m xnn`)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import numpy as np

import backends
from xnn.errors import MissingDependencyError, TrainingDivergedError
from xnn.validation import INITS, LOSSES

# Per-dataset defaults for the options left out; the h5 row is the course's 4-layer cat classifier.
DEFAULTS: dict[str, dict[str, Any]] = {
    "planar": {"layers": [4], "hidden": "tanh", "learning_rate": 1.2, "iterations": 5000, "init": "xavier"},
    "breast_cancer": {
        "layers": [16, 8],
        "hidden": "relu",
        "learning_rate": 0.1,
        "iterations": 500,
        "init": "he",
    },
    "digits": {"layers": [32, 16], "hidden": "relu", "learning_rate": 0.1, "iterations": 1000, "init": "he"},
    "h5": {"layers": [20, 7, 5], "hidden": "relu", "learning_rate": 0.0075, "iterations": 2500, "init": "he"},
}

EPILOG = """\
examples:
  xnn train --dataset planar                       # 2 -> 4 tanh -> 1 sigmoid, the course's flower
  xnn train --dataset planar --layers              # no hidden layer: logistic regression (~50%%)
  xnn train --dataset digits --layers 32 16 --hidden relu --learning-rate 0.1 --iterations 500
  xnn train --dataset breast_cancer --backend numba --dtype float64 --plot cost.png --save bc.npz
  xnn train --dataset h5:train_catvnoncat.h5 --layers 20 7 5 --iterations 2500
  xnn info                                         # backends usable here, devices, threads, versions

--layers lists the hidden layer sizes only: n_x comes from the data and the output has 1 unit.
Options left out take the dataset's defaults:
  planar         --layers 4 --hidden tanh --learning-rate 1.2 --iterations 5000 --init xavier
  breast_cancer  --layers 16 8 --hidden relu --learning-rate 0.1 --iterations 500 --init he
  digits         --layers 32 16 --hidden relu --learning-rate 0.1 --iterations 1000 --init he
  h5:PATH        --layers 20 7 5 --hidden relu --learning-rate 0.0075 --iterations 2500 --init he
digits is even (1) vs odd (0); breast_cancer is benign (1) vs malignant (0); both standardised.
h5:TRAIN[,TEST] reads the course's HDF5 files (the test file defaults to TRAIN with train->test).
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
    add_train_options(train.add_argument)
    sub.add_parser("info", help="backends usable here (and why not), devices, threads, versions")
    return parser


def add_train_options(add: Any) -> None:
    """The options of `xnn train` (None defaults are filled from the dataset's DEFAULTS)."""
    add("--dataset", default="planar", help="planar | breast_cancer | digits | h5:TRAIN.h5[,TEST.h5]")
    add(
        "--layers", nargs="*", metavar="N", help="hidden layer sizes (e.g. 20 7 5); none: logistic regression"
    )
    add(
        "--hidden",
        help="hidden activation, or one per layer: relu,tanh (sigmoid|tanh|relu|leaky_relu|linear)",
    )
    add("--output", default="sigmoid", help="output activation (default sigmoid)")
    add("--loss", choices=LOSSES, help="bce (default for a sigmoid output) or mse")
    add("--learning-rate", type=float, help="gradient descent step size")
    add("--iterations", type=int, help="passes over the training set (epochs with --batch-size)")
    add("--batch-size", type=int, help="mini-batch size (default: the whole training set)")
    add("--init", choices=INITS, help="weight initialisation")
    add("--slope", type=float, default=0.01, help="leaky_relu slope for z < 0 (default 0.01)")
    add("--backend", help=f"one of {', '.join(backends.backend_names())} (default: XNN_BACKEND or numpy)")
    add("--dtype", choices=backends.DTYPES, help="float dtype (default: XNN_DTYPE or float32)")
    add("--seed", type=int, default=0, help="seed of the initial weights, split and shuffles (default 0)")
    add("--print-every", type=int, default=100, help="iterations between cost reports (default 100)")
    add("--plot", metavar="PNG", help="write the cost curve to this PNG (needs matplotlib: xnn[plot])")
    add("--save", metavar="NPZ", help="save the trained network to this .npz file")
    add("--quiet", action="store_true", help="no progress output, only the results")


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """The dataset's defaults overridden by what was given on the command line."""
    key = "h5" if args.dataset.startswith("h5:") else args.dataset
    chosen = dict(DEFAULTS.get(key, DEFAULTS["planar"]))
    for name in ("layers", "hidden", "learning_rate", "iterations", "init"):
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


def build_network(args: argparse.Namespace, settings: dict[str, Any], dims: list[int]) -> Any:
    """The Network the options describe."""
    import xnn

    return xnn.Network(
        dims,
        hidden=settings["hidden"],
        output=args.output,
        loss=args.loss,
        init=settings["init"],
        seed=args.seed,
        backend=args.backend,
        dtype=args.dtype,
        slope=args.slope,
    )


def train(args: argparse.Namespace) -> None:
    """Load the data, build and fit the network, report, plot and save."""
    from xnn.datasets import load_dataset

    s = _settings(args)
    X_train, Y_train, X_test, Y_test = load_dataset(args.dataset, seed=args.seed)
    dims = [X_train.shape[0], *s["layers"], Y_train.shape[0]]
    net = build_network(args, s, dims)
    lr = s["learning_rate"]
    print(f"data {args.dataset}: {X_train.shape[1]} train / {X_test.shape[1]} test examples, n_x = {dims[0]}")
    print(f"network {dims} {'/'.join(net.activations)}, loss {net.loss}, init {net.init}, ", end="")
    print(f"backend {net.be.name} {net.dtype}, learning rate {lr:g}")
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run ends in TrainingDivergedError
        costs = net.fit(X_train, Y_train, lr, s["iterations"], batch_size=args.batch_size,
                        print_every=args.print_every, progress=not args.quiet)  # fmt: skip
    seconds = time.perf_counter() - start
    print(f"final cost {costs[-1]:.6f} after {len(costs)} iterations in {seconds:.2f} s ", end="")
    print(f"({1000 * seconds / len(costs):.3f} ms/iteration)")
    print(f"train accuracy {net.accuracy(X_train, Y_train):.4f}")
    print(f"test accuracy  {net.accuracy(X_test, Y_test):.4f}")
    if args.plot:
        plot_costs(costs, args.plot, f"{args.dataset} {dims}, learning rate {lr:g}")
        print(f"wrote {args.plot}")
    if args.save:
        net.save(args.save)
        print(f"saved {args.save}")


def plot_costs(costs: list[float], path: str, title: str) -> None:
    """The cost per iteration as a PNG (matplotlib's Agg backend: no display needed)."""
    from xnn.errors import require

    matplotlib = require("matplotlib", "plot", "--plot")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(range(1, len(costs) + 1), costs)
    ax.set(xlabel="iteration", ylabel="cost", title=title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def info(args: argparse.Namespace) -> None:
    """Print what `xnn info` collects."""
    from xnn.info import collect, format_info

    print(format_info(collect()))


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `xnn` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        {"train": train, "info": info}[args.command](args)
    except TrainingDivergedError as e:
        print(f"xnn: error: {e}", file=sys.stderr)
        return 1
    except (ValueError, OSError, MissingDependencyError, backends.BackendUnavailableError) as e:
        print(f"xnn: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("xnn: interrupted", file=sys.stderr)
        return 130
    return 0
