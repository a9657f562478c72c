"""Optimizers and learning-rate schedules against their NumPy formulas, on every backend."""

from __future__ import annotations

import math

import numpy as np
import pytest

import xnn
from xnn import model, optimizers, schedules

TOL = {"float32": {"rtol": 2e-5, "atol": 1e-6}, "float64": {"rtol": 1e-12, "atol": 1e-14}}


def reference_steps(name, params, grads_per_step, lr, beta=0.9, beta1=0.9, beta2=0.999, eps=1e-8):
    """The course's formulas in float64 NumPy: params after each step's grads."""
    params = {k: v.copy() for k, v in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    s = {k: np.zeros_like(p) for k, p in params.items()}
    for t, grads in enumerate(grads_per_step, start=1):
        for k, p in params.items():
            g = grads["d" + k]
            if name == "gd":
                p -= lr * g
            elif name == "momentum":
                v[k] = beta * v[k] + (1 - beta) * g
                p -= lr * v[k]
            elif name == "rmsprop":
                s[k] = beta * s[k] + (1 - beta) * g * g
                p -= lr * g / (np.sqrt(s[k]) + eps)
            else:
                v[k] = beta1 * v[k] + (1 - beta1) * g
                s[k] = beta2 * s[k] + (1 - beta2) * g * g
                v_hat, s_hat = v[k] / (1 - beta1**t), s[k] / (1 - beta2**t)
                p -= lr * v_hat / (np.sqrt(s_hat) + eps)
    return params


def random_params(seed=0):
    rng = np.random.default_rng(seed)
    shapes = {"W1": (4, 3), "b1": (4, 1), "W2": (2, 4), "b2": (2, 1)}
    params = {k: rng.standard_normal(s) for k, s in shapes.items()}
    steps = [{"d" + k: rng.standard_normal(s) for k, s in shapes.items()} for _ in range(5)]
    return params, steps


SETTINGS = {"gd": {}, "momentum": {"beta": 0.8}, "rmsprop": {"beta": 0.95, "epsilon": 1e-6}, "adam": {}}
REFERENCE_SETTINGS = {"gd": {}, "momentum": {"beta": 0.8}, "rmsprop": {"beta": 0.95, "eps": 1e-6}, "adam": {}}


@pytest.mark.parametrize("name", list(SETTINGS))
def test_each_optimizer_matches_its_formula_over_several_steps(be, name):
    params, steps = random_params()
    opt = optimizers.make_optimizer(name, **SETTINGS[name])
    device = model.to_backend(be, {k: v.copy() for k, v in params.items()})  # updated in place
    for grads in steps:
        device = opt.update(be, device, model.to_backend(be, grads), 0.05)
    expected = reference_steps(name, params, steps, 0.05, **REFERENCE_SETTINGS[name])
    assert opt.t == len(steps)
    for key, value in expected.items():
        np.testing.assert_allclose(be.to_numpy(device[key]), value, **TOL[be.dtype.name], err_msg=key)


@pytest.mark.parametrize("name", ["momentum", "rmsprop", "adam"])
def test_network_fit_with_an_optimizer_is_the_formula_on_backward_gradients(name):
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((3, 30)), (rng.random((1, 30)) > 0.5).astype(float)
    net = xnn.Network([3, 4, 1], hidden="tanh", dtype="float64", seed=3)
    params = net.parameters
    net.fit(X, Y, 0.01, 6, optimizer=name, progress=False)
    be, acts = net.be, net.activations
    v = {k: np.zeros_like(p) for k, p in params.items()}
    s = {k: np.zeros_like(p) for k, p in params.items()}
    for t in range(1, 7):
        AL, caches = model.forward(be, model.to_backend(be, params), be.asarray(X), acts)
        grads = {k: be.to_numpy(g) for k, g in model.backward(be, AL, be.asarray(Y), caches, acts).items()}
        for k in params:
            g = grads["d" + k]
            v[k] = 0.9 * v[k] + 0.1 * g
            s[k] = (0.9 if name == "rmsprop" else 0.999) * s[k] + (
                0.1 if name == "rmsprop" else 0.001
            ) * g * g
            if name == "momentum":
                params[k] = params[k] - 0.01 * v[k]
            elif name == "rmsprop":
                params[k] = params[k] - 0.01 * g / (np.sqrt(s[k]) + 1e-8)
            else:
                step = (v[k] / (1 - 0.9**t)) / (np.sqrt(s[k] / (1 - 0.999**t)) + 1e-8)
                params[k] = params[k] - 0.01 * step
    for key, value in params.items():
        np.testing.assert_allclose(net.parameters[key], value, rtol=1e-11, atol=1e-13, err_msg=key)


def test_t_counts_mini_batch_steps_and_a_second_fit_continues_the_state():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 100)), (rng.random((1, 100)) > 0.5).astype(float)
    net = xnn.Network([3, 4, 1])
    net.fit(X, Y, 1e-3, 3, batch_size=32, optimizer="adam", progress=False)
    adam = net.optimizer
    assert isinstance(adam, xnn.Adam) and adam.t == 3 * 4
    net.fit(X, Y, 1e-3, 1, batch_size=32, optimizer="adam", progress=False)
    assert net.optimizer is adam and adam.t == 16  # same name and settings: continued
    net.fit(X, Y, 1e-3, 1, batch_size=32, optimizer="adam", beta2=0.99, progress=False)
    assert net.optimizer is not adam and net.optimizer.t == 4  # new settings: a fresh optimizer
    mine = xnn.Momentum(beta=0.5)
    net.fit(X, Y, 1e-3, 1, optimizer=mine, progress=False)
    assert net.optimizer is mine and mine.t == 1 and set(mine.moments) == {"v"}


def test_adam_matches_torch_when_installed():
    torch = pytest.importorskip("torch")
    params, steps = random_params(5)
    be = xnn.Network([1, 1], dtype="float32").be
    opt, device = xnn.Adam(), model.to_backend(be, params)
    tensors = {k: torch.tensor(v, dtype=torch.float32, requires_grad=True) for k, v in params.items()}
    reference = torch.optim.Adam(list(tensors.values()), lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    for grads in (steps * 2)[:10]:
        device = opt.update(be, device, model.to_backend(be, grads), 0.01)
        for k, tensor in tensors.items():
            tensor.grad = torch.tensor(grads["d" + k], dtype=torch.float32)
        reference.step()
    for k, tensor in tensors.items():
        np.testing.assert_allclose(be.to_numpy(device[k]), tensor.detach().numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("name", "settings", "match"),
    [
        ("sgd", {}, r"unknown optimizer 'sgd'; expected one of gd, momentum, rmsprop, adam"),
        ("momentum", {"beta": 1.0}, r"beta must be a number in \[0, 1\)"),
        ("adam", {"beta2": -0.1}, r"beta2 must be a number in \[0, 1\)"),
        ("adam", {"epsilon": 0.0}, r"epsilon must be a finite number > 0"),
    ],
)
def test_bad_optimizer_settings_are_refused(name, settings, match):
    X, Y = np.zeros((3, 4)), np.zeros((1, 4))
    with pytest.raises(ValueError, match=match):
        xnn.Network([3, 1]).fit(X, Y, 0.1, 1, optimizer=name, **settings, progress=False)


# -- schedules -----------------------------------------------------------------------------------
def test_course_schedules_give_the_courses_numbers():
    assert xnn.update_lr(0.5, 2, 1) == pytest.approx(0.5 / 3)
    assert xnn.schedule_lr_decay(0.5, 100, 0.3, 100) == pytest.approx(0.5 / 1.3)
    assert xnn.schedule_lr_decay(0.5, 99, 0.3, 100) == 0.5
    assert schedules.schedule_lr_decay(0.1, 2500, 1) == pytest.approx(0.1 / 3)


def test_invscaling_is_sklearns():
    sk = pytest.importorskip("sklearn.neural_network._stochastic_optimizers")
    m, lr0 = 37, 0.2
    sgd = sk.SGDOptimizer([np.zeros(2)], learning_rate_init=lr0, lr_schedule="invscaling", power_t=0.4)
    for epoch in range(1, 6):  # sklearn updates at the end of each epoch with t = examples seen
        sgd.iteration_ends(epoch * m)
        assert schedules.invscaling(lr0, epoch, m, 0.4) == pytest.approx(sgd.learning_rate, rel=1e-12)


def test_fit_records_the_learning_rate_of_every_epoch_and_continues_the_schedule():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((3, 20)), (rng.random((1, 20)) > 0.5).astype(float)
    net = xnn.Network([3, 4, 1])
    net.fit(X, Y, 0.5, 5, decay="inverse", decay_rate=0.5, progress=False)
    net.fit(X, Y, 0.5, 3, decay="inverse", decay_rate=0.5, progress=False)  # a resumed fit: epochs 5..7
    assert net.history["learning_rate"] == pytest.approx([0.5 / (1 + 0.5 * e) for e in range(8)])
    assert len(net.history["cost"]) == 8
    net2 = xnn.Network([3, 4, 1])
    net2.fit(X, Y, 0.5, 8, decay=xnn.update_lr, decay_rate=0.5, progress=False)  # the course's style
    assert net2.history == net.history


def test_scheduled_decay_steps_every_time_interval():
    X, Y = np.random.default_rng(0).standard_normal((3, 10)), np.ones((1, 10))
    net = xnn.Network([3, 1])
    net.fit(X, Y, 0.1, 7, decay="scheduled", decay_rate=1.0, time_interval=3, progress=False)
    assert net.history["learning_rate"] == pytest.approx([0.1] * 3 + [0.05] * 3 + [0.1 / 3])


def test_adaptive_divides_by_five_after_n_iter_no_change_flat_epochs():
    schedule = schedules.make_schedule("adaptive", 1.0, 10, n_iter_no_change=2, tol=0.1)
    rates = []
    for epoch, cost in enumerate([5.0, 4.0, 3.95, 3.94, 3.93, 3.0, 2.99, 2.98, 2.97]):
        rates.append(schedule.learning_rate(epoch))
        schedule.epoch_end(cost)
    # no tol improvement at epochs 2, 3, 4 -> the third (> 2) divides; epoch 5 improves; 6, 7, 8 flat
    assert rates == pytest.approx([1, 1, 1, 1, 1, 0.2, 0.2, 0.2, 0.2])
    assert schedule.learning_rate(9) == pytest.approx(0.04)
    again = schedules.make_schedule("adaptive", 1.0, 10, n_iter_no_change=2, tol=0.1, state=schedule.state())
    assert again.learning_rate(0) == pytest.approx(0.04) and again.count == schedule.count


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"decay": "exponential"}, r"unknown decay 'exponential'; expected None, one of inverse, scheduled"),
        ({"decay": "inverse", "decay_rate": -1}, r"decay_rate must be a finite number >= 0"),
        ({"decay": "scheduled", "time_interval": 0}, r"time_interval must be an integer >= 1"),
    ],
)
def test_bad_schedules_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        xnn.Network([3, 1]).fit(np.zeros((3, 4)), np.zeros((1, 4)), 0.1, 1, progress=False, **kwargs)


def test_divergence_under_adam_resets_its_state():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 60))
    net = xnn.Network([3, 8, 1], hidden="linear", output="linear", dtype="float64")
    with np.errstate(all="ignore"), pytest.raises(xnn.TrainingDivergedError):
        net.fit(X * 100, X[:1] * 1e4, 50.0, 300, optimizer="momentum", progress=False)
    assert net.optimizer.t == 0 and not net.optimizer.moments
    assert all(np.isfinite(v).all() for v in net.parameters.values())
    assert math.isfinite(net.cost(X, X[:1]))
