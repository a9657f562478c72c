"""Checkpoint version 2: the training state travels with the parameters, so saving mid-training and
resuming is the same run as never stopping; version-1 files still load; damaged state is named."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

import xnn
from xnn import checkpoint
from xnn.errors import CheckpointError

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 50))
LABELS = np.array(["ant", "bee", "cat"])[(X[0] > 0.3).astype(int) + (X[1] > 0).astype(int)]


def build(output="softmax", **kwargs):
    dims = [3, 6, 5, 3 if output == "softmax" else 1]
    return xnn.Network(dims, output=output, dtype="float64", seed=7, **kwargs)


FITS = [
    pytest.param({"optimizer": "adam"}, {}, id="adam"),
    pytest.param({"optimizer": "momentum", "beta": 0.8}, {"keep_prob": [0.8, 0.9]}, id="momentum-dropout"),
    pytest.param(
        {"optimizer": "rmsprop", "decay": "scheduled", "time_interval": 2}, {"lambd": 0.3}, id="rmsprop-l2"
    ),
    pytest.param({"decay": "adaptive", "n_iter_no_change": 1, "tol": 0.5}, {}, id="gd-adaptive"),
    pytest.param(
        {"optimizer": "adam", "decay": "invscaling"},
        {"keep_prob": 0.7, "dropout_rng": "device"},
        id="device-masks",
    ),
]


@pytest.mark.parametrize(("fit", "net_kwargs"), FITS)
def test_save_mid_training_and_resume_is_the_uninterrupted_run(tmp_path, fit, net_kwargs):
    args = {"learning_rate": 0.05, "batch_size": 16, "progress": False, **fit}
    straight = build(**net_kwargs)
    costs = straight.fit(X, LABELS, iterations=9, **args)
    first = build(**net_kwargs)
    first.fit(X, LABELS, iterations=4, **args)
    first.save(tmp_path / "mid.npz")
    resumed = xnn.Network.load(tmp_path / "mid.npz")
    assert resumed.fit(X, LABELS, iterations=5, **args) == costs[4:]
    for key, value in straight.parameters.items():
        np.testing.assert_array_equal(resumed.parameters[key], value, err_msg=key)
    assert resumed.history == straight.history
    assert resumed.optimizer.t == straight.optimizer.t and resumed.schedule_state == straight.schedule_state


def test_round_trip_keeps_classes_regularisation_and_optimizer(tmp_path):
    net = build(lambd=0.2, keep_prob=[0.9, 1.0])
    net.fit(X, LABELS, 0.01, 3, optimizer="adam", beta2=0.99, progress=False)
    net.save(tmp_path / "m.npz")
    back = xnn.Network.load(tmp_path / "m.npz", backend="python", dtype="float32")
    np.testing.assert_array_equal(back.classes_, ["ant", "bee", "cat"])
    np.testing.assert_array_equal(back.predict(X), net.predict(X))
    assert (back.lambd, back.keep_prob, back.dropout_rng) == (0.2, (0.9, 1.0), "host")
    assert isinstance(back.optimizer, xnn.Adam) and back.optimizer.beta2 == 0.99 and back.optimizer.t == 3
    for name, value in net.optimizer.state_arrays(net.be).items():
        kind, _, key = name.partition(".")
        got = back.be.to_numpy(back.optimizer.moments[kind][key])
        np.testing.assert_allclose(got, value, rtol=1e-6, err_msg=name)
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:  # plain arrays, no pickle
        header = json.loads(archive["__xnn__"].tobytes())
        assert header["version"] == 2 and header["classes"] == ["ant", "bee", "cat"]
        assert "optimizer.v.W1" in archive.files and archive["history.cost"].shape == (3,)


def test_integer_classes_round_trip_as_integers(tmp_path):
    net = build()
    net.fit(X, 10 + (X[0] > 0).astype(int) + (X[1] > 0), 0.1, 2, progress=False)
    net.save(tmp_path / "i.npz")
    back = xnn.Network.load(tmp_path / "i.npz")
    assert back.classes_.dtype == np.int64 and back.classes_.tolist() == [10, 11, 12]


def write(path, header, arrays):
    with zipfile.ZipFile(path, "w") as zf:
        for name, value in {
            "__xnn__": np.frombuffer(json.dumps(header).encode(), np.uint8),
            **arrays,
        }.items():
            buf = io.BytesIO()
            np.save(buf, value)
            zf.writestr(f"{name}.npy", buf.getvalue())
    return path


def test_version_1_files_still_load_with_the_defaults(tmp_path):
    net = build(output="sigmoid")
    v1 = {k: v for k, v in checkpoint.header(net).items() if k in ("format", "layer_dims", "activations",
          "loss", "slope", "dtype", "init", "seed")} | {"version": 1}  # fmt: skip
    back = xnn.Network.load(write(tmp_path / "v1.npz", v1, net.parameters))
    assert (
        back.lambd == 0.0 and back.keep_prob == (1.0, 1.0) and isinstance(back.optimizer, xnn.GradientDescent)
    )
    assert back.history == {"cost": [], "learning_rate": []} and back.optimizer.t == 0
    np.testing.assert_array_equal(back.predict_proba(X), net.predict_proba(X))


def trained_file(tmp_path):
    net = build()
    net.fit(X, LABELS, 0.01, 2, optimizer="adam", progress=False)
    header = checkpoint.header(net)
    arrays = net.parameters | {f"optimizer.{k}": v for k, v in net.optimizer.state_arrays(net.be).items()}
    arrays |= {"history.cost": np.ones(2), "history.learning_rate": np.ones(2)}
    return header, arrays


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (
            lambda h, a: h.update(optimizer={"name": "lbfgs", "hyperparameters": {}, "t": 1}),
            r"unknown optimizer 'lbfgs'",
        ),
        (
            lambda h, a: h["optimizer"]["hyperparameters"].update(beta1=2.0),
            r"beta1 must be a number in \[0, 1\)",
        ),
        (lambda h, a: h["optimizer"].update(t=-1), r"optimizer t must be an integer >= 0"),
        (
            lambda h, a: a.pop("optimizer.s.W2"),
            r"'adam' at t=2 needs its moments: missing \['optimizer.s.W2'\]",
        ),
        (
            lambda h, a: a.update({"optimizer.v.W1": np.zeros((2, 2))}),
            r"optimizer.v.W1 is \(2, 2\), expected \(6, 3\)",
        ),
        (
            lambda h, a: a.update({"optimizer.m.W1": np.zeros((6, 3))}),
            r"\['optimizer.m.W1'\] are not part of the 'adam'",
        ),
        (lambda h, a: a.update({"history.cost": np.ones(3)}), r"history arrays must both be there"),
        (lambda h, a: a.pop("history.learning_rate"), r"history arrays must both be there"),
        (lambda h, a: a.update({"optimizer.v.b1": np.full((6, 1), np.nan)}), r"optimizer.v.b1'\] holds NaN"),
        (lambda h, a: h.update(keep_prob=[0.5]), r"keep_prob lists 1 values but the network has 2 hidden"),
        (lambda h, a: h.update(lambd=-1), r"lambd must be a finite number >= 0"),
        (lambda h, a: h.update(classes=["a", "a", "b"]), r"classes_ needs 3 distinct labels"),
        (lambda h, a: h.update(schedule_state=[1]), r"schedule_state must be an object"),
        (
            lambda h, a: h["rng"].update(shuffle={"bit_generator": "MT19937"}),
            r"random generator state is invalid",
        ),
    ],
)
def test_damaged_training_state_is_named(tmp_path, edit, match):
    header, arrays = trained_file(tmp_path)
    edit(header, arrays)
    with pytest.raises(CheckpointError, match=r"damaged xnn checkpoint: .*" + match):
        xnn.Network.load(write(tmp_path / "bad.npz", header, arrays))
