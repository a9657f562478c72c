"""The files `xnn train` writes: every path checked before training starts, the checkpoint written
before the plot, and both written atomically (a failed write never leaves half a file)."""

from __future__ import annotations

import os
import tempfile
from typing import Any

from xnn.atomic import atomic_write, writable_target
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


def plot_format(path: str) -> str:
    """The image format matplotlib will write for `path`'s extension; ValueError listing the supported."""
    require("matplotlib", "plot", "--plot")
    from matplotlib.backend_bases import FigureCanvasBase

    supported = FigureCanvasBase.get_supported_filetypes()
    ext = os.path.splitext(path)[1][1:].lower()
    if ext not in supported:
        names = ", ".join(f".{e}" for e in sorted(supported))
        got = f"extension .{ext} is not" if ext else "a name without an extension is not"
        raise ValueError(
            f"--plot {path}: {got} an image format matplotlib writes ({names}); e.g. --plot cost.png"
        )
    return ext


def check_outputs(save: str | None, plot: str | None) -> None:
    """Every output path usable, checked before any training time is spent."""
    targets = {}
    if save:
        targets["--save"] = check_writable(save, "--save")
    if plot:
        plot_format(plot)
        targets["--plot"] = check_writable(plot, "--plot")
    if len(targets) == 2 and len(set(targets.values())) == 1:
        raise ValueError(f"--plot and --save both name {targets['--save']!r}; give them different files")


def plot_costs(costs: list[float], path: str, title: str) -> None:
    """The cost per iteration as an image in the format of `path`'s extension (no display needed)."""
    fmt = plot_format(path)
    matplotlib: Any = require("matplotlib", "plot", "--plot")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    try:
        ax.plot(range(1, len(costs) + 1), costs)
        ax.set(xlabel="iteration", ylabel="cost", title=title)
        fig.tight_layout()
        atomic_write(path, lambda f: fig.savefig(f, format=fmt, dpi=100))
    finally:
        plt.close(fig)
