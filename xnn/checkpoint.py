"""Save and load a Network as .npz: the parameters plus the architecture as JSON, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from typing import Any

import numpy as np

FORMAT = "xnn.network"
VERSION = 1
META = "__xnn__"  # the archive member holding the JSON header as uint8 bytes


def header(net: Any) -> dict:
    """Everything needed to rebuild `net` besides its parameters."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "layer_dims": net.layer_dims,
        "activations": net.activations,
        "loss": net.loss,
        "slope": net.slope,
        "dtype": net.dtype,
        "init": net.init,
        "seed": net.seed,
    }


def save(net: Any, path: str | os.PathLike) -> None:
    """Write `net` to `path`: a temp file in the same folder, then os.replace, so no partial file is left."""
    path = os.fspath(path)
    meta = np.frombuffer(json.dumps(header(net)).encode(), dtype=np.uint8)
    arrays = {META: meta, **net.parameters}
    fd, tmp = tempfile.mkstemp(prefix=".xnn-", suffix=".tmp", dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def read(path: str | os.PathLike) -> tuple[dict, dict[str, np.ndarray]]:
    """(header, parameters) from a file written by save; ValueError for a corrupted or foreign file."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such checkpoint file: {path!r}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not isinstance(archive, np.lib.npyio.NpzFile) or META not in archive.files:
                raise ValueError("it has no xnn header")
            arrays = {name: archive[name] for name in archive.files}
        meta = json.loads(arrays.pop(META).tobytes().decode())
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, UnicodeDecodeError, KeyError) as e:
        raise ValueError(
            f"{path!r} is not a readable xnn checkpoint ({e}); save one with Network.save"
        ) from e
    tag = meta.get("format") if isinstance(meta, dict) else None
    if tag != FORMAT:
        raise ValueError(f"{path!r} is not an xnn checkpoint: format tag {tag!r}, expected {FORMAT!r}")
    if meta.get("version") != VERSION:
        raise ValueError(
            f"{path!r} has checkpoint version {meta.get('version')!r}; this xnn reads version {VERSION}"
        )
    return meta, arrays


def _dtype(backend: Any, dtype: Any, saved: str) -> Any:
    """The dtype asked for, else the saved one, unless a Backend instance already fixes it."""
    if dtype is not None or not (backend is None or isinstance(backend, str)):
        return dtype
    return saved


def load(cls: Any, path: str | os.PathLike, backend: Any = None, dtype: Any = None) -> Any:
    """A `cls` (Network) rebuilt from `path`, on `backend`, in the saved dtype unless `dtype` is given."""
    meta, params = read(path)
    try:
        net = cls(
            meta["layer_dims"],
            hidden=meta["activations"][:-1],
            output=meta["activations"][-1],
            loss=meta["loss"],
            init=meta.get("init", "he"),
            seed=meta.get("seed"),
            backend=backend,
            dtype=_dtype(backend, dtype, meta["dtype"]),
            slope=meta["slope"],
        )
        net.parameters = params
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{path!r} is a damaged xnn checkpoint: {e}") from e
    return net
