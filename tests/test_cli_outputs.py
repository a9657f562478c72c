"""`xnn train`'s output files: every path checked before training, the checkpoint written before the
plot, and a failing plot reported (exit 1) with the checkpoint kept."""

from __future__ import annotations

import os
import re

import pytest

import xnn
from xnn import cli, outputs
from xnn.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def train_argv(*extra):
    return ["train", "--iterations", "5", "--quiet", *extra]


@pytest.mark.parametrize(
    ("outputs", "match"),
    [
        (
            ["--plot", "/nonexistent/c.png", "--save", "{tmp}/m.npz"],
            "--plot /nonexistent/c.png: .*folder '/nonexistent' does not exist",
        ),
        (
            ["--plot", "{tmp}/cost.txt", "--save", "{tmp}/m.npz"],
            r"cost.txt: extension .txt is not an image format .*\.png",
        ),
        (
            ["--plot", "{tmp}/cost", "--save", "{tmp}/m.npz"],
            "a name without an extension is not an image format",
        ),
        (
            ["--plot", "{tmp}/c.png", "--save", "/nonexistent/m.npz"],
            "--save /nonexistent/m.npz: .*does not exist",
        ),
        (["--plot", "{tmp}/dir.png"], "it is a directory, not a regular file"),
        (["--save", "{tmp}/dir.png"], "it is a directory, not a regular file"),
        (["--save", "{tmp}/pipe"], r"it is a fifo \(named pipe\)"),
        (["--plot", "{tmp}/same.png", "--save", "{tmp}/same.png"], "--plot and --save both name"),
        (["--plot", "{tmp}/link.svg", "--save", "{tmp}/same.svg"], "--plot and --save both name"),
    ],
)
def test_bad_output_paths_fail_before_training(capsys, tmp_path, monkeypatch, outputs, match):
    (tmp_path / "dir.png").mkdir()
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "link.svg").symlink_to(tmp_path / "same.svg")
    monkeypatch.setattr(xnn.Network, "fit", lambda *a, **k: pytest.fail("training started"))
    before = sorted(os.listdir(tmp_path))
    argv = [a.replace("{tmp}", str(tmp_path)) for a in outputs]
    code, out, err = run(capsys, *train_argv(*argv))
    assert code == 2 and re.search(match, err) and err.count("\n") == 1, err
    assert out == "" and sorted(os.listdir(tmp_path)) == before


def test_an_unwritable_folder_fails_before_training(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(xnn.Network, "fit", lambda *a, **k: pytest.fail("training started"))

    def refuse(*args, **kwargs):  # what a read-only filesystem answers, even to root
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(outputs.tempfile, "TemporaryFile", refuse)
    code, _, err = run(capsys, *train_argv("--save", str(tmp_path / "m.npz")))
    assert code == 2 and "cannot write into folder" in err and "Read-only file system" in err


def test_a_failing_plot_never_costs_the_checkpoint(capsys, tmp_path, monkeypatch):
    plots, npz = tmp_path / "plots", tmp_path / "m.npz"
    plots.mkdir()
    real_fit = cli._fit

    def fit_then_lose_the_folder(*args):  # the plot folder disappears while training runs
        costs = real_fit(*args)
        plots.rmdir()
        return costs

    monkeypatch.setattr(cli, "_fit", fit_then_lose_the_folder)
    code, out, err = run(capsys, *train_argv("--plot", str(plots / "c.png"), "--save", str(npz)))
    assert code == 1 and "could not write the plot" in err and f"the network was saved to {npz}" in err
    assert f"saved {npz}" in out and xnn.Network.load(npz).layer_dims == [2, 4, 1]
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]


def test_a_plot_that_matplotlib_fails_to_render_leaves_no_half_file(capsys, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    def broken(self, f, **kwargs):
        f.write(b"\x89PNG half")
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(Figure, "savefig", broken)
    npz, png = tmp_path / "m.npz", tmp_path / "c.png"
    code, _, err = run(capsys, *train_argv("--plot", str(png), "--save", str(npz)))
    assert code == 1 and "renderer crashed" in err and npz.is_file() and not png.exists()
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]


@pytest.mark.parametrize("fmt", ["svg", "pdf", "png"])
def test_plot_formats_follow_the_extension(capsys, tmp_path, fmt):
    path = tmp_path / f"cost.{fmt}"
    code, out, err = run(capsys, *train_argv("--plot", str(path)))
    assert code == 0, err
    magic = {"svg": b"<?xml", "pdf": b"%PDF", "png": b"\x89PNG"}[fmt]
    assert path.read_bytes().startswith(magic) and f"wrote {path}" in out
