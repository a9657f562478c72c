"""Optimizers: how a step turns gradients into new parameters. Each keeps its state on the backend.

The formulas are the course's (Improving Deep Neural Networks, week 2), with t counted per mini-batch
step: momentum v = beta v + (1 - beta) dW, W -= lr v; RMSprop s = beta s + (1 - beta) dW^2,
W -= lr dW / (sqrt(s) + epsilon); Adam both, bias-corrected, epsilon after the square root (as
torch.optim.Adam). Every update is one fused backend op per parameter and uses the arrays it returns.
"""

from __future__ import annotations

import abc
from functools import lru_cache
from typing import Any

import numpy as np

from backends import Backend
from xnn import model
from xnn.validation import check_choice, check_fraction, check_positive_number


@lru_cache(maxsize=64)
def param_grad_keys(L: int) -> tuple[tuple[str, str], ...]:
    """(("W1", "dW1"), ("b1", "db1"), ..., ("bL", "dbL"))."""
    return tuple((key, f"d{key}") for pair in model.layer_keys(L) for key in pair)


class Optimizer(abc.ABC):
    """Base: name, hyper-parameters, step count t and moment dicts {name: {param key: array}}."""

    name = ""
    moment_names: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.t = 0
        self.moments: dict[str, dict[str, Any]] = {}

    def hyperparameters(self) -> dict[str, float]:
        """The settings that define the update (saved in checkpoints)."""
        return {}

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v:g}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({settings}) at t={self.t}"

    @abc.abstractmethod
    def update(self, be: Backend, params: dict, grads: dict, learning_rate: float) -> dict:
        """One step: the updated params (use them: new arrays where the backend's are immutable)."""

    def _state(self, be: Backend, params: dict) -> tuple[dict[str, Any], ...]:
        """The moment dicts, created as zeros shaped like params on the first step."""
        if not self.moments:
            self.moments = {
                n: {k: be.zeros(tuple(p.shape)) for k, p in params.items()} for n in self.moment_names
            }
        return tuple(self.moments[n] for n in self.moment_names)

    def reset(self) -> None:
        """Forget t and the moments (the next step starts from zeros)."""
        self.t, self.moments = 0, {}

    def state_arrays(self, be: Backend) -> dict[str, np.ndarray]:
        """The moments as host arrays named "v.W1", "s.b2", ... (checkpoints)."""
        return {f"{n}.{k}": be.to_numpy(a) for n, d in self.moments.items() for k, a in d.items()}

    def load_state(self, be: Backend, t: int, arrays: dict[str, np.ndarray]) -> None:
        """Restore t and the moments from state_arrays' output (moved to `be`)."""
        moments: dict[str, dict[str, Any]] = {n: {} for n in self.moment_names}
        for name, value in arrays.items():
            kind, _, key = name.partition(".")
            if kind not in moments:
                raise ValueError(f"{type(self).__name__} has no moment {kind!r} (got array {name!r})")
            moments[kind][key] = be.asarray(value)
        self.t, self.moments = int(t), (moments if arrays else {})


class GradientDescent(Optimizer):
    """W -= learning_rate dW: the course's plain (mini-batch) gradient descent, no state."""

    name = "gd"

    def update(self, be: Backend, params: dict, grads: dict, learning_rate: float) -> dict:
        self.t += 1
        return model.update_parameters(be, params, grads, learning_rate)


class Momentum(Optimizer):
    """v = beta v + (1 - beta) dW; W -= learning_rate v."""

    name = "momentum"
    moment_names = ("v",)

    def __init__(self, beta: float = 0.9) -> None:
        super().__init__()
        self.beta = check_fraction("beta", beta)

    def hyperparameters(self) -> dict[str, float]:
        return {"beta": self.beta}

    def update(self, be: Backend, params: dict, grads: dict, learning_rate: float) -> dict:
        (v,) = self._state(be, params)
        self.t += 1
        out = {}
        for key, gkey in param_grad_keys(len(params) // 2):
            out[key], v[key] = be.momentum_update_(params[key], grads[gkey], v[key], learning_rate, self.beta)
        return out


class RMSprop(Optimizer):
    """s = beta s + (1 - beta) dW^2; W -= learning_rate dW / (sqrt(s) + epsilon)."""

    name = "rmsprop"
    moment_names = ("s",)

    def __init__(self, beta: float = 0.9, epsilon: float = 1e-8) -> None:
        super().__init__()
        self.beta = check_fraction("beta", beta)
        self.epsilon = check_positive_number("epsilon", epsilon)

    def hyperparameters(self) -> dict[str, float]:
        return {"beta": self.beta, "epsilon": self.epsilon}

    def update(self, be: Backend, params: dict, grads: dict, learning_rate: float) -> dict:
        (s,) = self._state(be, params)
        self.t += 1
        beta, eps = self.beta, self.epsilon
        out = {}
        for key, gkey in param_grad_keys(len(params) // 2):
            out[key], s[key] = be.rmsprop_update_(params[key], grads[gkey], s[key], learning_rate, beta, eps)
        return out


class Adam(Optimizer):
    """Momentum and RMSprop together, both bias-corrected by 1 - beta**t."""

    name = "adam"
    moment_names = ("v", "s")

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8) -> None:
        super().__init__()
        self.beta1 = check_fraction("beta1", beta1)
        self.beta2 = check_fraction("beta2", beta2)
        self.epsilon = check_positive_number("epsilon", epsilon)

    def hyperparameters(self) -> dict[str, float]:
        return {"beta1": self.beta1, "beta2": self.beta2, "epsilon": self.epsilon}

    def update(self, be: Backend, params: dict, grads: dict, learning_rate: float) -> dict:
        v, s = self._state(be, params)
        self.t += 1
        t, b1, b2, eps = self.t, self.beta1, self.beta2, self.epsilon
        out = {}
        for key, gkey in param_grad_keys(len(params) // 2):
            out[key], v[key], s[key] = be.adam_update_(
                params[key], grads[gkey], v[key], s[key], learning_rate, b1, b2, eps, t
            )
        return out


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.name: cls for cls in (GradientDescent, Momentum, RMSprop, Adam)}


def make_optimizer(name: str, **settings: float) -> Optimizer:
    """An optimizer by name, given the settings it takes (beta, beta1, beta2, epsilon); others ignored."""
    cls = OPTIMIZERS[check_choice("optimizer", name, tuple(OPTIMIZERS))]
    own = {
        "gd": (),
        "momentum": ("beta",),
        "rmsprop": ("beta", "epsilon"),
        "adam": ("beta1", "beta2", "epsilon"),
    }
    return cls(**{k: settings[k] for k in own[name] if k in settings})


def resolve(current: Optimizer | None, optimizer: str | Optimizer, **settings: float) -> Optimizer:
    """The optimizer a fit uses: an instance as given; a name reuses `current` (and so continues its
    state, as a second fit continues the parameters) when it has that name and the same settings."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if not isinstance(optimizer, str):
        raise ValueError(
            f"optimizer must be one of {', '.join(OPTIMIZERS)} or an xnn.optimizers.Optimizer, "
            f"got {type(optimizer).__name__}"
        )
    fresh = make_optimizer(optimizer, **settings)
    same = current is not None and type(current) is type(fresh)
    return current if same and current.hyperparameters() == fresh.hyperparameters() else fresh
