"""Network.load trusts nothing: header and stored shapes are checked before anything is allocated,
dtypes are normalised before a backend sees them, and every bad file or request is a clear error."""

from __future__ import annotations

import io
import json
import os
import tracemalloc
import zipfile

import numpy as np
import pytest

import backends
import xnn
from xnn import checkpoint, npz
from xnn.errors import CheckpointError

NET = xnn.Network([2, 3, 3, 1], seed=0)


def npy_bytes(shape, dtype="<f8", data=b"") -> bytes:
    """A .npy member whose header says `shape`, followed by whatever `data` is."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue() + data


def meta_bytes(header) -> bytes:
    raw = json.dumps(header).encode() if not isinstance(header, bytes) else header
    return npy_bytes((len(raw),), "|u1", raw)


def write_zip(path, members: dict[str, bytes], method=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, raw in members.items():
            zf.writestr(name, raw)
    return path


def write_checkpoint(path, header=None, params=None, method=zipfile.ZIP_STORED):
    """A checkpoint assembled by hand: the header and arrays given (NET's by default)."""
    header = checkpoint.header(NET) if header is None else header
    members = {"__xnn__.npy": meta_bytes(header)}
    for key, value in (NET.parameters if params is None else params).items():
        buf = io.BytesIO()
        np.save(buf, value)
        members[f"{key}.npy"] = buf.getvalue()
    return write_zip(path, members, method)


def load_error(path, match, **kwargs):
    with pytest.raises(CheckpointError, match=match) as info:
        xnn.Network.load(path, **kwargs)
    return str(info.value)


# -- item 10: the header is validated against the stored shapes before any allocation ---------------
@pytest.mark.parametrize(
    "claim",
    [
        {"layer_dims": [2, 6000, 6000, 1]},
        {"layer_dims": [2, 10**6, 10**6, 1]},
        {"layer_dims": [2, 10**12, 1], "activations": ["relu", "sigmoid"]},
    ],
)
def test_a_tiny_file_claiming_a_huge_network_is_rejected_before_allocating(tmp_path, claim):
    path = write_checkpoint(tmp_path / "liar.npz", checkpoint.header(NET) | claim)
    assert os.path.getsize(path) < 4096
    tracemalloc.start()
    try:
        load_error(path, r"damaged xnn checkpoint: (parameters\['W1'\] is \(3, 2\)|arrays differ)")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20  # nothing close to the claimed size was ever allocated


def test_a_member_whose_npy_header_claims_more_than_it_holds_is_rejected(tmp_path):
    members = {"__xnn__.npy": meta_bytes(checkpoint.header(xnn.Network([2, 1])))}
    members["W1.npy"] = npy_bytes((10**6, 10**6), data=b"\0" * 16)  # 8 TB claimed, 16 bytes held
    members["b1.npy"] = npy_bytes((1, 1), data=b"\0" * 8)
    path = write_zip(tmp_path / "m.npz", members)
    tracemalloc.start()
    try:
        load_error(
            path,
            r"not a readable xnn .*'W1.npy' claims 8000000000128 bytes in its header but holds 144",
        )
        assert tracemalloc.get_traced_memory()[1] < 1 << 20
    finally:
        tracemalloc.stop()


def test_a_compressed_size_that_no_deflate_stream_can_expand_to_is_rejected():
    info = zipfile.ZipInfo("W1.npy")
    info.compress_type, info.compress_size, info.file_size = zipfile.ZIP_DEFLATED, 100, 10**9
    with pytest.raises(ValueError, match="claims 1000000000 bytes from 100"):
        npz._check_size(info, 10**9, archive_bytes=10**6)
    info.compress_type = zipfile.ZIP_STORED
    with pytest.raises(ValueError, match="claims 1000000000 bytes from 100"):
        npz._check_size(info, 10**9, archive_bytes=10**6)
    info.compress_size = 10**7
    with pytest.raises(ValueError, match="larger than the whole file"):
        npz._check_size(info, 10**9, archive_bytes=10**6)


def test_a_compressed_checkpoint_still_loads(tmp_path):
    path = write_checkpoint(tmp_path / "c.npz", method=zipfile.ZIP_DEFLATED)
    loaded = xnn.Network.load(path)
    assert all(np.array_equal(loaded.parameters[k], v) for k, v in NET.parameters.items())


# -- item 11: a non-native byte order is normalised before it reaches backend selection -------------
def test_header_dtype_in_any_byte_order_is_normalised_on_every_backend(be, tmp_path):
    swapped = ">" if np.dtype("=f8").byteorder in "=<" else "<"
    header = checkpoint.header(NET) | {"dtype": swapped + be.dtype.str[1:]}  # '>f4' / '>f8'
    big_endian = {k: v.astype(v.dtype.newbyteorder(swapped)) for k, v in NET.parameters.items()}
    path = write_checkpoint(tmp_path / "be.npz", header, big_endian)
    net = xnn.Network.load(path, backend=be.name)
    assert net.dtype == be.dtype.name and net.be is be
    X = np.random.default_rng(1).standard_normal((2, 5))
    np.testing.assert_allclose(net.predict_proba(X), NET.predict_proba(X), rtol=1e-5)
    assert backends.get_backend(be.name, be.dtype.name) is be  # the cache was never keyed on '>f8'
    assert net.parameters["W1"].dtype.isnative


@pytest.mark.parametrize("dtype", ["float16", "int64", "|O", "f8,f4", 64, ["float64"], None, "nonsense"])
def test_unsupported_header_dtypes_are_damage(tmp_path, dtype):
    path = write_checkpoint(tmp_path / "d.npz", checkpoint.header(NET) | {"dtype": dtype})
    load_error(path, r"damaged xnn checkpoint: dtype .*, expected one of float32, float64")


# -- item 12: clear errors instead of tracebacks ----------------------------------------------------
def test_a_npy_file_is_named_as_such(tmp_path):
    path = tmp_path / "weights.npy"
    np.save(path, np.zeros(3))
    load_error(path, r"'.*weights.npy' is a .npy file \(one bare array, as np.save writes\), not an xnn")


@pytest.mark.parametrize("source", ["env", "argument"])
def test_a_mistyped_backend_name_is_not_called_damage(monkeypatch, tmp_path, source):
    path = tmp_path / "good.npz"
    NET.save(path)
    monkeypatch.setenv("XNN_BACKEND", "nmupy")
    kwargs = {} if source == "env" else {"backend": "nmupy"}
    with pytest.raises(ValueError) as info:
        xnn.Network.load(path, **kwargs)
    message = str(info.value)
    assert "unknown backend 'nmupy'" in message and ", ".join(backends.backend_names()) in message
    assert "the checkpoint itself is fine" in message and "damaged" not in message
    assert ("XNN_BACKEND" in message) is (source == "env")
    assert not isinstance(info.value, CheckpointError)


def test_a_bad_dtype_request_is_not_called_damage(tmp_path):
    NET.save(tmp_path / "good.npz")
    with pytest.raises(ValueError, match=r"cannot load .* as asked \(the checkpoint itself is fine\): unsup"):
        xnn.Network.load(tmp_path / "good.npz", dtype="float16")


def test_a_folder_or_fifo_is_refused_without_opening_it(tmp_path):
    os.mkfifo(tmp_path / "pipe")  # opening a fifo for reading would block forever
    load_error(tmp_path / "pipe", r"is a fifo \(named pipe\), not a checkpoint file")
    load_error(tmp_path, r"is a directory, not a checkpoint file")


GOOD = checkpoint.header(NET)


@pytest.mark.parametrize(
    ("header", "match"),
    [
        ({k: v for k, v in GOOD.items() if k != "layer_dims"}, "missing field 'layer_dims'"),
        (GOOD | {"layer_dims": "2,3,3,1"}, "layer_dims must list at least two sizes"),
        (GOOD | {"layer_dims": [2, 3, 3.0, 1]}, "layer_dims must be positive integers"),
        (GOOD | {"layer_dims": [2, -3, 3, 1]}, "layer_dims must be positive integers"),
        (GOOD | {"activations": "relu"}, "activations must be a list of names"),
        (GOOD | {"activations": ["relu", "sigmoid"]}, "hidden lists 1 activations"),
        (GOOD | {"activations": ["relu", "relu", "softplus"]}, "unknown activation 'softplus'"),
        (GOOD | {"loss": "hinge"}, "unknown loss 'hinge'"),
        (GOOD | {"loss": "bce", "activations": ["relu", "relu", "linear"]}, "loss 'bce' needs output"),
        (GOOD | {"slope": float("nan")}, "slope must be a finite number"),
        (GOOD | {"slope": "0.01"}, "slope must be a finite number"),
        (GOOD | {"init": "glorot"}, "unknown init 'glorot'"),
        (GOOD | {"seed": "zero"}, "cannot store seed 'zero'"),
    ],
)
def test_damaged_header_fields_are_named(tmp_path, header, match):
    load_error(write_checkpoint(tmp_path / "h.npz", header), f"damaged xnn checkpoint: .*{match}")


def test_stored_arrays_must_match_the_header(tmp_path):
    params = NET.parameters
    extra = write_checkpoint(tmp_path / "x.npz", params=params | {"W9": np.zeros((1, 1))})
    load_error(extra, r"arrays differ from layer_dims \[2, 3, 3, 1\]: missing \[\], extra \['W9'\]")
    missing = write_checkpoint(tmp_path / "m.npz", params={k: v for k, v in params.items() if k != "b2"})
    load_error(missing, r"missing \['b2'\], extra \[\]")
    ints = write_checkpoint(tmp_path / "i.npz", params=params | {"W1": np.zeros((3, 2), dtype=np.int64)})
    load_error(ints, r"parameters\['W1'\] has dtype int64, expected a float dtype")
    nan = write_checkpoint(tmp_path / "n.npz", params=params | {"b3": np.full((1, 1), np.nan)})
    load_error(nan, r"parameters\['b3'\] holds NaN or infinite values")


def test_pickled_members_and_odd_archives_are_refused(tmp_path):
    obj = tmp_path / "o.npz"
    with open(obj, "wb") as f:
        np.savez(f, __xnn__=np.array([{"evil": 1}], dtype=object))
    load_error(obj, r"not a readable xnn checkpoint \(member '__xnn__.npy' has dtype object; .*no pickles")
    odd = write_zip(tmp_path / "z.npz", {"__xnn__.npy": meta_bytes(GOOD), "README.txt": b"hi"})
    load_error(odd, r"unexpected or repeated member 'README.txt'")
    empty = write_zip(tmp_path / "e.npz", {})
    load_error(empty, r"it has no xnn header")


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        (b"[" * 100_000 + b"]" * 100_000, r"not a readable xnn checkpoint"),  # RecursionError in json
        (b"\xff\xfe", r"not a readable xnn checkpoint"),
        (b"{not json", r"not a readable xnn checkpoint"),
        (b"[1, 2]", r"format tag None, expected 'xnn.network'"),
    ],
)
def test_malformed_json_headers_are_clear(tmp_path, raw, match):
    path = write_zip(tmp_path / "j.npz", {"__xnn__.npy": meta_bytes(raw)})
    load_error(path, match)


def test_an_oversized_header_is_refused_before_reading_it(tmp_path):
    raw = b" " * (checkpoint.MAX_META_BYTES + 1)
    path = write_zip(tmp_path / "big.npz", {"__xnn__.npy": meta_bytes(raw)})
    load_error(path, r"its header is 1048577 bytes, more than 1048576")


def test_roundtrip_through_the_checked_reader_on_every_backend(be, tmp_path):
    net = xnn.Network([2, 3, 3, 1], hidden=["tanh", "relu"], seed=4, backend=be)
    net.save(tmp_path / "m.npz")
    loaded = xnn.Network.load(tmp_path / "m.npz")  # onto the default backend, in the saved dtype
    assert loaded.dtype == be.dtype.name and loaded.activations == ["tanh", "relu", "sigmoid"]
    back = xnn.Network.load(tmp_path / "m.npz", backend=be)
    assert back.be is be
    for key, value in net.parameters.items():
        np.testing.assert_array_equal(loaded.parameters[key], value)
        np.testing.assert_array_equal(back.parameters[key], value)
