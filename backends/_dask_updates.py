"""Parameter updates on dask arrays: each new parameter and optimizer state is one elementwise task
per chunk (the base class's formulas, in its order of operations), rebound to the array object the
caller passed, which then stands for the updated value, as dask's own __setitem__ does. Nothing is
written in place: the old graphs stay valid for whoever still holds them (a copy, a snapshot).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from dask.array.core import elemwise

from backends._dask_layout import rebind, under_errstate
from backends._shapes import check_update

Array = Any


# -- what one task computes for one chunk; the optimizers' inf and nan propagate quietly, as numpy's --
def sgd(param: Any, grad: Any, lr: Any) -> Any:
    return param - lr * grad


def quiet_sgd(param: Any, step: Any, lr: Any) -> Any:
    with np.errstate(over="ignore", invalid="ignore"):
        return param - lr * step


def moving_average(state: Any, value: Any, beta: Any, one_minus_beta: Any) -> Any:
    """beta * state + (1 - beta) * value: momentum's and Adam's v."""
    with np.errstate(over="ignore", invalid="ignore"):
        return state * beta + value * one_minus_beta


def moving_square(state: Any, grad: Any, beta: Any, one_minus_beta: Any) -> Any:
    """beta * state + (1 - beta) * grad**2: RMSprop's and Adam's s."""
    with np.errstate(over="ignore", invalid="ignore"):
        return state * beta + (grad * grad) * one_minus_beta


def rmsprop_step(param: Any, grad: Any, s: Any, lr: Any, epsilon: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return param - lr * (grad / (np.sqrt(s) + epsilon))


def adam_step(param: Any, v: Any, s: Any, lr: Any, epsilon: Any, v_scale: Any, s_scale: Any) -> Any:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return param - lr * ((v / v_scale) / (np.sqrt(s / s_scale) + epsilon))


def _task(kernel: Any, *args: Any) -> Any:
    """kernel applied chunk by chunk (scalars as they are), in the first array's dtype."""
    return elemwise(under_errstate(kernel), *args, dtype=args[0].dtype)


class DaskUpdates:
    """The contract's update ops for the dask backend (mixed into DaskBackend)."""

    def sgd_update_(self, param: Array, grad: Array, lr: float) -> Array:
        check_update("sgd_update_", param, grad)
        t = param.dtype.type
        return rebind(param, _task(sgd, param, self._float(grad), t(lr)))

    def momentum_update_(
        self, param: Array, grad: Array, v: Array, lr: float, beta: float
    ) -> tuple[Array, Array]:
        check_update("momentum_update_", param, grad, v=v)
        t = param.dtype.type
        new_v = _task(moving_average, v, self._float(grad), t(beta), t(1.0 - beta))
        return _rebind_all((param, _task(quiet_sgd, param, new_v, t(lr))), (v, new_v))

    def rmsprop_update_(
        self, param: Array, grad: Array, s: Array, lr: float, beta: float, epsilon: float
    ) -> tuple[Array, Array]:
        check_update("rmsprop_update_", param, grad, s=s)
        t, grad = param.dtype.type, self._float(grad)
        new_s = _task(moving_square, s, grad, t(beta), t(1.0 - beta))
        return _rebind_all((param, _task(rmsprop_step, param, grad, new_s, t(lr), t(epsilon))), (s, new_s))

    def adam_update_(
        self,
        param: Array,
        grad: Array,
        v: Array,
        s: Array,
        lr: float,
        beta1: float,
        beta2: float,
        epsilon: float,
        t: int,
    ) -> tuple[Array, Array, Array]:
        check_update("adam_update_", param, grad, v=v, s=s)
        f, grad = param.dtype.type, self._float(grad)
        new_v = _task(moving_average, v, grad, f(beta1), f(1.0 - beta1))
        new_s = _task(moving_square, s, grad, f(beta2), f(1.0 - beta2))
        scales = (f(lr), f(epsilon), f(1.0 - beta1**t), f(1.0 - beta2**t))
        new_param = _task(adam_step, param, new_v, new_s, *scales)
        return _rebind_all((param, new_param), (v, new_v), (s, new_s))


def _rebind_all(*pairs: tuple[Array, Array]) -> tuple[Array, ...]:
    """Rebind each array to its new graph, only once every new graph is built: a grad that is the
    param or a state is read as it was before the update."""
    return tuple(rebind(old, new) for old, new in pairs)
