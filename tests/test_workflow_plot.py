"""Plots: labelled axes, legends naming training and validation, PNG files, clear errors for wrong data."""

from __future__ import annotations

import numpy as np
import pytest

from xnn import Network
from xnn.datasets import load_planar_dataset
from xnn.history import History

pytest.importorskip("matplotlib", reason="plots need the optional matplotlib (xnn[plot])")
from xnn import plot  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def _history(validation: bool = True, accuracy: bool = True) -> History:
    history = History()
    for epoch in range(1, 8):
        values = {"cost": 1 / epoch, "learning_rate": 0.1, "seconds": 0.01}
        if accuracy:
            values["accuracy"] = 1 - 0.5 / epoch
        if validation:
            values["val_cost"] = 1 / epoch + 0.02 * epoch
        if validation and accuracy:
            values["val_accuracy"] = 1 - 0.6 / epoch
        history.record(**values)
    history.best_epoch = 4
    return history


def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_history_plot_has_cost_and_accuracy_panels_with_both_curves(tmp_path):
    path = tmp_path / "history.png"
    fig = plot.plot_history(_history(), path, title="digits")
    cost_ax, acc_ax = fig.axes
    assert (cost_ax.get_xlabel(), cost_ax.get_ylabel()) == ("epoch", "cost")
    assert (acc_ax.get_xlabel(), acc_ax.get_ylabel()) == ("epoch", "accuracy")
    for ax in (cost_ax, acc_ax):
        assert _legend(ax) == ["training", "validation", "best epoch (4)"]
        training = ax.get_lines()[0]
        assert np.array_equal(training.get_xdata(), np.arange(1, 8))  # epochs count from 1
    assert np.allclose(cost_ax.get_lines()[0].get_ydata(), [1 / e for e in range(1, 8)])
    assert path.read_bytes()[:8] == PNG


def test_history_without_validation_or_accuracy_draws_one_panel_one_curve():
    history = _history(validation=False, accuracy=False)
    history.best_epoch = None
    fig = plot.plot_history(history)
    (ax,) = fig.axes
    assert _legend(ax) == ["training"] and ax.get_ylabel() == "cost"


def test_empty_history_is_refused():
    with pytest.raises(ValueError, match="history is empty; train with fit first"):
        plot.plot_history(History())


@pytest.fixture(scope="module")
def flower():
    X, Y = load_planar_dataset(m=200, seed=1)
    net = Network([2, 6, 1], hidden="tanh", seed=1, backend="numpy", dtype="float64")
    net.fit(X, Y, learning_rate=1.2, iterations=400, progress=False)
    return net, X, Y


def test_decision_boundary_colours_the_plane_by_the_predicted_class(flower, tmp_path):
    net, X, Y = flower
    path = tmp_path / "boundary.png"
    fig = plot.plot_decision_boundary(net, X, Y, path, resolution=60)
    (ax,) = fig.axes
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$x_1$", "$x_2$")
    assert _legend(ax) == ["class 0", "class 1"]
    (x_lo, x_hi), (y_lo, y_hi) = ax.get_xlim(), ax.get_ylim()
    assert x_lo <= X[0].min() and X[0].max() <= x_hi and y_lo <= X[1].min() and X[1].max() <= y_hi
    assert path.read_bytes()[:8] == PNG


def test_decision_regions_agree_with_predict(flower):
    net, X, _ = flower
    xx, yy = plot._grid(X, 25)
    region = net.predict(np.vstack([xx.ravel(), yy.ravel()]))[0]
    assert 0 < region.mean() < 1  # both classes present somewhere on the plane: a real boundary


@pytest.mark.parametrize(
    ("X", "Y", "match"),
    [
        (np.zeros((3, 10)), np.zeros((1, 10)), r"needs 2-D inputs X \(2, m\), got shape \(3, 10\)"),
        (np.zeros((2, 10)), np.zeros((1, 9)), "Y has 9 labels for 10 examples"),
    ],
)
def test_decision_boundary_needs_two_features_and_one_label_per_example(flower, X, Y, match):
    with pytest.raises(ValueError, match=match):
        plot.plot_decision_boundary(flower[0], X, Y)


def test_decision_boundary_refuses_a_network_of_other_input_size():
    net = Network([3, 1], backend="numpy")
    with pytest.raises(ValueError, match="takes 3 inputs; the decision boundary needs 2"):
        plot.plot_decision_boundary(net, np.zeros((2, 4)), np.zeros((1, 4)))


def test_a_plot_that_fails_to_render_leaves_no_file(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    def broken(self, f, **kwargs):
        f.write(b"\x89PNG half")
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(RuntimeError, match="renderer crashed"):
        plot.plot_history(_history(), tmp_path / "h.png")
    assert list(tmp_path.iterdir()) == []


def test_the_format_follows_the_extension(tmp_path):
    plot.plot_history(_history(), tmp_path / "h.svg")
    assert (tmp_path / "h.svg").read_bytes().startswith(b"<?xml")
