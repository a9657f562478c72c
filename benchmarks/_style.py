"""What every plot shares: matplotlib on the Agg backend, one colour per backend, grids, saving."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

from benchmarks._names import BACKEND_ORDER  # noqa: E402

__all__ = ["color", "grid", "plt", "save"]


def color(name: str) -> Any:
    """The same colour for a backend in every panel and plot: its place in BACKEND_ORDER."""
    base = name.split("+", 1)[0]
    if base not in BACKEND_ORDER:
        return "0.45"  # a grey for names the order does not know
    index = BACKEND_ORDER.index(base)
    return plt.get_cmap("tab10")(index) if index < 10 else plt.get_cmap("Dark2")(index - 10)


def grid(count: int, width: float = 5.0, height: float = 3.6) -> tuple[Any, list[Any]]:
    """A figure with `count` panels, three to a row; the spare panels hidden."""
    cols = min(3, count)
    rows = -(-count // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[count:]:
        ax.set_visible(False)
    return fig, flat[:count]


def save(fig: Any, path: Path, title: str, rect: tuple = (0, 0, 1, 1)) -> Path:
    """Title, tight layout (within `rect`, room for a figure legend), PNG at 110 dpi; closed; the path."""
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=rect)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
