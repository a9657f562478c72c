"""Training's contract with the backend and its divergence guard: updates use returned arrays,
divergence is caught within a few iterations under any loss, and leaves finite parameters."""

from __future__ import annotations

import numpy as np
import pytest

import backends
import xnn
from backends.numpy_backend import NumpyBackend


class ImmutableBackend(NumpyBackend):
    """numpy whose sgd_update_ returns a new array and never mutates, as dask's or jax's would."""

    name = "numpy"

    def sgd_update_(self, param, grad, lr):
        before = param.copy()
        out = param - param.dtype.type(lr) * grad
        assert np.array_equal(param, before)
        return out


def data(m=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(3, m))
    return X, (X[:1] + X[1:2] > 0).astype(float)


@pytest.mark.parametrize("batch_size", [None, 16])
def test_backends_with_immutable_arrays_learn_the_same(batch_size):
    X, Y = data()
    reference = xnn.Network([3, 4, 1], dtype="float64", seed=1)
    immutable = xnn.Network([3, 4, 1], backend=ImmutableBackend("float64"), seed=1)
    ref_costs = reference.fit(X, Y, 0.5, 20, batch_size=batch_size, progress=False)
    costs = immutable.fit(X, Y, 0.5, 20, batch_size=batch_size, progress=False)
    assert costs == ref_costs and costs[-1] < costs[0]
    for key, value in reference.parameters.items():
        np.testing.assert_array_equal(immutable.parameters[key], value)


def test_cross_entropy_divergence_is_caught_and_parameters_restored():
    X, Y = data()
    net = xnn.Network([3, 16, 1], dtype="float64", seed=0)
    with pytest.raises(xnn.TrainingDivergedError, match=r"over 4x its first value at iteration \d+"):
        net.fit(X * 30, Y, learning_rate=50.0, iterations=200, print_every=None, progress=False)
    params = net.parameters
    assert all(np.isfinite(v).all() for v in params.values())
    assert net.accuracy(X, Y) >= 0.0  # usable: predict runs on the restored parameters


def test_divergence_is_caught_between_print_points():
    X, Y = data()
    net = xnn.Network([3, 8, 1], hidden="linear", output="linear", dtype="float64")
    with np.errstate(all="ignore"), pytest.raises(xnn.TrainingDivergedError) as info:
        net.fit(X * 100, X[:1] * 1e3, learning_rate=10.0, iterations=500, print_every=1000, progress=False)
    iteration = int(str(info.value).split("at iteration ")[1].split()[0])
    assert iteration <= 5
    assert all(np.isfinite(v).all() for v in net.parameters.values())


def test_a_healthy_resumed_fit_is_not_flagged():
    X, Y = data()
    net = xnn.Network([3, 8, 1], dtype="float64", seed=0)
    net.fit(X, Y, 0.5, 300, progress=False)
    costs = net.fit(X, Y, 2.0, 50, batch_size=8, progress=False)  # noisy epochs near a small cost
    assert np.isfinite(costs).all()


@pytest.mark.parametrize("lr", [float("nan"), float("inf"), 0.0, -1.0])
def test_step_refuses_a_bad_learning_rate_before_touching_weights(lr):
    X, Y = data()
    net = xnn.Network([3, 4, 1], dtype="float64")
    before = net.parameters
    Xb, Yb = net.inputs(X, Y)
    with pytest.raises(ValueError, match="learning_rate must be a finite number > 0"):
        net.step(Xb, Yb, lr)
    for key, value in before.items():
        np.testing.assert_array_equal(net.parameters[key], value)


def test_device_parameters_round_trip_without_copies():
    net = xnn.Network([3, 4, 1], backend=backends.get_backend("numpy", "float64"))
    params = net.device_parameters
    net.device_parameters = params
    assert all(net.device_parameters[k] is v for k, v in params.items())
    with pytest.raises(ValueError, match="needs keys"):
        net.device_parameters = {"W1": params["W1"]}


@pytest.mark.parametrize("epochs", [1, 5])
def test_mini_batch_epochs_copy_no_data_between_host_and_device(be, monkeypatch, epochs):
    """On every backend: X and Y go up once per fit; batches are gathered on the device (`take`)."""
    X, Y = data(m=50)
    crossings = []
    for method in ("asarray", "to_numpy"):
        real = getattr(be, method)

        def counted(x, *args, _real=real, _method=method, **kwargs):
            floating = np.dtype(getattr(x, "dtype", np.float64)).kind == "f"  # data, not batch indices
            if floating and np.size(x) >= 8:  # as large as a mini-batch or more: parameters are smaller
                crossings.append((_method, np.shape(x)))
            return _real(x, *args, **kwargs)

        monkeypatch.setattr(be, method, counted)  # this instance only, undone after the test
    net = xnn.Network([3, 2, 1], backend=be, seed=0)
    net.fit(X, Y, 0.1, 1, batch_size=8, progress=False)
    crossings.clear()
    net.fit(X, Y, 0.1, epochs, batch_size=8, progress=False)
    uploads = [c for c in crossings if c[0] == "asarray"]
    assert len(uploads) <= 2, uploads  # X and Y once per fit, never per epoch or per batch
    assert not [c for c in crossings if c[0] == "to_numpy"], crossings


def test_every_epoch_reshuffles_with_the_seeds_permutations():
    X, Y = data(m=12)
    seen = []

    class Recorder(NumpyBackend):
        name = "numpy"

        def take(self, x, indices, axis=0):
            if x.shape[0] == 3:
                seen.append(np.asarray(indices).copy())
            return super().take(x, indices, axis)

    net = xnn.Network([3, 2, 1], backend=Recorder("float64"), seed=0)
    net.fit(X, Y, 0.1, 3, batch_size=5, progress=False, shuffle_seed=7)
    rng = np.random.default_rng(7)
    expected = [p[s : s + 5] for p in (rng.permutation(12) for _ in range(3)) for s in range(0, 12, 5)]
    assert len(seen) == len(expected)
    for got, want in zip(seen, expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_epoch_cost_at_learning_rate_zero_is_the_full_batch_cost():
    X, Y = data(m=23)
    net = xnn.Network([3, 4, 1], dtype="float64", seed=2)
    full = net.cost(X, Y)
    tiny = 1e-300  # learning_rate must be > 0; this one changes no float64 weight
    costs = net.fit(X, Y, tiny, 2, batch_size=5, progress=False)  # 5+5+5+5+3: a partial last batch
    assert costs == pytest.approx([full, full], rel=1e-12)
