"""Plots of training (matplotlib, the optional `plot` extra): the history curves and a 2-D decision boundary.

Figures are built with matplotlib's object API on the Agg canvas: no pyplot, no global backend
switch, no window; each function returns the Figure and writes a PNG when given a path.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from xnn.errors import require

TRAIN_STYLE = {"color": "tab:blue", "label": "training"}
VAL_STYLE = {"color": "tab:orange", "label": "validation"}


def _figure(ncols: int, width: float = 5.0, height: float = 4.0) -> tuple[Any, list[Any]]:
    """A Figure on an Agg canvas with `ncols` axes side by side."""
    require("matplotlib", "plot", "plotting")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]


def _save(fig: Any, path: str | os.PathLike | None) -> Any:
    """Write the figure atomically if a path is given (format from the suffix, png without one)."""
    if path is not None:
        from xnn.atomic import atomic_write

        fmt = os.path.splitext(os.fspath(path))[1][1:].lower() or "png"
        atomic_write(path, lambda f: fig.savefig(f, format=fmt, dpi=110))
    return fig


def _curve(ax: Any, history: Any, key: str, ylabel: str) -> None:
    """Training and validation curves of one metric against the 1-based epoch."""
    for name, style in ((key, TRAIN_STYLE), (f"val_{key}", VAL_STYLE)):
        values = history[name]
        if values:
            ax.plot(np.arange(1, len(values) + 1), values, **style)
    best = getattr(history, "best_epoch", None)
    if best is not None:
        ax.axvline(best, color="tab:gray", linestyle="--", linewidth=1, label=f"best epoch ({best})")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend()


def plot_history(history: Any, path: str | os.PathLike | None = None, title: str | None = None) -> Any:
    """Cost (and accuracy, when recorded) per epoch, training and validation; a Figure, saved to `path`."""
    if len(history) == 0:
        raise ValueError("plot_history: the history is empty; train with fit first")
    panels = [("cost", "cost")]
    if history["accuracy"] or history["val_accuracy"]:
        panels.append(("accuracy", "accuracy"))
    fig, axes = _figure(len(panels))
    for ax, (key, ylabel) in zip(axes, panels, strict=True):
        _curve(ax, history, key, ylabel)
        ax.set_title(f"{ylabel} per epoch")
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def _grid(X: np.ndarray, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """Two (resolution, resolution) coordinate grids covering X (2, m) with a 10 % margin."""
    lo, hi = X.min(axis=1), X.max(axis=1)
    pad = np.where(hi > lo, (hi - lo) * 0.1, 1.0)
    axes = [np.linspace(lo[i] - pad[i], hi[i] + pad[i], resolution) for i in range(2)]
    return np.meshgrid(*axes)


def _check_2d(net: Any, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """X (2, m) and one label per example; ValueError otherwise."""
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(Y).reshape(-1) if np.asarray(Y).shape[0] == 1 else np.argmax(Y, axis=0)
    if X.ndim != 2 or X.shape[0] != 2:
        raise ValueError(
            f"plot_decision_boundary needs 2-D inputs X (2, m), got shape {X.shape}; "
            "decision boundaries are drawn for two features only"
        )
    if labels.size != X.shape[1]:
        raise ValueError(f"Y has {labels.size} labels for {X.shape[1]} examples; expected Y (1, m)")
    if net.layer_dims[0] != 2:
        raise ValueError(f"the network takes {net.layer_dims[0]} inputs; the decision boundary needs 2")
    return X, labels


def plot_decision_boundary(
    net: Any,
    X: Any,
    Y: Any,
    path: str | os.PathLike | None = None,
    resolution: int = 300,
    title: str | None = None,
) -> Any:
    """The network's predicted class over the plane, with the examples X (2, m), Y (1, m) on top."""
    X, labels = _check_2d(net, X, Y)
    xx, yy = _grid(X, resolution)
    predicted = np.asarray(net.predict(np.vstack([xx.ravel(), yy.ravel()]))).reshape(-1)
    classes = np.unique(np.concatenate([labels, predicted]))
    region = np.searchsorted(classes, predicted).reshape(xx.shape)
    fig, (ax,) = _figure(1, width=5.5, height=5.0)
    colors = _colors(classes.size)
    ax.contourf(xx, yy, region, levels=np.arange(classes.size + 1) - 0.5, colors=colors, alpha=0.3)
    for color, cls in zip(colors, classes, strict=True):
        mine = labels == cls
        if mine.any():
            ax.scatter(
                *X[:, mine], s=14, color=color, edgecolors="k", linewidths=0.3, label=f"class {_name(cls)}"
            )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title or "decision boundary")
    ax.legend(loc="best")
    return _save(fig, path)


def _colors(n: int) -> list[Any]:
    """n distinct colours: blue/red for two classes (the course's), tab10's cycle beyond."""
    from matplotlib import colormaps

    if n <= 2:
        return ["tab:blue", "tab:red"][:n]
    cm = colormaps["tab10" if n <= 10 else "tab20"]
    return [cm(i % cm.N) for i in range(n)]


def _name(cls: Any) -> str:
    """A class label for the legend: 1 rather than 1.0."""
    return f"{cls:g}" if isinstance(cls, float | np.floating) else str(cls)
