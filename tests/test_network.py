"""The L-layer network: parity across backends, learning, the step's economy, shapes and errors."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import backends
import xnn
from backends.numpy_backend import NumpyBackend
from xnn.datasets import load_planar_dataset

# after a few steps, float32 backends may differ from numpy by BLAS summation order: ~1e-6 relative
PARITY = {"float32": {"rtol": 1e-4, "atol": 1e-6}, "float64": {"rtol": 1e-10, "atol": 1e-12}}


def toy(n_x=3, m=20, seed=0, regression=False):
    """X (n_x, m) and 0/1 (or real) labels Y (1, m) from a fixed rule."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    score = X[0] - 0.5 * X[1] + 0.3 * X[-1] ** 2
    return X, (score.reshape(1, m) if regression else (score > 0).astype(float).reshape(1, m))


ARCHS = [
    pytest.param({"hidden": "relu", "output": "sigmoid"}, id="relu-sigmoid-bce"),
    pytest.param({"hidden": "tanh", "output": "sigmoid", "init": "xavier"}, id="tanh-sigmoid-bce"),
    pytest.param(
        {"hidden": ["leaky_relu", "sigmoid"], "output": "linear", "slope": 0.1}, id="leaky-linear-mse"
    ),
    pytest.param({"hidden": "relu", "output": "sigmoid", "loss": "mse"}, id="relu-sigmoid-mse"),
]


@pytest.mark.parametrize("arch", ARCHS)
def test_same_run_on_every_backend_ends_at_numpys_parameters(be, arch):
    dims = [3, 4, 1] if isinstance(arch["hidden"], str) else [3, 4, 3, 1]
    X, Y = toy(regression=arch["output"] == "linear")
    oracle = xnn.Network(dims, **arch, backend="numpy", dtype=be.dtype)
    net = xnn.Network(dims, **arch, backend=be)
    costs_oracle = oracle.fit(X, Y, learning_rate=0.1, iterations=5, progress=False)
    costs = net.fit(X, Y, learning_rate=0.1, iterations=5, progress=False)
    np.testing.assert_allclose(costs, costs_oracle, **PARITY[be.dtype.name])
    for key, expected in oracle.parameters.items():
        np.testing.assert_allclose(net.parameters[key], expected, **PARITY[be.dtype.name], err_msg=key)


def test_planar_flower_two_layer_tanh_reaches_the_courses_accuracy():
    X, Y = load_planar_dataset()
    net = xnn.Network([2, 4, 1], hidden="tanh", output="sigmoid", init="small", seed=2)
    costs = net.fit(X, Y, learning_rate=1.2, iterations=1500, progress=False)
    assert net.accuracy(X, Y) >= 0.88
    assert costs[-1] < 0.5 * costs[0]


def test_logistic_regression_cannot_separate_the_flower():
    X, Y = load_planar_dataset()
    net = xnn.Network([2, 1], output="sigmoid", init="zeros")
    net.fit(X, Y, learning_rate=0.5, iterations=500, progress=False)
    assert 0.40 <= net.accuracy(X, Y) <= 0.55  # a line through a flower: about a coin toss


def test_deep_relu_network_learns_a_nonlinear_rule():
    X, Y = toy(m=200)
    net = xnn.Network([3, 8, 6, 1], hidden="relu", seed=1, dtype="float64")
    costs = net.fit(X, Y, learning_rate=0.3, iterations=800, progress=False)
    assert costs[-1] < costs[0] and net.accuracy(X, Y) >= 0.93


def test_mini_batches_train_and_history_has_one_cost_per_epoch():
    X, Y = toy(m=103)
    net = xnn.Network([3, 5, 1], hidden="tanh", init="xavier")
    costs = net.fit(X, Y, learning_rate=0.5, iterations=30, batch_size=16, progress=False)
    assert len(costs) == 30 and costs[-1] < costs[0]
    assert net.accuracy(X, Y) > 0.8


def test_batch_size_at_least_m_is_full_batch_gradient_descent():
    X, Y = toy()
    a, b = xnn.Network([3, 4, 1]), xnn.Network([3, 4, 1])
    assert a.fit(X, Y, 0.1, 5, progress=False) == b.fit(X, Y, 0.1, 5, batch_size=500, progress=False)


class Spy(NumpyBackend):
    """The numpy backend, recording which fused ops the network calls and with what flags."""

    def __init__(self) -> None:
        super().__init__(dtype="float32")
        self.calls: list[tuple] = []

    def linear_backward(self, dZ, A_prev, W, need_dA_prev=True, lambd=0.0):
        self.calls.append(("linear_backward", W.shape, need_dA_prev))
        return super().linear_backward(dZ, A_prev, W, need_dA_prev, lambd)

    def __getattribute__(self, name):
        if name in ("binary_cross_entropy", "binary_cross_entropy_backward", "sigmoid_backward", "item"):
            object.__getattribute__(self, "calls").append((name,))
        return object.__getattribute__(self, name)


def test_step_skips_input_dA_and_cost_and_updates_in_place():
    X, Y = toy(n_x=5)
    spy = Spy()
    net = xnn.Network([5, 4, 3, 1], backend=spy)
    Xb, Yb = net.inputs(X, Y)
    before = {k: id(v) for k, v in net._params.items()}
    spy.calls.clear()
    assert net.step(Xb, Yb, 0.1) is None
    backward = [c for c in spy.calls if c[0] == "linear_backward"]
    assert backward == [
        ("linear_backward", (1, 3), True),
        ("linear_backward", (3, 4), True),
        ("linear_backward", (4, 5), False),
    ]
    # sigmoid + bce: dZ = AL - Y, so neither the bce gradient nor sigmoid' runs; no cost, no sync
    assert {c[0] for c in spy.calls} == {"linear_backward"}
    assert {k: id(v) for k, v in net._params.items()} == before  # updated in place
    spy.calls.clear()
    net.step(Xb, Yb, 0.1, compute_cost=True)  # the spy sees the cost when it is asked for
    assert ("binary_cross_entropy",) in spy.calls and ("item",) in spy.calls


def test_step_returns_the_cost_before_its_update_when_asked():
    X, Y = toy()
    net = xnn.Network([3, 4, 1], dtype="float64")
    expected = net.cost(X, Y)
    Xb, Yb = net.inputs(X, Y)
    assert net.step(Xb, Yb, 0.1, compute_cost=True) == pytest.approx(expected, rel=1e-12)
    assert net.cost(X, Y) < expected


@given(
    dims=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    m=st.integers(1, 5),
    hidden=st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu", "linear"]),
)
def test_forward_and_backward_shapes_follow_the_course(be, dims, m, hidden):
    dims[-1] = 1
    net = xnn.Network(dims, hidden=hidden, backend=be)
    X = np.random.default_rng(m).standard_normal((dims[0], m))
    Y = np.ones((1, m))
    AL, caches = net.forward(X)
    assert tuple(AL.shape) == (1, m) and len(caches) == len(dims) - 1
    grads = net.backward(AL, Y, caches)
    assert {k: tuple(v.shape) for k, v in grads.items()} == {
        "d" + k: v.shape for k, v in net.parameters.items()
    }
    assert net.predict(X).shape == (1, m) and set(np.unique(net.predict(X))) <= {0, 1}


def test_functional_steps_are_the_networks_steps():
    X, Y = toy()
    be = backends.get_backend("numpy", "float64")
    acts = ["tanh", "sigmoid"]
    params = xnn.to_backend(be, xnn.initialize_parameters([3, 4, 1], "xavier", seed=3))
    for _ in range(3):
        AL, caches = xnn.forward(be, params, be.asarray(X), acts)
        grads = xnn.backward(be, AL, be.asarray(Y), caches, acts, "bce")
        params = xnn.update_parameters(be, params, grads, 0.1)
    net = xnn.Network([3, 4, 1], hidden="tanh", init="xavier", seed=3, dtype="float64")
    net.fit(X, Y, 0.1, 3, progress=False)
    for key, value in net.parameters.items():
        np.testing.assert_array_equal(value, be.to_numpy(params[key]))


def test_predict_thresholds_probabilities_at_one_half():
    net = xnn.Network([1, 1], output="sigmoid", dtype="float64")
    net.parameters = {"W1": np.array([[10.0]]), "b1": np.array([[0.0]])}
    X = np.array([[-1.0, -0.01, 0.01, 1.0]])
    np.testing.assert_array_equal(net.predict(X), [[0, 0, 1, 1]])
    assert net.predict_proba(X)[0, 0] == pytest.approx(1 / (1 + np.exp(10)))
    assert net.accuracy(X, np.array([[0, 1, 1, 1]])) == 0.75


def test_initialisation_is_seeded_and_scaled():
    a = xnn.initialize_parameters([400, 300, 1], "he", seed=7)
    assert all(
        np.array_equal(v, w)
        for v, w in zip(a.values(), xnn.initialize_parameters([400, 300, 1], "he", 7).values(), strict=True)
    )
    assert a["W1"].dtype == np.float64 and not a["b1"].any()
    assert a["W1"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert xnn.initialize_parameters([400, 300], "xavier")["W1"].std() == pytest.approx(0.05, rel=0.02)
    assert xnn.initialize_parameters([400, 300], "small")["W1"].std() == pytest.approx(0.01, rel=0.02)


def test_zeros_init_keeps_hidden_units_identical():
    X, Y = toy()
    net = xnn.Network([3, 4, 1], hidden="tanh", init="zeros", dtype="float64")
    net.fit(X, Y, learning_rate=0.5, iterations=50, progress=False)
    W1 = net.parameters["W1"]
    assert np.allclose(W1, W1[:1])  # symmetry never breaks: every unit learns the same thing


def test_parameters_roundtrip_and_are_host_copies():
    net = xnn.Network([3, 4, 1], hidden=["tanh"], dtype="float64")
    params = net.parameters
    params["W1"][:] = 0  # a copy: the network is untouched
    assert net.parameters["W1"].any()
    net.parameters = params
    assert not net.parameters["W1"].any()


def test_backend_arrays_are_accepted_as_inputs(be):
    X, Y = toy(m=6)
    a, b = xnn.Network([3, 2, 1], backend=be), xnn.Network([3, 2, 1], backend=be)
    assert a.fit(X, Y, 0.1, 2, progress=False) == b.fit(be.asarray(X), be.asarray(Y), 0.1, 2, progress=False)
    bad = be.asarray(np.where(X > 1, np.inf, X))
    with pytest.raises(ValueError, match="NaN or infinite"):
        b.predict(bad)
    with np.errstate(invalid="ignore"):  # 0 * inf is the point of the device-side check used for GPU arrays
        assert a._finite(be.asarray(X)) and not a._finite(bad)


def test_progress_bar_on_a_terminal_and_silence_without_progress(monkeypatch, capsys):
    X, Y = toy()
    xnn.Network([3, 2, 1]).fit(X, Y, 0.1, 30, print_every=10, progress=False)
    assert capsys.readouterr() == ("", "")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    xnn.Network([3, 2, 1]).fit(X, Y, 0.1, 30, print_every=10)
    err = capsys.readouterr().err
    assert "training" in err and "cost=" in err and "iteration 10/30" not in err  # a tqdm bar, not lines
