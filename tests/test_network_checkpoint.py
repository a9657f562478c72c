"""save/load: roundtrip, no pickle, atomic writes, and clear rejection of damaged or foreign files."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import xnn
from xnn import checkpoint

X = np.random.default_rng(0).standard_normal((3, 12))
Y = (X[:1] + X[1:2] > 0).astype(float)


@pytest.fixture
def trained():
    net = xnn.Network([3, 5, 2, 1], hidden=["leaky_relu", "tanh"], slope=0.2, init="xavier", seed=4)
    net.fit(X, Y, learning_rate=0.3, iterations=20, progress=False)
    return net


def test_roundtrip_keeps_architecture_parameters_and_predictions(trained, tmp_path):
    path = tmp_path / "model.npz"
    trained.save(path)
    loaded = xnn.Network.load(path)
    assert (loaded.layer_dims, loaded.activations, loaded.loss, loaded.slope, loaded.dtype) == (
        [3, 5, 2, 1],
        ["leaky_relu", "tanh", "sigmoid"],
        "bce",
        0.2,
        "float32",
    )
    for key, value in trained.parameters.items():
        np.testing.assert_array_equal(loaded.parameters[key], value)
    np.testing.assert_array_equal(loaded.predict_proba(X), trained.predict_proba(X))


def test_load_onto_another_backend_and_dtype(trained, tmp_path):
    path = tmp_path / "model.npz"
    trained.save(path)
    loaded = xnn.Network.load(path, backend="python", dtype="float64")
    assert loaded.be.name == "python" and loaded.dtype == "float64"
    np.testing.assert_allclose(loaded.predict_proba(X), trained.predict_proba(X), rtol=1e-5)


def test_file_is_plain_npz_with_a_json_header(trained, tmp_path):
    path = tmp_path / "model.npz"
    trained.save(path)
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == [
            *["W1", "W2", "W3", "__xnn__", "b1", "b2", "b3"],
            *["history.cost", "history.learning_rate"],  # version 2: the training state too
        ]
        header = json.loads(archive["__xnn__"].tobytes())
    assert header["format"] == "xnn.network" and header["version"] == 2
    assert header["layer_dims"] == [3, 5, 2, 1]


def write_npz(path, header=None, **arrays):
    if header is not None:
        arrays["__xnn__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def write_npy(path):
    with open(path, "wb") as f:  # np.save(path) would append .npy to the name
        np.save(f, np.zeros(3))


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda p, good: p.write_bytes(good[: len(good) // 2]), r"not a readable xnn checkpoint"),
        (lambda p, good: p.write_bytes(b"\x00garbage" * 50), r"not a readable xnn checkpoint"),
        (lambda p, good: p.write_bytes(b""), r"not a readable xnn checkpoint"),
        (
            lambda p, good: write_npz(p, W1=np.zeros(3)),
            r"not a readable xnn checkpoint \(it has no xnn header\)",
        ),
        (lambda p, good: write_npz(p, {"format": "keras"}), r"format tag 'keras', expected 'xnn.network'"),
        (
            lambda p, good: write_npz(p, {"format": "xnn.network", "version": 99}),
            r"version 99; this xnn reads",
        ),
        (lambda p, good: write_npy(p), r"is a .npy file \(one bare array"),
    ],
)
def test_corrupted_or_foreign_files_are_rejected(trained, tmp_path, damage, match):
    good_path, path = tmp_path / "good.npz", tmp_path / "bad.npz"
    trained.save(good_path)
    with open(path, "wb"):
        pass
    damage(path, good_path.read_bytes())
    with pytest.raises(ValueError, match=match):
        xnn.Network.load(path)


def test_checkpoint_with_parameters_not_matching_its_header_is_rejected(trained, tmp_path):
    path = tmp_path / "model.npz"
    header = checkpoint.header(trained) | {"layer_dims": [3, 6, 2, 1]}
    write_npz(path, header, **trained.parameters)
    with pytest.raises(ValueError, match=r"damaged xnn checkpoint: parameters\['W1'\] is \(5, 3\)"):
        xnn.Network.load(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such checkpoint file"):
        xnn.Network.load(tmp_path / "nope.npz")


def test_failed_write_leaves_the_old_file_and_no_temp_file(trained, tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    trained.save(path)
    before = path.read_bytes()

    def crash(f, **arrays):
        f.write(b"PK\x03\x04 half an archive")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint.np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        xnn.Network([3, 2, 1]).save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]
    with pytest.raises(OSError):
        trained.save(tmp_path / "new.npz")
    assert os.listdir(tmp_path) == ["model.npz"]
