"""Save and load a Network as .npz: the parameters plus the architecture as JSON.

Saving refuses non-finite parameters and writes atomically over a regular file only (xnn.atomic).
Loading trusts nothing: the JSON header is validated field by field and every stored array's shape
is checked against the header's layer_dims before any array or network is allocated (xnn.npz).
"""

from __future__ import annotations

import json
import numbers
import os
import stat
import zipfile
from typing import Any

import numpy as np

import backends
from xnn import checkpoint_state, npz
from xnn.atomic import atomic_write, kind_of
from xnn.errors import CheckpointError
from xnn.validation import (
    INITS,
    check_choice,
    check_layer_dims,
    check_slope,
    resolve_activations,
    resolve_loss,
)

FORMAT = "xnn.network"
VERSION = 2  # 2: the training state too (optimizer, history, generators, lambd, keep_prob, classes)
READABLE = (1, 2)
META = "__xnn__"  # the archive member holding the JSON header as uint8 bytes
MAX_META_BYTES = 1 << 20


def _seed(seed: Any) -> int | list[int] | None:
    """The seed as JSON: an int, a list of ints, or None; anything else cannot be stored."""
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)):
        return None if seed is None else int(seed)
    if isinstance(seed, list | tuple) and all(isinstance(s, numbers.Integral) for s in seed):
        return [int(s) for s in seed]
    raise CheckpointError(
        f"cannot store seed {seed!r} ({type(seed).__name__}) in a checkpoint; use an int seed (or None)"
    )


def header(net: Any) -> dict:
    """Everything needed to rebuild `net` and resume its training, besides its arrays."""
    return checkpoint_state.header(net) | {
        "format": FORMAT,
        "version": VERSION,
        "layer_dims": net.layer_dims,
        "activations": net.activations,
        "loss": net.loss,
        "slope": net.slope,
        "dtype": net.dtype,
        "init": net.init,
        "seed": _seed(net.seed),
    }


def check_finite(params: dict[str, np.ndarray], path: str) -> None:
    """CheckpointError naming the first parameter holding NaN or inf: such a network is never saved."""
    for key, value in params.items():
        bad = int(np.count_nonzero(~np.isfinite(value)))
        if bad:
            raise CheckpointError(
                f"refusing to save to {path!r}: parameters[{key!r}] {value.shape} holds {bad} NaN or "
                f"infinite values of {value.size} (did training diverge?); the file was not touched. "
                "Fix: retrain with a smaller learning rate, or load the last good checkpoint"
            )


def save(net: Any, path: str | os.PathLike) -> None:
    """Write `net` to `path` atomically; a symlink's target is written, non-regular files are refused."""
    path = os.fspath(path)
    params = net.parameters
    check_finite(params, path)
    meta = np.frombuffer(json.dumps(header(net)).encode(), dtype=np.uint8)
    arrays = params | checkpoint_state.arrays(net)
    atomic_write(path, lambda f: np.savez(f, **{META: meta}, **arrays))


def expected_shapes(layer_dims: list[int]) -> dict[str, tuple[int, int]]:
    """{"W1": (n1, n_x), "b1": (n1, 1), ...} for layer_dims."""
    shapes = {}
    for layer in range(1, len(layer_dims)):
        shapes[f"W{layer}"] = (layer_dims[layer], layer_dims[layer - 1])
        shapes[f"b{layer}"] = (layer_dims[layer], 1)
    return shapes


def _dtype_name(value: Any) -> str:
    """A header dtype as a native name ('>f8' -> 'float64'); ValueError unless float32 or float64."""
    try:
        name = np.dtype(value).name if isinstance(value, str) else None
    except TypeError:
        name = None
    if name not in backends.DTYPES:
        raise ValueError(f"dtype {value!r}, expected one of {', '.join(backends.DTYPES)}")
    return name


def fields(meta: dict) -> dict:
    """The header's fields validated and normalised; KeyError/ValueError/TypeError when damaged."""
    dims = check_layer_dims(meta["layer_dims"])
    acts = meta["activations"]
    if not isinstance(acts, list) or not acts or not all(isinstance(a, str) for a in acts):
        raise ValueError(f"activations must be a list of names, got {acts!r}")
    activations = resolve_activations(acts[:-1], acts[-1], len(dims) - 1)
    return meta | {
        "layer_dims": dims,
        "activations": activations,
        "loss": resolve_loss(meta["loss"], activations[-1]),
        "slope": check_slope(meta["slope"]),
        "init": check_choice("init", meta.get("init", "he"), INITS),
        "seed": _seed(meta.get("seed")),
        "dtype": _dtype_name(meta["dtype"]),
    }


def _check_members(meta: dict, found: dict[str, npz.Member]) -> None:
    """The stored parameters are exactly the header's W and b, with the header's shapes, as floats."""
    dims = meta["layer_dims"]
    expected = expected_shapes(dims)
    stored = set(found) - {META} - set(checkpoint_state.state_names(found))
    if stored != set(expected):
        missing, extra = sorted(set(expected) - stored), sorted(stored - set(expected))
        raise ValueError(f"arrays differ from layer_dims {dims}: missing {missing}, extra {extra}")
    for key, shape in expected.items():
        if found[key].shape != shape:
            raise ValueError(
                f"parameters[{key!r}] is {found[key].shape}, expected {shape} for layer_dims {dims}"
            )
        if found[key].dtype.kind != "f":
            raise ValueError(f"parameters[{key!r}] has dtype {found[key].dtype}, expected a float dtype")


def _with_state(meta: dict, found: dict[str, npz.Member]) -> dict:
    """The header with its version-2 fields validated, checked against the stored state arrays."""
    dims = meta["layer_dims"]
    meta = meta | checkpoint_state.fields(meta, len(dims) - 2, meta["activations"][-1], dims[-1])
    checkpoint_state.check_arrays(meta, checkpoint_state.state_names(found), expected_shapes(dims))
    return meta


def _meta(zf: zipfile.ZipFile, found: dict[str, npz.Member]) -> Any:
    """The decoded JSON header (any JSON value: checked by the caller)."""
    member = found.get(META)
    if member is None or member.dtype != np.uint8 or len(member.shape) != 1:
        raise ValueError("it has no xnn header")
    if member.shape[0] > MAX_META_BYTES:
        raise ValueError(f"its header is {member.shape[0]} bytes, more than {MAX_META_BYTES}")
    return json.loads(npz.read(zf, member).tobytes().decode())


def _check_tag(path: str, meta: Any) -> None:
    """The format tag and version, before anything else is trusted."""
    tag = meta.get("format") if isinstance(meta, dict) else None
    if tag != FORMAT:
        raise CheckpointError(f"{path!r} is not an xnn checkpoint: format tag {tag!r}, expected {FORMAT!r}")
    if meta.get("version") not in READABLE:
        raise CheckpointError(
            f"{path!r} has checkpoint version {meta.get('version')!r}; this xnn reads versions "
            f"{', '.join(map(str, READABLE))}"
        )


def _check_file(path: str) -> None:
    """FileNotFoundError if missing; CheckpointError for a folder, fifo or device (opening one can
    hang) and for a .npy file."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(f"no such checkpoint file: {path!r}") from None
    if not stat.S_ISREG(mode):
        raise CheckpointError(f"{path!r} is a {kind_of(mode)}, not a checkpoint file; pass the .npz path")
    if npz.is_npy(path):
        raise CheckpointError(
            f"{path!r} is a .npy file (one bare array, as np.save writes), not an xnn checkpoint; "
            "a checkpoint is the .npz that Network.save writes"
        )


def _validated(path: str, meta: Any, found: dict[str, npz.Member]) -> dict:
    """The header's fields, checked against each other and the stored arrays (CheckpointError if not)."""
    _check_tag(path, meta)
    try:
        meta = fields(meta)
        _check_members(meta, found)
        meta = _with_state(meta, found)
    except (KeyError, TypeError, ValueError) as e:
        what = f"missing field {e}" if isinstance(e, KeyError) else str(e)
        raise CheckpointError(f"{path!r} is a damaged xnn checkpoint: {what}") from e
    return meta


def _finite(path: str, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """`params` unchanged, or CheckpointError naming the first one holding NaN or inf."""
    for key, value in params.items():
        if not np.isfinite(value).all():
            raise CheckpointError(
                f"{path!r} is a damaged xnn checkpoint: parameters[{key!r}] holds NaN or infinite values"
            )
    return params


def read(path: str | os.PathLike) -> tuple[dict, dict[str, np.ndarray]]:
    """(header, arrays) from a file written by save: the parameters and any training-state arrays;
    CheckpointError for a damaged or foreign file."""
    path = os.fspath(path)
    _check_file(path)
    try:
        with zipfile.ZipFile(path) as zf:
            found = npz.members(zf)
            meta = _validated(path, _meta(zf, found), found)  # before any parameter is read
            params = {key: npz.read(zf, member) for key, member in found.items() if key != META}
    except CheckpointError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, UnicodeDecodeError, RecursionError) as e:
        raise CheckpointError(
            f"{path!r} is not a readable xnn checkpoint ({e}); save one with Network.save"
        ) from e
    return meta, _finite(path, params)


def _dtype(backend: Any, dtype: Any, saved: str) -> Any:
    """The dtype asked for, else the saved one, unless a Backend instance already fixes it."""
    if dtype is not None or not (backend is None or isinstance(backend, str)):
        return dtype
    return saved


def _backend(path: str, backend: Any, dtype: Any) -> Any:
    """The backend to load onto; a bad name or dtype is the request's fault, not the file's."""
    try:
        return backends.as_backend(backend, dtype)
    except ValueError as e:
        raise ValueError(f"cannot load {path!r} as asked (the checkpoint itself is fine): {e}") from e


def load(cls: Any, path: str | os.PathLike, backend: Any = None, dtype: Any = None) -> Any:
    """A `cls` (Network) rebuilt from `path`, on `backend`, in the saved dtype unless `dtype` is given."""
    path = os.fspath(path)
    meta, arrays = read(path)
    shapes = expected_shapes(meta["layer_dims"])
    net = cls(
        meta["layer_dims"],
        hidden=meta["activations"][:-1],
        output=meta["activations"][-1],
        loss=meta["loss"],
        init=meta["init"],
        seed=meta["seed"],
        backend=_backend(path, backend, _dtype(backend, dtype, meta["dtype"])),
        slope=meta["slope"],
        lambd=meta["lambd"],
        keep_prob=meta["keep_prob"],
        dropout_rng=meta["dropout_rng"],
    )
    net.parameters = {key: arrays[key] for key in shapes}
    try:
        checkpoint_state.restore(net, meta, {k: v for k, v in arrays.items() if k not in shapes})
    except ValueError as e:
        raise CheckpointError(f"{path!r} is a damaged xnn checkpoint: {e}") from e
    return net
