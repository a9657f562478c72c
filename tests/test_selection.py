"""Backend selection: XNN_BACKEND / XNN_DTYPE, get/set/use_backend, errors, lazy imports, signatures."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import numpy as np
import pytest

import backends
import xnn
from backends._base import Backend


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter with extra environment variables."""
    import os

    full_env = {k: v for k, v in os.environ.items() if not k.startswith("XNN_")} | env
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=full_env, timeout=120
    )


@pytest.mark.parametrize(
    ("value", "expected"), [("python", "python"), (" NumPy ", "numpy"), ("", "numpy"), ("auto", None)]
)
def test_xnn_backend_env_is_read_at_first_use(value, expected):
    out = run_python("import backends; print(backends.get_backend().name)", XNN_BACKEND=value)
    assert out.returncode == 0, out.stderr
    usable = backends.available_backends()
    auto = "cupy" if usable.get("cupy") is None else "numpy"
    assert out.stdout.strip() == (expected or auto)


def test_unknown_env_backend_lists_names_and_source():
    out = run_python("import backends; backends.get_backend()", XNN_BACKEND="nope")
    assert out.returncode != 0
    assert "unknown backend 'nope' (from XNN_BACKEND)" in out.stderr
    assert ", ".join(backends.backend_names()) in out.stderr


def test_unknown_argument_backend_says_it_came_from_the_argument():
    with pytest.raises(
        ValueError, match=r"unknown backend 'tpu' \(from the argument\); expected one of numpy"
    ):
        backends.get_backend("tpu")


def test_import_backends_imports_neither_numba_nor_cupy():
    code = (
        "import backends, sys; backends.get_backend(); print('numba' in sys.modules, 'cupy' in sys.modules)"
    )
    out = run_python(code)
    assert out.stdout.strip() == "False False", out.stderr


def test_dtype_from_env_and_argument(monkeypatch):
    monkeypatch.setenv("XNN_DTYPE", "float64")
    assert backends.get_backend("numpy").dtype == np.float64
    assert backends.get_backend("numpy", "float32").dtype == np.float32
    monkeypatch.setenv("XNN_DTYPE", "float16")
    with pytest.raises(ValueError, match=r"unsupported dtype 'float16' \(from XNN_DTYPE\)"):
        backends.get_backend("numpy")
    with pytest.raises(ValueError, match="unknown dtype 'banana'"):
        backends.resolve_dtype("banana")


def test_use_backend_scopes_and_restores():
    before = backends.get_backend()
    with backends.use_backend("python") as be:
        assert be.name == "python" and backends.get_backend() is be
        with backends.use_backend("numpy", "float64") as inner:
            assert backends.get_backend() is inner
        assert backends.get_backend() is be
    assert backends.get_backend() is before


def test_set_backend_then_reset():
    try:
        assert backends.set_backend("python").name == "python"
        assert backends.get_backend().name == "python"
    finally:
        backends.set_backend(None)
    assert backends.get_backend().name == "numpy"


def test_unusable_backend_raises_with_cause_and_fix(monkeypatch):
    monkeypatch.setitem(backends.REGISTRY, "numba", "backends.numba_backend:NumbaBackend")
    monkeypatch.setitem(sys.modules, "numba", None)  # what an uninstalled numba looks like to import
    monkeypatch.delitem(sys.modules, "backends.numba_backend", raising=False)
    monkeypatch.setattr(backends, "_instances", {})
    with pytest.raises(backends.BackendUnavailableError, match="pip install numba") as info:
        backends.get_backend("numba")
    assert isinstance(info.value.__cause__, ImportError)
    assert isinstance(info.value, RuntimeError)
    assert backends.available_backends()["numba"] is not None


def test_available_backends_reports_numpy_and_python_usable():
    status = backends.available_backends()
    assert set(status) == set(backends.REGISTRY)
    assert status["numpy"] is None and status["python"] is None


def backend_classes():
    for name, target in backends.REGISTRY.items():
        module, _, cls = target.partition(":")
        try:
            yield pytest.param(getattr(importlib.import_module(module), cls), id=name)
        except ImportError as e:
            yield pytest.param(
                None, id=name, marks=pytest.mark.skip(reason=f"{module} not importable here: {e}")
            )


@pytest.mark.parametrize("cls", list(backend_classes()))
def test_every_public_method_has_the_base_signature(cls):
    public = [n for n, v in inspect.getmembers(Backend) if callable(v) and not n.startswith("_")]
    assert len(public) > 40
    for name in public:
        want, got = inspect.signature(getattr(Backend, name)), inspect.signature(getattr(cls, name))
        assert list(got.parameters) == list(want.parameters), f"{cls.__name__}.{name}{got} != {want}"
        defaults = [(p.name, p.default, p.kind) for p in got.parameters.values()]
        assert defaults == [(p.name, p.default, p.kind) for p in want.parameters.values()], name
    extra = [n for n, v in vars(cls).items() if callable(v) and not n.startswith("_") and n not in public]
    assert not extra, f"{cls.__name__} adds public methods outside the contract: {extra}"


def test_name_and_dtype_resolve_independently_inside_use_backend():
    with backends.use_backend("python"):
        be = backends.get_backend(dtype="float64")
        assert (be.name, be.dtype.name) == ("python", "float64")
        net = xnn.Network([2, 1], dtype="float64")
        assert (net.be.name, net.dtype) == ("python", "float64")
    with backends.use_backend("python", "float64"):
        assert backends.get_backend("numpy").dtype.name == "float64"  # the context's dtype
        assert backends.get_backend().name == "python"


def test_non_native_byte_order_never_reaches_the_cache():
    swapped = ">f8" if np.little_endian else "<f8"
    be = backends.get_backend("numpy", swapped)
    assert be.dtype == np.dtype("float64") and be.dtype.isnative
    assert backends.get_backend("numpy", "float64") is be
    assert backends.resolve_dtype(np.dtype(swapped)).isnative
