"""Host-side checks of user input: architecture, hyperparameters, data, parameters. No backend arrays here."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from backends._base import ACTIVATIONS, OUTPUT_ACTIVATIONS

LOSSES = ("bce", "mse", "cce")
DROPOUT_RNGS = ("host", "device")
INITS = ("small", "xavier", "he", "zeros")


def check_choice(kind: str, value: Any, choices: Sequence[str]) -> str:
    """`value` if it is one of `choices`, else a ValueError listing them."""
    if value not in choices:
        raise ValueError(f"unknown {kind} {value!r}; expected one of {', '.join(choices)}")
    return value


def _is_int(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def check_layer_dims(layer_dims: Sequence[int]) -> list[int]:
    """[n_x, n_1, ..., n_L] as ints: at least two entries, all positive."""
    ok = isinstance(layer_dims, Sequence | np.ndarray) and not isinstance(layer_dims, str)
    dims = list(layer_dims) if ok else None
    if dims is None or len(dims) < 2:
        raise ValueError(
            f"layer_dims must list at least two sizes [n_x, ..., n_L], got {layer_dims!r}; "
            "e.g. [2, 1] for logistic regression, [2, 4, 1] for one hidden layer of 4 units"
        )
    bad = [d for d in dims if not _is_int(d) or d < 1]
    if bad:
        raise ValueError(f"layer_dims must be positive integers, got {dims!r} (bad: {bad!r})")
    return [int(d) for d in dims]


def resolve_activations(hidden: str | Sequence[str], output: str, n_layers: int) -> list[str]:
    """One activation per layer: the hidden ones (a name, or one per hidden layer), then the output's."""
    names = [hidden] * (n_layers - 1) if isinstance(hidden, str) else list(hidden)
    if len(names) != n_layers - 1:
        raise ValueError(
            f"hidden lists {len(names)} activations but the network has {n_layers - 1} hidden layers; "
            "pass one name for all of them or one per hidden layer"
        )
    if "softmax" in names:
        raise ValueError(
            "softmax is an output activation only (it mixes a column's units): use output='softmax' "
            f"and one of {', '.join(ACTIVATIONS)} for the hidden layers"
        )
    for name in names:
        check_choice("activation", name, ACTIVATIONS)
    check_choice("activation", output, OUTPUT_ACTIVATIONS)
    return [*names, output]


def resolve_loss(loss: str | None, output: str) -> str:
    """bce for sigmoid, cce for softmax, mse otherwise, unless given; bce and cce need their output."""
    default = {"sigmoid": "bce", "softmax": "cce"}.get(output, "mse")
    loss = default if loss is None else loss
    check_choice("loss", loss, LOSSES)
    if loss == "bce" and output != "sigmoid":
        raise ValueError(
            f"loss 'bce' needs output='sigmoid' (probabilities in (0, 1)), got output={output!r}; "
            "use output='sigmoid' or loss='mse'"
        )
    if loss == "cce" and output != "softmax":
        raise ValueError(
            f"loss 'cce' needs output='softmax' (one distribution per column), got output={output!r}; "
            "use output='softmax' for multi-class labels"
        )
    return loss


def check_softmax_units(output: str, n_out: int) -> None:
    """A softmax output needs at least two units (one unit would always output 1)."""
    if output == "softmax" and n_out < 2:
        raise ValueError(
            f"output='softmax' needs at least 2 output units, got layer_dims[-1] = {n_out}; "
            "use [..., C] for C classes, or [..., 1] with output='sigmoid' for a binary task"
        )


def check_positive_number(name: str, value: Any) -> float:
    """A finite real number > 0."""
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def check_count(name: str, value: Any) -> int:
    """An integer >= 1."""
    if not _is_int(value) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def check_optional_count(name: str, value: Any) -> int | None:
    """An integer >= 1 or None."""
    if value is not None and (not _is_int(value) or value < 1):
        raise ValueError(f"{name} must be an integer >= 1 or None, got {value!r}")
    return None if value is None else int(value)


def check_fraction(name: str, value: Any, low_open: bool = False) -> float:
    """A real number in [0, 1) ((0, 1) when low_open): decay rates beta, beta1, beta2."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 <= value < 1
    if not ok or (low_open and value == 0):
        bounds = "(0, 1)" if low_open else "[0, 1)"
        raise ValueError(f"{name} must be a number in {bounds}, typically 0.9 or 0.999; got {value!r}")
    return float(value)


def check_nonnegative_number(name: str, value: Any) -> float:
    """A finite real number >= 0."""
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def check_keep_prob(keep_prob: Any, n_hidden: int) -> tuple[float, ...]:
    """One keep probability in (0, 1] per hidden layer, from one number or a sequence of them."""
    many = isinstance(keep_prob, Sequence | np.ndarray) and not isinstance(keep_prob, str)
    probs = list(keep_prob) if many else [keep_prob] * n_hidden
    if len(probs) != n_hidden:
        raise ValueError(
            f"keep_prob lists {len(probs)} values but the network has {n_hidden} hidden layers; "
            "pass one number for all of them or one per hidden layer (the output layer never drops)"
        )
    for p in probs:
        if not isinstance(p, numbers.Real) or isinstance(p, bool) or not 0 < p <= 1:
            raise ValueError(f"keep_prob must be in (0, 1] (1: no dropout), got {p!r}")
    return tuple(float(p) for p in probs)


def check_slope(slope: Any) -> float:
    """The leaky ReLU slope: a finite real number."""
    if not isinstance(slope, numbers.Real) or isinstance(slope, bool) or not math.isfinite(slope):
        raise ValueError(f"slope must be a finite number (typically 0.01), got {slope!r}")
    return float(slope)


def host_matrix(data: Any, name: str) -> np.ndarray:
    """`data` as a finite 2-D numeric numpy array, columns = examples."""
    arr = np.asarray(data)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers, got dtype {arr.dtype}")
    if arr.ndim != 2:
        hint = "reshape labels to (1, m)" if name == "Y" else "X is (n_x, m), one column per example"
        raise ValueError(f"{name} must be 2-D, got shape {arr.shape}; {hint}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains NaN or infinite values; clean or impute them before training")
    return arr


def check_data_shapes(X_shape: tuple, Y_shape: tuple | None, n_x: int, n_y: int) -> None:
    """X (n_x, m) and Y (n_y, m) agree with the network and with each other."""
    if len(X_shape) != 2:
        raise ValueError(
            f"X has shape {tuple(X_shape)} but must be 2-D (n_x, m) = ({n_x}, m), one column per "
            f"example; a single example is X.reshape({n_x}, 1)"
        )
    if X_shape[0] != n_x:
        raise ValueError(
            f"X has {X_shape[0]} rows but the network expects n_x = layer_dims[0] = {n_x}: X must be "
            f"(n_x, m) = ({n_x}, m), one column per example; transpose X if examples are its rows"
        )
    if X_shape[1] < 1:
        raise ValueError(f"X has no examples (shape {tuple(X_shape)}); need at least one column")
    if Y_shape is None:
        return
    if tuple(Y_shape) != (n_y, X_shape[1]):
        fix = "reshape labels with Y.reshape(1, -1)" if n_y == 1 else f"one row per output unit ({n_y})"
        raise ValueError(
            f"Y is {tuple(Y_shape)} but X is {tuple(X_shape)}: expected Y ({n_y}, {X_shape[1]}), "
            f"one label column per example column of X; {fix}"
        )


def check_binary(Y: np.ndarray) -> None:
    """Labels for binary cross-entropy must be 0 or 1."""
    bad = np.unique(Y[(Y != 0) & (Y != 1)])
    if bad.size:
        raise ValueError(
            f"loss 'bce' needs labels 0 or 1, got other values {bad[:5].tolist()}; "
            "map the classes to 0/1, or use loss='mse' for regression"
        )


def check_parameters(params: Mapping[str, Any], layer_dims: Sequence[int]) -> dict[str, np.ndarray]:
    """{"W1", "b1", ..., "WL", "bL"}: W[l] (n[l], n[l-1]), b[l] (n[l], 1), finite; as float64."""
    if not isinstance(params, Mapping):
        raise ValueError(f"parameters must be a dict {{'W1': ..., 'b1': ...}}, got {type(params).__name__}")
    expected = {}
    for layer in range(1, len(layer_dims)):
        expected[f"W{layer}"] = (layer_dims[layer], layer_dims[layer - 1])
        expected[f"b{layer}"] = (layer_dims[layer], 1)
    if set(params) != set(expected):
        missing, extra = sorted(set(expected) - set(params)), sorted(set(params) - set(expected))
        raise ValueError(
            f"parameters keys differ from layer_dims {list(layer_dims)}: missing {missing}, extra {extra}"
        )
    out = {}
    for key, shape in expected.items():
        arr = np.asarray(params[key], dtype=np.float64)
        if arr.shape != shape:
            raise ValueError(
                f"parameters[{key!r}] is {arr.shape}, expected {shape} for layer_dims {list(layer_dims)}"
            )
        if not np.isfinite(arr).all():
            raise ValueError(f"parameters[{key!r}] contains NaN or infinite values")
        out[key] = arr
    return out
