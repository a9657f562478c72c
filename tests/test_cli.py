"""The `xnn` command: train, info, help, and one-line errors with exit code 2."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import backends
import xnn
from xnn.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_train_on_planar_reports_cost_accuracy_and_time(capsys):
    code, out, err = run(capsys, "train", "--dataset", "planar", "--iterations", "300", "--quiet")
    assert code == 0, err
    assert "network [2, 4, 1] tanh/sigmoid, loss bce" in out
    assert "final cost" in out and "ms/iteration" in out
    train_acc = float(out.split("train accuracy")[1].split()[0])
    assert train_acc > 0.8 and "test accuracy" in out
    assert err == ""  # --quiet: no progress


def test_progress_lines_when_not_a_terminal(capsys):
    code, _, err = run(capsys, "train", "--iterations", "20", "--print-every", "10", "--layers", "3")
    assert code == 0 and "iteration 10/20: cost" in err and "iteration 20/20: cost" in err


def test_train_with_options_plot_and_save(capsys, tmp_path):
    png, npz = tmp_path / "cost.png", tmp_path / "model.npz"
    code, out, err = run(
        capsys,
        "train",
        "--dataset",
        "breast_cancer",
        "--layers",
        "8,4",
        "--hidden",
        "relu,tanh",
        "--iterations",
        "50",
        "--batch-size",
        "64",
        "--init",
        "xavier",
        "--backend",
        "numpy",
        "--dtype",
        "float64",
        "--seed",
        "3",
        "--plot",
        str(png),
        "--save",
        str(npz),
        "--quiet",
    )
    assert code == 0, err
    assert "network [30, 8, 4, 1] relu/tanh/sigmoid" in out and "numpy float64" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    net = xnn.Network.load(npz)
    assert net.layer_dims == [30, 8, 4, 1] and net.dtype == "float64"


def test_no_layers_is_logistic_regression(capsys):
    code, out, _ = run(capsys, "train", "--layers", "--iterations", "50", "--learning-rate", "0.5", "--quiet")
    assert code == 0 and "network [2, 1] sigmoid" in out


def test_info_lists_backends_threads_and_versions(capsys):
    code, out, _ = run(capsys, "info")
    assert code == 0
    for needle in (
        "backends:",
        "numpy: available",
        "python: available",
        "threads:",
        "cpu_count",
        "versions:",
        "numpy:",
        "default dtype (XNN_DTYPE)",
    ):
        assert needle in out


@pytest.mark.parametrize(
    ("env", "shown"), [("", "(unset: numpy)"), (" Numba ", "numba"), ("nmupy", "'nmupy' (invalid")]
)
def test_info_flags_an_invalid_xnn_backend(capsys, monkeypatch, env, shown):
    monkeypatch.setenv("XNN_BACKEND", env)
    code, out, _ = run(capsys, "info")
    assert code == 0 and f"default backend (XNN_BACKEND): {shown}" in out
    assert (f"expected one of {', '.join(backends.backend_names())}" in out) is (env == "nmupy")


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["train", "--dataset", "mnist"], "unknown dataset 'mnist'"),
        (["train", "--learning-rate", "-1"], "learning_rate must be a finite number > 0"),
        (["train", "--iterations", "0"], "iterations must be an integer >= 1"),
        (["train", "--layers", "0"], "--layers takes positive integers"),
        (["train", "--layers", "a"], "--layers takes positive integers"),
        (["train", "--hidden", "softplus"], "unknown activation 'softplus'"),
        (["train", "--backend", "tpu"], "unknown backend 'tpu'"),
        (["train", "--output", "linear", "--loss", "bce"], "loss 'bce' needs output='sigmoid'"),
        (["train", "--dataset", "h5:/no/such.h5"], "no such HDF5 file"),
        (["train", "--dtype", "float16"], "invalid choice: 'float16'"),
        (["train", "--bogus"], "unrecognized arguments: --bogus"),
        (["fly"], "invalid choice: 'fly'"),
        ([], "the following arguments are required"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(capsys, argv, match):
    try:
        code = main(argv)
    except SystemExit as e:  # argparse's own errors
        code = e.code
    _, err = capsys.readouterr()
    assert code == 2
    assert match in err and err.count("\n") == 1 and "Traceback" not in err


def test_divergence_exits_1_with_advice(capsys):
    code, _, err = run(
        capsys,
        "train",
        "--dataset",
        "breast_cancer",
        "--output",
        "linear",
        "--hidden",
        "linear",
        "--learning-rate",
        "50",
        "--iterations",
        "100",
        "--print-every",
        "10",
        "--quiet",
    )
    assert code == 1 and "training diverged" in err and "smaller learning rate" in err


def test_help_has_examples_and_dataset_defaults():
    out = subprocess.run(
        [sys.executable, "-m", "xnn", "train", "--help"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0
    assert "examples:" in out.stdout and "xnn train --dataset planar" in out.stdout
    assert "hidden layer sizes" in out.stdout and "breast_cancer  --layers 16 8" in out.stdout


def test_top_level_help_mentions_both_commands(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    out, _ = capsys.readouterr()
    assert info.value.code == 0 and "train" in out and "info" in out and "examples:" in out


def test_plot_without_matplotlib_says_how_to_install(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, _, err = run(capsys, "train", "--iterations", "5", "--plot", str(tmp_path / "c.png"), "--quiet")
    assert code == 2 and 'pip install "xnn[plot]"' in err
    assert np.all([not p.name.endswith(".png") for p in tmp_path.iterdir()])


# -- datasets on the command line ----------------------------------------------------------------
@pytest.mark.parametrize("name", ["moons", "circles"])
def test_moons_and_circles_train_from_the_cli(capsys, name):
    code, out, err = run(capsys, "train", "--dataset", name, "--iterations", "300", "--quiet")
    assert code == 0, err
    assert "network [2, 8, 1] tanh/sigmoid" in out and "240 train / 60 test" in out
    assert float(out.split("test accuracy")[1].split()[0]) > 0.85


def test_digits10_picks_a_softmax_output_with_ten_units(capsys, monkeypatch):
    built = {}

    def fake_network(dims, **kwargs):  # stop at construction: softmax belongs to the network layer
        built.update(dims=dims, **kwargs)
        raise ValueError("stop here")

    monkeypatch.setattr(xnn, "Network", fake_network)
    code, _, err = run(capsys, "train", "--dataset", "digits10", "--iterations", "5", "--quiet")
    assert code == 2 and "stop here" in err
    assert built["dims"] == [64, 32, 16, 10] and built["output"] == "softmax" and built["init"] == "he"


def test_a_0d_h5_array_is_a_one_line_error(capsys, tmp_path):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "train_bad.h5"
    with h5py.File(path, "w") as f:
        f["train_set_x"], f["train_set_y"] = np.float64(3), np.zeros(1)
    code, _, err = run(capsys, "train", "--dataset", f"h5:{path}", "--quiet")
    assert code == 2 and "train_set_x has shape (); expected one row per example" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_mistyped_xnn_backend_is_named(capsys, monkeypatch):
    monkeypatch.setenv("XNN_BACKEND", "nmupy")
    code, _, err = run(capsys, "train", "--iterations", "5", "--quiet")
    assert code == 2 and "unknown backend 'nmupy' (from XNN_BACKEND); expected one of numpy" in err


def test_help_has_no_literal_double_percent_and_is_grouped():
    out = subprocess.run(
        [sys.executable, "-m", "xnn", "train", "--help"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0 and "%%" not in out.stdout and "(~50% right)" in out.stdout
    for group in ("data:", "network (left out", "training:", "backend:", "output files (checked before"):
        assert f"\n{group}" in out.stdout
    for name in ("moons", "circles", "digits10"):
        assert f"\n  {name}" in out.stdout
