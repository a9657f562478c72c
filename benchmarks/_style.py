"""What every plot shares: matplotlib on the Agg backend, one colour per backend, grids, saving."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

from benchmarks._names import BACKEND_ORDER, base_of  # noqa: E402

__all__ = ["color", "grid", "plt", "save"]


def color(name: str) -> Any:
    """The same colour for a backend in every panel and plot: its place in BACKEND_ORDER; a variant
    ("numba-composed") gets its base's colour, lightened; a name the order does not know, grey."""
    base = base_of(name)
    if base is None:
        return "0.45"
    index = BACKEND_ORDER.index(base)
    rgb = plt.get_cmap("tab10")(index) if index < 10 else plt.get_cmap("Dark2")(index - 10)
    return rgb if base == name else tuple(0.5 * c + 0.5 for c in rgb[:3])


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
