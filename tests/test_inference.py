"""Prediction in column batches for large m, and Network.to moving a trained network between backends."""

from __future__ import annotations

import numpy as np
import pytest

import backends
import xnn
from xnn import inference


def digits_like(m=90, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(5, m))
    return X, np.argmax(X[:3], axis=0).reshape(1, -1)


@pytest.mark.parametrize("output", ["softmax", "sigmoid", "linear"])
def test_predictions_in_batches_equal_one_pass(monkeypatch, output):
    X, y = digits_like()
    C = 3 if output == "softmax" else 2
    net = xnn.Network([5, 4, C], output=output, dtype="float64", seed=1)
    if output == "softmax":
        net.fit(X, y, 0.1, 5, progress=False)
    whole = (net.predict_proba(X), net.predict(X) if output != "linear" else None)
    widths = []
    original = net._proba
    monkeypatch.setattr(net, "_proba", lambda x: widths.append(x.shape[1]) or original(x))
    monkeypatch.setattr(inference, "PREDICT_BATCH", 32)
    np.testing.assert_array_equal(net.predict_proba(X), whole[0])
    assert widths == [32, 32, 26]
    if output != "linear":
        np.testing.assert_array_equal(net.predict(X), whole[1])


@pytest.mark.parametrize("target", ["python", "numba"])
def test_to_moves_a_trained_network_and_training_continues_identically(target):
    try:
        backends.get_backend(target, "float64")
    except backends.BackendUnavailableError as e:
        pytest.skip(str(e))
    X, y = digits_like()
    net = xnn.Network([5, 4, 3], output="softmax", dtype="float64", seed=2)
    net.fit(X, y, 0.01, 3, batch_size=32, optimizer="adam", progress=False)
    moved = net.to(target)
    assert (moved.be.name, moved.dtype) == (target, "float64") and net.be.name == "numpy"
    np.testing.assert_array_equal(moved.classes_, net.classes_)
    for key, value in net.parameters.items():
        np.testing.assert_array_equal(moved.parameters[key], value)
    a = net.fit(X, y, 0.01, 2, batch_size=32, optimizer="adam", progress=False)
    b = moved.fit(X, y, 0.01, 2, batch_size=32, optimizer="adam", progress=False)
    np.testing.assert_allclose(b, a, rtol=1e-10)
    for key, value in net.parameters.items():
        np.testing.assert_allclose(moved.parameters[key], value, rtol=1e-9, atol=1e-12)


def test_to_another_dtype_and_independence():
    X, y = digits_like()
    net = xnn.Network([5, 4, 3], output="softmax", dtype="float64")
    net.fit(X, y, 0.1, 2, progress=False)
    single = net.to("numpy", "float32")
    assert single.dtype == "float32" and net.dtype == "float64"
    single.fit(X, y, 0.1, 2, progress=False)
    assert len(net.history["cost"]) == 2 and len(single.history["cost"]) == 4
