"""The files `xnn train` writes: every path checked before training starts, the checkpoint written
before the plot, and both written atomically (a failed write never leaves half a file)."""

from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np

from xnn.atomic import writable_target
from xnn.errors import require


def check_writable(path: str, option: str) -> str:
    """The real path `option` will write: a regular file or a new name in an existing, writable folder."""
    try:
        target = writable_target(path)
    except (ValueError, FileNotFoundError) as e:
        raise ValueError(f"{option} {path}: {e}") from e
    folder = os.path.dirname(target)
    try:  # a real probe: os.access says yes to root on a read-only filesystem
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as e:
        raise ValueError(f"{option} {path}: cannot write into folder {folder!r} ({e.strerror})") from e
    return target


def plot_format(path: str, option: str = "--plot") -> str:
    """The image format matplotlib will write for `path`'s extension; ValueError listing the supported."""
    require("matplotlib", "plot", option)
    from matplotlib.backend_bases import FigureCanvasBase

    supported = FigureCanvasBase.get_supported_filetypes()
    ext = os.path.splitext(path)[1][1:].lower()
    if ext not in supported:
        names = ", ".join(f".{e}" for e in sorted(supported))
        got = f"extension .{ext} is not" if ext else "a name without an extension is not"
        raise ValueError(
            f"{option} {path}: {got} an image format matplotlib writes ({names}); e.g. {option} cost.png"
        )
    return ext


def check_outputs(save: str | None, plot: str | None, plot_boundary: str | None = None) -> None:
    """Every output path usable and distinct, checked before any training time is spent."""
    targets = {}
    for option, path in (("--plot", plot), ("--plot-boundary", plot_boundary)):
        if path:
            plot_format(path, option)
            targets[option] = check_writable(path, option)
    if save:
        targets["--save"] = check_writable(save, "--save")
    seen: dict[str, str] = {}
    for option, target in targets.items():
        if target in seen:
            raise ValueError(f"{seen[target]} and {option} both name {target!r}; give them different files")
        seen[target] = option


def check_two_features(plot_boundary: str | None, X: Any) -> None:
    """--plot-boundary draws the plane of two features: refuse other data before training."""
    if plot_boundary and X.shape[0] != 2:
        raise ValueError(
            f"--plot-boundary needs a dataset with 2 features (planar, moons, circles); this one has "
            f"{X.shape[0]}"
        )


def write_plots(plot: str | None, plot_boundary: str | None, net: Any, data: tuple, title: str) -> None:
    """--plot: the training history; --plot-boundary: the decision boundary over every example."""
    from xnn.plot import plot_decision_boundary, plot_history

    if plot:
        plot_history(net.history_, plot, title=title)
        print(f"wrote {plot}")
    if plot_boundary:
        X, Y = np.hstack([data[0], data[2]]), np.hstack([data[1], data[3]])  # training and test examples
        plot_decision_boundary(net, X, Y, plot_boundary, title=title)
        print(f"wrote {plot_boundary}")
