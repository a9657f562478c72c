"""Checkpoint version 2: the training state beside the parameters, so a loaded network resumes exactly.

Header (JSON): lambd, keep_prob, dropout_rng, classes, the optimizer (name, hyper-parameters, t), the
adaptive schedule's state and the host generators' states (mini-batch order, dropout masks). Arrays:
the optimizer's moments as "optimizer.<moment>.<param>" and the per-epoch history as "history.cost"
and "history.learning_rate" (arrays: a long history would not fit a bounded JSON header). Version-1
files have none of these and load with the defaults (no regularisation, plain gradient descent).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from xnn import labels
from xnn.optimizers import make_optimizer
from xnn.validation import DROPOUT_RNGS, check_choice, check_keep_prob, check_nonnegative_number

HISTORY = ("cost", "learning_rate")
MOMENT = "optimizer."
RECORD = "history."


def header(net: Any) -> dict:
    """The version-2 header fields of `net` (JSON values only)."""
    classes = net.classes_
    return {
        "lambd": net.lambd,
        "keep_prob": list(net.keep_prob),
        "dropout_rng": net.dropout_rng,
        "classes": None if classes is None else classes.tolist(),
        "optimizer": {
            "name": net.optimizer.name,
            "hyperparameters": net.optimizer.hyperparameters(),
            "t": net.optimizer.t,
        },
        "schedule_state": net.schedule_state,
        "rng": {
            "shuffle": net.shuffle_rng.bit_generator.state,
            "dropout": None if net._dropout is None else net._dropout.generator.bit_generator.state,
        },
    }


def arrays(net: Any) -> dict[str, np.ndarray]:
    """The optimizer's moments and the history as host arrays (empty ones left out)."""
    out = {MOMENT + name: value for name, value in net.optimizer.state_arrays(net.be).items()}
    for key in HISTORY:
        if net.history[key]:
            out[RECORD + key] = np.asarray(net.history[key], dtype=np.float64)
    return out


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return int(value)


def fields(meta: dict, n_hidden: int, output: str, n_out: int) -> dict:
    """The version-2 fields validated and normalised (defaults for a version-1 header)."""
    opt = meta.get("optimizer", {"name": "gd", "hyperparameters": {}, "t": 0})
    if not isinstance(opt, dict) or not isinstance(opt.get("hyperparameters"), dict):
        raise ValueError(f"optimizer must be {{'name', 'hyperparameters', 't'}}, got {opt!r}")
    make_optimizer(opt["name"], **opt["hyperparameters"])  # raises for a bad name or setting
    classes = meta.get("classes")
    if classes is not None:
        if output != "softmax":
            raise ValueError(f"classes are stored but the output is {output!r}, not softmax")
        classes = labels.check_classes(classes, n_out).tolist()
    state = meta.get("schedule_state")
    plain = (str, int, float, type(None))
    if state is not None and not (
        isinstance(state, dict) and all(isinstance(v, plain) for v in state.values())
    ):
        raise ValueError(f"schedule_state must be an object of numbers and names, or null, got {state!r}")
    return {
        "lambd": check_nonnegative_number("lambd", meta.get("lambd", 0.0)),
        "keep_prob": list(check_keep_prob(meta.get("keep_prob", 1.0), n_hidden)),
        "dropout_rng": check_choice("dropout_rng", meta.get("dropout_rng", "host"), DROPOUT_RNGS),
        "classes": classes,
        "optimizer": opt | {"t": _count("optimizer t", opt.get("t", 0))},
        "schedule_state": state,
        "rng": meta.get("rng"),
    }


def expected_arrays(meta: dict, shapes: dict[str, tuple]) -> dict[str, tuple | None]:
    """{name: shape} of the state arrays a file may hold (None: any 1-D length)."""
    moments = make_optimizer(meta["optimizer"]["name"]).moment_names
    allowed: dict[str, tuple | None] = {
        f"{MOMENT}{moment}.{key}": shape for moment in moments for key, shape in shapes.items()
    }
    return allowed | {RECORD + key: None for key in HISTORY}


def state_names(found: dict[str, Any]) -> dict[str, Any]:
    """The members of an archive that belong to the training state (by their prefix)."""
    return {name: member for name, member in found.items() if name.startswith((MOMENT, RECORD))}


def check_arrays(meta: dict, stored: dict[str, Any], shapes: dict[str, tuple]) -> None:
    """The stored state arrays (name -> member with .shape/.dtype) agree with the header."""
    allowed = expected_arrays(meta, shapes)
    unknown = sorted(set(stored) - set(allowed))
    if unknown:
        raise ValueError(
            f"arrays {unknown[:4]} are not part of the {meta['optimizer']['name']!r} training state"
        )
    for name, member in stored.items():
        shape = allowed[name]
        if (shape is not None and member.shape != shape) or (shape is None and len(member.shape) != 1):
            raise ValueError(f"{name} is {member.shape}, expected {shape or '(epochs,)'}")
        if member.dtype.kind != "f":
            raise ValueError(f"{name} has dtype {member.dtype}, expected a float dtype")
    moments = {n for n in allowed if n.startswith(MOMENT)}
    present = set(stored) & moments
    if present != moments and (present or meta["optimizer"]["t"] > 0):
        raise ValueError(
            f"optimizer {meta['optimizer']['name']!r} at t={meta['optimizer']['t']} needs its moments: "
            f"missing {sorted(moments - present)[:4]}"
        )
    records = [stored[RECORD + k].shape for k in HISTORY if RECORD + k in stored]
    if len(records) not in (0, len(HISTORY)) or len(set(records)) > 1:
        raise ValueError(f"history arrays must both be there with one entry per epoch, got {records}")


def _generator_state(generator: np.random.Generator, state: Any) -> None:
    """Set a host generator's state from JSON (ValueError when it is not one of numpy's states)."""
    if state is None:
        return
    try:
        generator.bit_generator.state = state
    except (TypeError, ValueError, KeyError) as e:
        raise ValueError(f"a stored random generator state is invalid ({e})") from e


def restore(net: Any, meta: dict, stored: dict[str, np.ndarray]) -> None:
    """Put the version-2 state of a file into a freshly built `net` (parameters already set)."""
    opt = meta["optimizer"]
    net.optimizer = make_optimizer(opt["name"], **opt["hyperparameters"])
    moments = {k[len(MOMENT) :]: v for k, v in stored.items() if k.startswith(MOMENT)}
    net.optimizer.load_state(net.be, opt["t"], moments)
    if meta["classes"] is not None:
        net.classes_ = meta["classes"]
    for key in HISTORY:
        values = stored.get(RECORD + key)
        net.history[key] = [] if values is None else [float(v) for v in values]
    net.schedule_state = meta["schedule_state"]
    generators = meta["rng"] if isinstance(meta["rng"], dict) else {}
    _generator_state(net.shuffle_rng, generators.get("shuffle"))
    if net._dropout is not None:
        _generator_state(net._dropout.generator, generators.get("dropout"))
