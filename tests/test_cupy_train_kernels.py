"""The cupy backend's training kernels against NumPy, with and without a GPU.

Without one, the fake cupy runs the kernels' CUDA C++ sources on the CPU (`cuda_on_host`): the
formulas, argument order, scalar dtypes, in-place writes and nan handling are all checked here.
With one (marked `gpu`), the same tests run on the real device.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
import train_oracle as oracle
from cuda_on_host import CXX, elementwise_kernel, reduction_kernel
from fake_cupy import FakeDeviceArray, device_only, fake_cupy, on_device, reject_host
from helpers import assert_close, host

import backends
from backends._base import bce_epsilon

MODULES = ("cupy", "backends.cupy_backend", "backends._cupy_kernels")


def on_the_host(cp, factory):
    """A kernel class for the fake cupy whose kernels really run (compiled for the CPU)."""

    def build(*definition, **options):
        cp.built_kernels.append(definition[-1])
        kernel = factory(*definition, **options)

        def launch(*args, **kwargs):
            reject_host(*args)
            out = kernel(*args, **kwargs)
            return out if isinstance(out, FakeDeviceArray | tuple) else on_device(out)

        return launch

    return build


class FakeGenerator:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def random(self, shape, dtype=np.float64):
        return on_device(self.rng.random(shape, dtype=dtype))


def host_cupy():
    """fake_cupy whose kernels run on the CPU, plus what the training ops use."""
    cp = fake_cupy()
    cp.ElementwiseKernel = on_the_host(cp, elementwise_kernel)
    cp.ReductionKernel = on_the_host(cp, reduction_kernel)
    for name in ("take", "argmax", "ascontiguousarray"):
        setattr(cp, name, device_only(name))
    cp.may_share_memory, cp.shares_memory = np.may_share_memory, np.shares_memory
    cp.intp, cp.int64 = np.intp, np.int64
    cp.random = type(sys)("cupy.random")
    cp.random.default_rng = FakeGenerator
    return cp


WHERE = [
    "host-float32",
    "host-float64",
    *(pytest.param(f"gpu-{t}", marks=pytest.mark.gpu) for t in ("float32", "float64")),
]


@pytest.fixture(params=WHERE)
def cbe(request, monkeypatch):
    """A CupyBackend: on the fake cupy with CPU-compiled kernels, or on a real GPU (marked gpu)."""
    where, dtype = request.param.split("-")
    if where == "gpu":
        try:
            return backends.get_backend("cupy", dtype)
        except backends.BackendUnavailableError as e:
            pytest.skip(f"needs cupy and a CUDA GPU: {e}")
    if CXX is None:
        pytest.skip("needs a C++ compiler (g++) to run the CUDA kernel sources on the CPU")
    monkeypatch.setattr(backends, "_instances", {})
    for name in MODULES:
        monkeypatch.setitem(sys.modules, name, None)  # remembered, restored after the test
        monkeypatch.delitem(sys.modules, name)
    for attr in ("cupy_backend", "_cupy_kernels"):
        monkeypatch.setattr(backends, attr, None, raising=False)
    monkeypatch.setitem(sys.modules, "cupy", host_cupy())
    return backends.get_backend("cupy", dtype)


@pytest.mark.parametrize("shape", [(), (1,), (3, 7), (40, 50)], ids=str)
@pytest.mark.parametrize("kind", list(oracle.UPDATES))
def test_updates_in_place(cbe, kind, shape):
    call, formula = oracle.UPDATES[kind]
    inputs = oracle.update_inputs(shape, len(shape), cbe.dtype)
    if inputs[1].size > 2:
        inputs[1].flat[:2] = [np.nan, np.inf]
    expected, scale = formula(*inputs), oracle.update_scale(*inputs)
    args = [cbe.asarray(x) for x in inputs]
    got = call(cbe, *args)
    updated = {"momentum": [0, 2], "rmsprop": [0, 3], "adam": [0, 2, 3]}[kind]
    for out, want, k in zip(got, expected, updated, strict=True):
        assert out is args[k]
        assert_close(cbe, out, want.astype(cbe.dtype), scale=scale, ulps=8)


@pytest.mark.parametrize("kind", list(oracle.UPDATES))
def test_updates_with_an_aliased_grad_and_a_strided_param(cbe, kind):
    call, formula = oracle.UPDATES[kind]
    p, g, v, s = oracle.update_inputs((4, 6), 1, cbe.dtype)
    expected, scale = formula(p, p, v, s), oracle.update_scale(p, p, v, s)
    big = cbe.zeros((8, 12))
    P = big[::2, ::2]
    P[...] = cbe.asarray(p)
    got = call(cbe, P, P, cbe.asarray(v), cbe.asarray(s))
    assert_close(cbe, got[0], expected[0].astype(cbe.dtype), scale=scale, ulps=8)
    assert_close(cbe, big[::2, ::2], expected[0].astype(cbe.dtype), scale=scale, ulps=8)
    assert (host(cbe, big[1::2]) == 0).all() and (host(cbe, big[:, 1::2]) == 0).all()


@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (10, 300), (5,), (4, 3, 2)], ids=str)
def test_softmax_and_backward(cbe, shape):
    rng = np.random.default_rng(sum(shape))
    Z = rng.uniform(-40, 40, shape).astype(cbe.dtype)
    Z.flat[:3] = [1e4, -1e4, 9999.0][: Z.size]
    dA = rng.normal(size=shape).astype(cbe.dtype)
    S = cbe.softmax(cbe.asarray(Z))
    assert np.isfinite(host(cbe, S)).all()
    assert_close(cbe, S, oracle.softmax(Z).astype(cbe.dtype), scale=1.0, ulps=8)
    dZ = cbe.softmax_backward(cbe.asarray(dA), cbe.asarray(Z))
    assert_close(
        cbe, dZ, oracle.softmax_backward(dA, Z).astype(cbe.dtype), scale=np.abs(dA).max() + 1, ulps=32
    )


def test_softmax_nan_and_inf_columns(cbe):
    inf, nan = np.inf, np.nan
    Z = np.array([[0.0, nan, inf, -inf, -inf], [1.0, 2.0, 3.0, -inf, 5.0]], dtype=cbe.dtype)
    assert_close(cbe, cbe.softmax(cbe.asarray(Z)), oracle.softmax(Z).astype(cbe.dtype), scale=1.0, ulps=8)


@pytest.mark.parametrize("m", [1, 7, 1000])
def test_categorical_cross_entropy_is_one_reduction_to_0d(cbe, m):
    rng = np.random.default_rng(m)
    AL = oracle.softmax(rng.normal(size=(4, m))).astype(cbe.dtype)
    AL[0, 0] = 0.0
    Y = (np.arange(4)[:, None] == rng.integers(0, 4, m)).astype(cbe.dtype)
    cost = cbe.categorical_cross_entropy(cbe.asarray(AL), cbe.asarray(Y))
    assert host(cbe, cost).shape == ()
    expected = oracle.categorical_cross_entropy(AL, Y, bce_epsilon(cbe.dtype))
    assert abs(cbe.item(cost) - expected) <= 64 * float(np.finfo(cbe.dtype).eps) * (expected + 16)


def test_dropout_mask_is_drawn_on_the_device(cbe):
    mask = cbe.dropout_mask((300, 200), 0.8, seed=3)
    values = host(cbe, mask)
    assert values.dtype == cbe.dtype and values.shape == (300, 200)
    assert set(np.unique(values)) <= {0.0, cbe.dtype.type(1 / 0.8)}
    assert values.mean() == pytest.approx(1.0, abs=0.02)
    np.testing.assert_array_equal(host(cbe, cbe.dropout_mask((300, 200), 0.8, seed=3)), values)


def test_take_and_argmax_are_numpys_on_cupy_with_host_indices_checked(cbe):
    X = np.arange(24.0).reshape(4, 6).astype(cbe.dtype)
    X[2, 1] = np.nan
    x = cbe.asarray(X)
    np.testing.assert_array_equal(host(cbe, cbe.take(x, np.array([5, -1, 0]), 1)), X[:, [5, -1, 0]])
    np.testing.assert_array_equal(host(cbe, cbe.argmax(x, 0)), np.argmax(X, axis=0))
    with pytest.raises(IndexError, match="index 6 is out of bounds for axis 1 with size 6"):
        cbe.take(x, np.array([0, 6]), 1)


def test_host_arrays_name_the_argument_and_the_fix(cbe):
    dev, hst = cbe.asarray(np.ones((2, 3))), np.ones((2, 3), cbe.dtype)
    v, s = cbe.zeros((2, 3)), cbe.zeros((2, 3))
    calls = {
        "adam_update_: got a numpy.ndarray for argument grad": lambda: cbe.adam_update_(
            dev, hst, v, s, 0.1, 0.9, 0.99, 1e-8, 1
        ),
        "momentum_update_: got a numpy.ndarray for argument param": lambda: cbe.momentum_update_(
            hst, dev, v, 0.1, 0.9
        ),
        "softmax: got a numpy.ndarray for argument Z": lambda: cbe.softmax(hst),
        "categorical_cross_entropy: got a numpy.ndarray for argument Y": lambda: (
            cbe.categorical_cross_entropy(dev, hst)
        ),
    }
    for message, call in calls.items():
        with pytest.raises(TypeError, match="move it with be.asarray") as info:
            call()
        assert str(info.value).startswith(message)


def test_kernels_are_built_on_first_use_with_their_names(cbe):
    cp = sys.modules["cupy"]
    if not hasattr(cp, "built_kernels"):
        pytest.skip("the fake cupy records kernel builds; real cupy does not")
    Z = cbe.asarray(np.ones((3, 4)))
    cbe.softmax(Z)
    cbe.softmax(Z)
    cbe.momentum_update_(cbe.zeros((3, 4)), Z, cbe.zeros((3, 4)), 0.1, 0.9)
    cbe.categorical_cross_entropy(Z, Z)
    assert cp.built_kernels == ["xnn_softmax", "xnn_momentum_update_", "xnn_cce"]
