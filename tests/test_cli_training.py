"""`xnn train` with the training options: softmax classes, optimizers, decay, L2, dropout, resume."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import xnn
from xnn.cli import main

pytest.importorskip("sklearn")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def accuracy(out, split="test"):
    return float(out.split(f"{split} accuracy")[1].split()[0])


def test_digits10_with_adam_mini_batches(capsys, tmp_path):
    npz = tmp_path / "d.npz"
    options = ("--optimizer", "adam", "--learning-rate", "0.001", "--batch-size", "64", "--iterations", "15")
    code, out, err = run(capsys, "train", "--dataset", "digits10", *options, "--quiet", "--save", str(npz))
    assert code == 0, err
    assert "network [64, 32, 16, 10] relu/relu/softmax, loss cce" in out and "optimizer adam" in out
    assert accuracy(out) > 0.9
    net = xnn.Network.load(npz)
    assert net.classes_.tolist() == list(range(10)) and net.optimizer.t == 15 * 23  # 1437 / 64 -> 23 steps


def test_regularisation_and_decay_options_reach_the_network(capsys, tmp_path):
    npz = tmp_path / "m.npz"
    code, out, err = run(capsys, "train", "--dataset", "moons", "--layers", "5", "2", "--hidden", "relu",
                         "--lambd", "0.1", "--keep-prob", "0.9", "1.0", "--optimizer", "momentum", "--beta",
                         "0.8", "--decay", "scheduled", "--time-interval", "5", "--iterations", "12",
                         "--batch-size", "64", "--quiet", "--save", str(npz))  # fmt: skip
    assert code == 0, err
    assert "optimizer momentum, decay scheduled, lambd 0.1, keep_prob (0.9, 1.0)" in out
    net = xnn.Network.load(npz)
    assert net.lambd == 0.1 and net.keep_prob == (0.9, 1.0) and net.optimizer.beta == 0.8
    np.testing.assert_allclose(net.history["learning_rate"], [1.0] * 5 + [0.5] * 5 + [1 / 3] * 2)


@pytest.mark.parametrize("seed", [(), ("--seed", "7")], ids=["default-seed", "seed-7"])
def test_resume_continues_the_saved_run(capsys, tmp_path, seed):
    """--resume without --seed splits the data with the checkpoint's seed: the same train/test split."""
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    common = ("--dataset", "moons", "--optimizer", "adam", "--learning-rate", "0.01", "--batch-size", "64",
              "--dtype", "float64", "--quiet")  # fmt: skip
    assert run(capsys, "train", *common, *seed, "--iterations", "6", "--save", str(first))[0] == 0
    code, out, err = run(
        capsys, "train", *common, "--iterations", "4", "--resume", str(first), "--save", str(second)
    )
    assert code == 0, err
    assert (
        f"resuming {first}: 6 epochs done, optimizer Adam(beta1=0.9, beta2=0.999, epsilon=1e-08) at t=24"
        in out
    )
    straight = tmp_path / "c.npz"
    assert run(capsys, "train", *common, *seed, "--iterations", "10", "--save", str(straight))[0] == 0
    resumed, expected = xnn.Network.load(second), xnn.Network.load(straight)
    for key, value in expected.parameters.items():
        np.testing.assert_array_equal(resumed.parameters[key], value, err_msg=key)


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--optimizer", "adam", "--beta1", "1.5"], "beta1 must be a number in [0, 1)"),
        (["--keep-prob", "0"], "keep_prob must be in (0, 1]"),
        (["--lambd", "-1"], "lambd must be a finite number >= 0"),
        (["--loss", "cce"], "loss 'cce' needs output='softmax'"),
    ],
)
def test_bad_training_options_are_one_line_errors(capsys, argv, match):
    code, _, err = run(capsys, "train", "--iterations", "2", "--quiet", *argv)
    assert code == 2 and match in err and err.count("\n") == 1


def test_help_groups_the_training_options():
    out = subprocess.run(
        [sys.executable, "-m", "xnn", "train", "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    for group in ("regularisation:", "optimizer:", "learning-rate decay"):
        assert f"\n{group}" in out
    for flag in (
        "--lambd",
        "--keep-prob",
        "--dropout-rng",
        "--beta2",
        "--decay-rate",
        "--power-t",
        "--resume",
    ):
        assert flag in out


def test_scheduler_needs_the_dask_backend(capsys, monkeypatch):
    monkeypatch.delenv("XNN_BACKEND", raising=False)
    code = main(["train", "--scheduler", "tcp://127.0.0.1:8786", "--iterations", "1", "--quiet"])
    assert code == 2 and "--scheduler tcp://127.0.0.1:8786 needs the dask backend" in capsys.readouterr().err


def test_scheduler_becomes_dasks_own_address_variable(monkeypatch):
    import argparse

    from xnn.cli_training import use_scheduler

    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "")  # recorded, so the test's value is undone after it
    use_scheduler(argparse.Namespace(scheduler="tcp://127.0.0.1:8786", backend="Dask"))
    assert os.environ["DASK_SCHEDULER_ADDRESS"] == "tcp://127.0.0.1:8786"
