"""`xnn train` with --validation-fraction, --early-stopping, --plot (history) and --plot-boundary."""

from __future__ import annotations

import re

import pytest

import xnn
from xnn.cli import main

pytest.importorskip("sklearn", reason="validation splits and moons/digits10 need scikit-learn (xnn[data])")
PNG = b"\x89PNG\r\n\x1a\n"


def run(capsys, *argv):
    code = main(["train", "--quiet", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_validation_fraction_reports_the_held_out_metrics(capsys):
    code, out, err = run(capsys, "--dataset", "planar", "--iterations", "50", "--validation-fraction", "0.2")
    assert code == 0, err
    assert "validation (val_cost " in out and "val_accuracy " in out and "at iteration 50" in out
    assert "early stopping" not in out


def test_early_stopping_stops_before_the_limit_and_keeps_the_best(capsys):
    code, out, err = run(
        capsys, "--dataset", "digits10", "--iterations", "3000", "--batch-size", "32",
        "--learning-rate", "0.5", "--validation-fraction", "0.1", "--early-stopping",
        "--n-iter-no-change", "3",
    )  # fmt: skip
    assert code == 0, err
    stopped = int(out.split("early stopping at iteration ")[1].split()[0])
    kept = int(out.split("kept the best, iteration ")[1].split()[0])
    assert kept < stopped < 3000 and "(3 without an improvement above tol)" in out
    assert f"after {stopped} iterations" in out and f"at iteration {kept}\n" in out


def test_history_and_boundary_plots_on_two_dimensional_data(capsys, tmp_path):
    history, boundary = tmp_path / "history.png", tmp_path / "boundary.png"
    code, out, err = run(
        capsys, "--dataset", "moons", "--iterations", "30", "--validation-fraction", "0.2",
        "--plot", str(history), "--plot-boundary", str(boundary),
    )  # fmt: skip
    assert code == 0, err
    assert history.read_bytes()[:8] == PNG and boundary.read_bytes()[:8] == PNG
    assert f"wrote {history}" in out and f"wrote {boundary}" in out


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--dataset", "breast_cancer", "--plot-boundary", "{tmp}/b.png"], "needs a dataset with 2 features"),
        (
            ["--plot", "{tmp}/same.png", "--plot-boundary", "{tmp}/same.png"],
            "--plot and --plot-boundary both",
        ),
        (
            ["--plot-boundary", "{tmp}/b.txt"],
            r"--plot-boundary .*b.txt: extension .txt is not an image format",
        ),
        (["--plot-boundary", "{tmp}/b.png", "--save", "{tmp}/b.png"], "--plot-boundary and --save both"),
    ],
)
def test_bad_plot_options_fail_before_training(capsys, tmp_path, monkeypatch, argv, match):
    monkeypatch.setattr(xnn.Network, "fit", lambda *a, **k: pytest.fail("training started"))
    code, out, err = run(capsys, "--iterations", "5", *[a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert code == 2 and re.search(match, err) and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []


def test_a_validation_fraction_outside_zero_one_is_a_one_line_error(capsys):
    code, _, err = run(capsys, "--iterations", "5", "--validation-fraction", "1.5")
    assert code == 2 and "strictly between 0 and 1" in err and err.count("\n") == 1
