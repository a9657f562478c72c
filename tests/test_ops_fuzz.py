"""The op fuzzer: random ops on random shapes (empty and size-1 included), operands in C, Fortran,
negative-stride and strided layouts, values with NaN/inf, tuple axes, against NumPy on every backend.

Each family draws FUZZ_CASES examples per backend and dtype: a few in the default run, enough in the
`thorough` profile (`make fuzz`) for more than 10,000 op cases per backend.
"""

from __future__ import annotations

import numpy as np
import pytest
from fuzzing import axes_for, operand
from helpers import FUZZ_CASES, MUTABLE_STORAGE, assert_close, host, ld_derivative, ld_sigmoid, small_shapes
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from backends._base import ACTIVATIONS, bce_epsilon

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's own, on inf - inf etc.
UNARY = ("exp", "log", "tanh", "sqrt", "negative", "abs")
BINARY = {"add": 1e6, "subtract": 1e6, "multiply": 1e3, "divide": 1e3, "maximum": 1e6, "minimum": 1e6}
SLOPE = 0.05


def quiet(f, *args, **kwargs):
    with np.errstate(all="ignore"):
        return np.asarray(f(*args, **kwargs))


def unary(be, data):
    op = data.draw(st.sampled_from(UNARY))
    x, xn = operand(be, data, data.draw(small_shapes()))
    assert_close(be, getattr(be, op)(x), quiet(getattr(np, op), xn), ulps=8)


def binary(be, data):
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4))
    op = data.draw(st.sampled_from([*BINARY, "power", "greater", "where"]))
    bound = BINARY.get(op, 10.0)
    (a, an), (b, bn) = (operand(be, data, s, -bound, bound) for s in shapes.input_shapes)
    if op == "power":  # a positive base keeps both sides real; NaN/inf still come through
        a, an = operand(be, data, shapes.input_shapes[0], 0.0, 10.0)
    if op == "greater":
        np.testing.assert_array_equal(host(be, be.greater(a, b)), an > bn)
    elif op == "where":
        assert_close(be, be.where(be.greater(a, b), a, b), np.where(an > bn, an, bn))
    else:
        assert_close(be, getattr(be, op)(a, b), quiet(getattr(np, op), an, bn), ulps=4)


def clip(be, data):
    x, xn = operand(be, data, data.draw(small_shapes()), -10, 10)
    lo, hi = data.draw(st.floats(-5, 0)), data.draw(st.floats(0, 5))
    assert_close(be, be.clip(x, lo, hi), np.clip(xn, be.dtype.type(lo), be.dtype.type(hi)))


def reduction(be, data):
    op = data.draw(st.sampled_from(["sum", "max", "mean"]))
    x, xn = operand(be, data, data.draw(small_shapes(min_side=1 if op == "max" else 0)), -1e4, 1e4)
    axis, keepdims = data.draw(axes_for(xn.ndim)), data.draw(st.booleans())
    expected = quiet(getattr(np, op), xn, axis=axis, keepdims=keepdims)
    terms = max(1, xn.size // max(1, expected.size))
    with np.errstate(all="ignore"):
        scale = np.sum(np.abs(xn), axis=axis, keepdims=keepdims, dtype=np.float64)
    scale = scale / (terms if op == "mean" else 1)
    assert_close(be, getattr(be, op)(x, axis=axis, keepdims=keepdims), expected, scale=scale, ulps=terms + 4)


def shape_op(be, data):
    x, xn = operand(be, data, data.draw(small_shapes(min_dims=1)))
    op = data.draw(st.sampled_from(["transpose", "reshape", "broadcast_to", "copy", "astype"]))
    if op == "transpose":
        axes = tuple(data.draw(st.permutations(range(xn.ndim))))
        np.testing.assert_array_equal(host(be, be.transpose(x, axes)), np.transpose(xn, axes))
    elif op == "reshape":
        np.testing.assert_array_equal(host(be, be.reshape(x, (-1,))), xn.reshape(-1))
    elif op == "broadcast_to":
        target = (data.draw(st.integers(0, 3)), *xn.shape)
        np.testing.assert_array_equal(host(be, be.broadcast_to(x, target)), np.broadcast_to(xn, target))
    elif op == "copy":
        np.testing.assert_array_equal(host(be, be.copy(x)), xn)
    else:
        np.testing.assert_array_equal(host(be, be.astype(x, "float64")), xn.astype(np.float64))


FORWARD = {
    "sigmoid": ld_sigmoid,
    "tanh": lambda z: np.tanh(z.astype(np.longdouble)),
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, SLOPE * z.astype(np.float64)),
    "linear": lambda z: z,
}
BACKWARD = {  # the relus select on Z > 0 (NaN compares false); the others multiply, as NumPy
    "sigmoid": lambda dA, z: dA * ld_derivative("sigmoid", z),
    "tanh": lambda dA, z: dA * ld_derivative("tanh", z),
    "relu": lambda dA, z: np.where(z > 0, dA, 0.0),
    "leaky_relu": lambda dA, z: np.where(z > 0, dA, SLOPE * dA.astype(np.float64)),
    "linear": lambda dA, z: dA,
}


def activation(be, data):
    g = data.draw(st.sampled_from(ACTIVATIONS))
    shape = data.draw(small_shapes(min_dims=2, max_dims=2, max_side=6))
    (Z, Zn), (dA, dAn) = operand(be, data, shape, -50, 50), operand(be, data, shape, -5, 5)
    want_A = quiet(FORWARD[g], Zn).astype(np.float64)  # before the in-place twins (Zn may be Z itself)
    want_dZ = quiet(BACKWARD[g], dAn, Zn).astype(np.float64)
    assert_close(be, be.activation_forward(Z, g, slope=SLOPE), want_A, ulps=8)
    assert_close(be, be.activation_backward(dA, Z, g, slope=SLOPE), want_dZ, ulps=8)
    # the in-place twins on the same layouts (views, Fortran, negative strides): the same values,
    # written over dA, then Z, where the backend may; backward first, as it still reads Z
    assert_close(be, be.activation_backward_(dA, Z, g, slope=SLOPE), want_dZ, ulps=8)
    assert_close(be, be.activation_forward_(Z, g, slope=SLOPE), want_A, ulps=8)


def linear(be, data):
    n, k, m = (data.draw(st.integers(1, 6)) for _ in range(3))
    (W, Wn), (A, An) = operand(be, data, (n, k), -3, 3, False), operand(be, data, (k, m), -3, 3, False)
    (b, bn), (dZ, dZn) = operand(be, data, (n, 1), -3, 3, False), operand(be, data, (n, m), -3, 3, False)
    w, a, dz = (x.astype(np.float64) for x in (Wn, An, dZn))
    assert_close(be, be.matmul(W, A), w @ a, scale=np.abs(w) @ np.abs(a), ulps=k + 4)
    Z = be.linear_forward(W, A, b)
    assert_close(be, Z, w @ a + bn, scale=np.abs(w) @ np.abs(a) + np.abs(bn), ulps=k + 4)
    dA_prev, dW, db = be.linear_backward(dZ, A, W)
    assert_close(be, dW, dz @ a.T / m, scale=np.abs(dz) @ np.abs(a.T) / m, ulps=m + 4)
    assert_close(be, db, dz.sum(1, keepdims=True) / m, scale=np.abs(dz).sum(1, keepdims=True) / m, ulps=m + 4)
    assert_close(be, dA_prev, w.T @ dz, scale=np.abs(w.T) @ np.abs(dz), ulps=n + 4)


def cost(be, data):
    shape = (data.draw(st.sampled_from([1, 2, 3])), data.draw(st.integers(0, 8)))
    (AL, ALn), (Y, Yn) = operand(be, data, shape, 0, 1, False), operand(be, data, shape, 0, 1, False)
    Y = be.greater(Y, be.full((), 0.5))
    Yn = (Yn > 0.5).astype(be.dtype)
    eps = bce_epsilon(be.dtype)
    p = np.clip(ALn, be.dtype.type(eps), be.dtype.type(1 - eps)).astype(np.float64)
    terms = Yn * np.log(p) + (1 - Yn) * np.log(1 - p)
    m = shape[1]
    bce = quiet(np.divide, -terms.sum(), m)
    assert_close(be, be.binary_cross_entropy(AL, Y), bce, scale=np.abs(terms).sum() / max(m, 1) + 1, ulps=64)
    d = ALn.astype(np.float64) - Yn
    mse = quiet(np.divide, (d**2).sum(), 2 * m)
    assert_close(be, be.mean_squared_error(AL, Y), mse, scale=(d**2).sum() / max(m, 1) + 1, ulps=16)
    assert_close(be, be.binary_cross_entropy_backward(AL, Y), (1 - Yn) / (1 - p) - Yn / p, ulps=64)


def update(be, data):
    """sgd_update_ on views of one buffer: param and grad may overlap (NumPy reads grad first)."""
    if be.name not in MUTABLE_STORAGE:
        return
    n = data.draw(st.integers(1, 12))
    buf, bufn = operand(be, data, (n + 4,), -10, 10, False)
    p0, g0 = data.draw(st.integers(0, 4)), data.draw(st.integers(0, 4))
    step = data.draw(st.sampled_from([1, -1]))
    pick_p, pick_g = slice(p0, p0 + n), slice(g0, g0 + n)
    if step == -1:  # the grad read backwards: a negative stride over the param's own memory
        pick_g = slice(g0 + n - 1, g0 - 1 if g0 else None, -1)
    want = bufn.astype(np.float64)
    want[pick_p] = want[pick_p] - be.dtype.type(0.5).astype(np.float64) * want[pick_g]
    returned = be.sgd_update_(buf[pick_p], buf[pick_g], 0.5)
    assert_close(be, returned, want[pick_p], scale=np.abs(want[pick_p]) + 10, ulps=4)
    assert_close(be, buf, want, scale=np.abs(want) + 10, ulps=4)


FAMILIES = {
    "unary": unary,
    "binary": binary,
    "clip": clip,
    "reduction": reduction,
    "shape": shape_op,
    "activation": activation,
    "linear": linear,
    "cost": cost,
    "update": update,
}


@pytest.mark.parametrize("family", list(FAMILIES))
@settings(max_examples=FUZZ_CASES)
@given(data=st.data())
def test_random_ops_on_random_layouts_match_numpy(be, family, data):
    FAMILIES[family](be, data)
