"""Edge semantics, once for every backend: NaN/inf propagate as in NumPy, int and bool inputs compute
in the backend's float dtype, transpose axes are validated, relu_backward is a select, in-place
updates survive aliasing, empty batches cost NaN, and the activations keep relative accuracy in
their tails."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import MUTABLE_STORAGE, assert_close, cast, host, ld_derivative, ld_sigmoid

from backends._base import ACTIVATIONS

# numpy itself warns on inf - inf and the like; the values are what is checked here
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 2.5, 1e4, -1e4, 40.0, -40.0, 1e-30, 3.0]
GRADS = [np.nan, np.inf, -np.inf, 1.0, 0.0, -2.0]
UNARY = {op: getattr(np, op) for op in ("exp", "log", "tanh", "sqrt", "negative", "abs")}
BINARY = ("add", "subtract", "multiply", "divide", "maximum", "minimum", "power")
SLOPE = 0.05


FORWARD = {
    "sigmoid": ld_sigmoid,
    "tanh": lambda z: np.tanh(np.asarray(z, np.longdouble)),
    "relu": lambda z: np.maximum(z, 0),  # nan stays nan
    "leaky_relu": lambda z: np.where(z > 0, z, SLOPE * z),
    "linear": lambda z: z,
}
# dZ given dA: the comparison Z > 0 selects for the relus (nan compares false), so a nan or inf dA
# where Z <= 0 gives exactly 0 (relu) or slope * dA (leaky_relu); the others multiply, as NumPy does.
BACKWARD = {
    "sigmoid": lambda dA, z: dA * ld_derivative("sigmoid", z),
    "tanh": lambda dA, z: dA * ld_derivative("tanh", z),
    "relu": lambda dA, z: np.where(z > 0, dA, 0.0),
    "leaky_relu": lambda dA, z: np.where(z > 0, dA, SLOPE * dA),
    "linear": lambda dA, z: dA,
}


def quiet(f, *args):
    with np.errstate(all="ignore"):
        return np.asarray(f(*args))


# -- NaN and +-inf propagate as in NumPy -------------------------------------------------------------
@pytest.mark.parametrize("op", list(UNARY))
def test_nan_and_inf_propagate_through_unary_ops(be, op):
    (x,) = cast(be, np.array(SPECIAL).reshape(2, 7))
    assert_close(be, getattr(be, op)(be.asarray(x)), quiet(UNARY[op], x))


@pytest.mark.parametrize("op", BINARY)
def test_nan_and_inf_propagate_through_binary_ops(be, op):
    a, b = cast(be, np.array(SPECIAL)[:, None], np.array(SPECIAL)[None, :])  # every pair
    assert_close(be, getattr(be, op)(be.asarray(a), be.asarray(b)), quiet(getattr(np, op), a, b))


def test_nan_and_inf_in_greater_where_clip_and_reductions(be):
    (x,) = cast(be, np.array(SPECIAL).reshape(2, 7))
    xb = be.asarray(x)
    np.testing.assert_array_equal(host(be, be.greater(xb, be.zeros(()))), x > 0)
    assert_close(be, be.where(be.greater(xb, be.zeros(())), xb, be.full((), 7.0)), np.where(x > 0, x, 7))
    assert_close(be, be.clip(xb, -1.0, 1.0), np.clip(x, -1, 1))
    for op in ("sum", "max", "mean"):
        for axis in (None, 0, 1):
            assert_close(be, getattr(be, op)(xb, axis=axis), quiet(getattr(np, op), x, axis), ulps=16)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_nan_and_inf_propagate_through_activations_forward_and_backward(be, activation):
    Z, dA = (np.array(v) for v in np.meshgrid(SPECIAL, GRADS))
    Z, dA = cast(be, Z, dA)
    A = be.activation_forward(be.asarray(Z), activation, slope=SLOPE)
    assert_close(be, A, quiet(FORWARD[activation], Z).astype(np.float64), ulps=8)
    dZ = be.activation_backward(be.asarray(dA), be.asarray(Z), activation, slope=SLOPE)
    assert_close(be, dZ, quiet(BACKWARD[activation], dA, Z).astype(np.float64), ulps=8)


@pytest.mark.parametrize("repeat", [1, 1000])  # 6 and 6000 elements: both sides of any small-size path
def test_relu_backward_is_zero_where_z_is_not_positive_even_for_inf_and_nan_grads(be, repeat):
    dA = np.tile([[np.inf, -np.inf, np.nan, 1.0, np.nan, np.inf]], repeat)
    dA, Z = cast(be, dA, np.tile([[-1, 0, -2, 3, 5, np.nan]], repeat))
    want = np.tile([[0.0, 0.0, 0.0, 1.0, np.nan, 0.0]], repeat)
    assert_close(be, be.relu_backward(be.asarray(dA), be.asarray(Z)), want)
    assert_close(be, be.activation_backward(be.asarray(dA), be.asarray(Z), "relu"), want)


# -- the activations' tails: relative error, not absolute -------------------------------------------
def tail_points(be) -> np.ndarray:
    """z across both tails, out to where the float dtype's exp still returns a normal number."""
    reach = 80.0 if be.dtype == np.float32 else 700.0
    return np.concatenate([np.linspace(-reach, reach, 321), [-40.0, 40.0, -17.5, 17.5]])


def test_sigmoid_tail_is_relative_accurate(be):
    (Z,) = cast(be, tail_points(be)[None, :])
    got = be.sigmoid(be.asarray(Z))
    assert host(be, got)[0, -4] > 0, "sigmoid(-40) is about 4.2e-18, never 0"
    assert_close(be, got, ld_sigmoid(Z).astype(np.float64), ulps=8)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_derivative_tails_are_relative_accurate(be, activation):
    (Z,) = cast(be, tail_points(be)[None, :])
    dA = be.ones(Z.shape)
    dZ = be.activation_backward(dA, be.asarray(Z), activation)
    assert host(be, dZ)[0, -1] > 0, f"{activation}'(17.5) is tiny but not 0"
    assert_close(be, dZ, ld_derivative(activation, Z).astype(np.float64), ulps=8)


def test_tanh_near_zero_is_relative_accurate(be):
    (Z,) = cast(be, np.geomspace(1e-30, 1.0, 61)[None, :] * np.array([[1], [-1]]))
    assert_close(be, be.tanh(be.asarray(Z)), np.tanh(Z.astype(np.longdouble)).astype(np.float64))


# -- int and bool inputs compute in the backend's float dtype -----------------------------------
INTS = np.array([[1, 2, 3], [-4, 0, 5]])


def unary_call(op):
    return lambda be, x, y: getattr(be, op)(x)


def binary_call(op):
    return lambda be, x, y: getattr(be, op)(x, y)


def forward_call(g):
    return lambda be, x, y: be.activation_forward(x, g, slope=SLOPE)


def backward_call(g):
    return lambda be, x, y: be.activation_backward(y, x, g, slope=SLOPE)


BOOLS = np.array([[True, False, True], [False, False, True]])
CALLS = {
    **{op: unary_call(op) for op in UNARY},
    **{op: binary_call(op) for op in BINARY},
    "where": lambda be, x, y: be.where(be.greater(x, y), x, y),
    "clip": lambda be, x, y: be.clip(x, -1.0, 2.0),
    "sum": lambda be, x, y: be.sum(x, axis=1),
    "max": lambda be, x, y: be.max(x),
    "mean": lambda be, x, y: be.mean(x, axis=(0, 1)),
    "matmul": lambda be, x, y: be.matmul(x, be.transpose(y)),
    "linear_forward": lambda be, x, y: be.linear_forward(x, be.transpose(y), be.sum(x, 1, keepdims=True)),
    "linear_backward": lambda be, x, y: be.linear_backward(x, y, be.matmul(x, be.transpose(x)))[1],
    # "linear" is left out: activation_forward/backward hand Z/dA back as they are (the base class's)
    **{f"{g}_forward": forward_call(g) for g in ACTIVATIONS if g != "linear"},
    **{f"{g}_backward": backward_call(g) for g in ACTIVATIONS if g != "linear"},
    "binary_cross_entropy": lambda be, x, y: be.binary_cross_entropy(be.sigmoid(x), y),
    "binary_cross_entropy_backward": lambda be, x, y: be.binary_cross_entropy_backward(be.sigmoid(x), y),
    "mean_squared_error": lambda be, x, y: be.mean_squared_error(x, y),
    "softmax": lambda be, x, y: be.softmax(x),
    "softmax_backward": lambda be, x, y: be.softmax_backward(y, x),
    "categorical_cross_entropy": lambda be, x, y: be.categorical_cross_entropy(be.softmax(x), y),
    "momentum_update_": lambda be, x, y: be.momentum_update_(
        be.ones(x.shape), x, be.zeros(x.shape), 0.1, 0.9
    )[0],
    "adam_update_": lambda be, x, y: be.adam_update_(
        be.ones(x.shape), x, be.zeros(x.shape), be.zeros(x.shape), 0.1, 0.9, 0.999, 1e-8, 1
    )[0],
    "mean_squared_error_backward": lambda be, x, y: be.mean_squared_error_backward(x, y),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_int_bool_and_float16_inputs_compute_in_the_backend_float_dtype(be, name):
    halves = INTS.astype(np.float16) / 2
    for x, y in ((INTS, INTS[::-1] + 1), (BOOLS, ~BOOLS), (halves / 2, halves)):
        got = host(be, CALLS[name](be, be.asarray(x, x.dtype), be.asarray(y, y.dtype)))
        want = host(be, CALLS[name](be, be.asarray(x), be.asarray(y)))  # the same inputs, cast first
        assert got.dtype == want.dtype == be.dtype, f"{name} on {x.dtype} gave {got.dtype}, not {be.dtype}"
        np.testing.assert_array_equal(got, want)


def test_the_reported_integer_and_bool_cases(be):
    ints = be.asarray([[1, 2, 3]], "int64")
    assert_close(be, be.sigmoid(ints), ld_sigmoid([[1.0, 2.0, 3.0]]).astype(np.float64), ulps=8)
    assert_close(be, be.divide(ints, be.asarray([[2, 2, 2]], "int64")), [[0.5, 1.0, 1.5]])
    total = be.sum(be.asarray([True, True, False], bool))
    assert host(be, total).dtype == be.dtype and be.item(total) == 2.0
    above_two = be.greater(ints, be.asarray([[2]], "int64"))
    np.testing.assert_array_equal(host(be, above_two), [[False, False, True]])


def test_an_integer_param_cannot_be_updated_in_place(be):
    with pytest.raises(TypeError, match="param has dtype int64.*float32 or float64"):
        be.sgd_update_(be.asarray([1, 2], "int64"), be.ones((2,)), 0.1)


# -- transpose axes are validated, never taken modulo ndim ----------------------------------------
@pytest.mark.parametrize("axes", [(0, 3), (0, 0), (0,), (0, 1, 2), (2, 0), (-3, 0), (1, -1)])
def test_transpose_rejects_axes_that_are_not_a_permutation(be, axes):
    with pytest.raises(ValueError, match=r"transpose: axes .* not a permutation of the 2 axes"):
        be.transpose(be.ones((2, 3)), axes)


@pytest.mark.parametrize("axes", [(-1, 0), (1, -2), (0, 1), None])
def test_transpose_takes_negative_axes_as_numpy(be, axes):
    (x,) = cast(be, np.arange(6.0).reshape(2, 3))
    assert_close(be, be.transpose(be.asarray(x), axes), np.transpose(x, axes))


# -- in-place updates when grad overlaps param ------------------------------------------------
@pytest.mark.parametrize("n", [4, 1000])
def test_sgd_update_when_grad_overlaps_param(be, n):
    if be.name not in MUTABLE_STORAGE:
        pytest.skip(f"{be.name} arrays are immutable: there are no overlapping views to update")
    start = np.arange(1.0, n + 1)
    for param_slice, grad_slice in ((slice(1, None), slice(None, -1)), (slice(None, -1), slice(1, None))):
        buf = be.asarray(start)
        want = start.copy()
        want[param_slice] -= 1.0 * start[grad_slice]  # numpy reads all of grad before writing
        returned = be.sgd_update_(buf[param_slice], buf[grad_slice], 1.0)
        assert_close(be, returned, want[param_slice])
        assert_close(be, buf, want)


def test_sgd_update_with_grad_that_is_param(be):
    P = np.array([[1.0, -2.0], [3.0, 4.0]])
    param = be.asarray(P.copy())
    assert_close(be, be.sgd_update_(param, param, 0.5), P * 0.5)


# -- empty batches cost NaN (the mean of no terms), as NumPy ---------------------------------------
@pytest.mark.parametrize("shape", [(1, 0), (3, 0)], ids=str)
@pytest.mark.parametrize("cost", ["binary_cross_entropy", "mean_squared_error"])
def test_empty_batch_cost_is_nan_and_its_gradient_empty(be, shape, cost):
    AL, Y = be.full(shape, 0.5), be.zeros(shape)
    assert np.isnan(be.item(getattr(be, cost)(AL, Y)))
    assert host(be, getattr(be, f"{cost}_backward")(AL, Y)).shape == shape


# -- where Python's float ops raise, the python backend answers as NumPy ------------------------------
def test_power_keeps_signs_and_nan_where_python_raises(be):
    a = [-1e300, 1e300, -1e300, -0.0, 0.0, -0.0, -1e-300, np.nan, -8.0, 0.0, -1e300, 2.0]
    b = [3.0, 3.0, 2.0, -1.0, -1.0, -2.0, -3.0, 2.0, 1 / 3, -np.inf, 2.5, 1e6]
    a, b = cast(be, np.array([a]), np.array([b]))
    assert_close(be, be.power(be.asarray(a), be.asarray(b)), quiet(np.power, a, b))


def test_exp_is_right_up_to_the_real_overflow_limit(be):
    limit = np.log(np.finfo(be.dtype).max)
    near = [limit - 0.01, limit - 1e-4, np.nextafter(limit, 0), limit + 1e-4]
    (x,) = cast(be, np.array([[*near, np.nan, -np.inf, np.inf]]))
    assert_close(be, be.exp(be.asarray(x)), quiet(np.exp, x))


def test_linear_forward_takes_a_python_scalar_bias(be):
    """A scalar bias broadcasts like b (n, 1) does; the fused op's float check must let it through."""
    W, A = cast(be, np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4))
    assert_close(be, be.linear_forward(be.asarray(W), be.asarray(A), 0.5), W @ A + 0.5)


@pytest.mark.parametrize(
    "op", ["add", "subtract", "multiply", "divide", "maximum", "minimum", "power", "greater"]
)
def test_binary_ops_take_a_python_scalar_on_either_side(be, op):
    """As in NumPy: the scalar broadcasts, and is rounded to the array's float dtype first (float32
    [0.1] - 0.1 is exactly 0, 0.1 > 0.1 is False), which wins (no float64 promotion)."""
    (x,) = cast(be, np.array([[1.0, -2.0, 0.1], [0.25, 4.0, 1e30]]))
    for scalar in (1.5, 0.1, 1e-46):
        for args in ((x, scalar), (scalar, x)):
            expected = quiet(getattr(np, op), *args)
            got = quiet(getattr(be, op), *(be.asarray(a) if isinstance(a, np.ndarray) else a for a in args))
            assert host(be, got).dtype == expected.dtype
            if op == "power":  # the one op whose float32 result may differ from float64's by an ulp
                assert_close(be, got, expected)
            else:  # exactly representable arithmetic on the rounded scalar: equal bits
                np.testing.assert_array_equal(host(be, got), expected, err_msg=f"{op}{args}")


def test_a_numpy_scalar_operand_is_not_weak(be):
    """np.float64(1.5) is a float subclass but, unlike 1.5, promotes float32 to float64 (NumPy 2)."""
    (x,) = cast(be, np.array([[1.0, -2.0, 3.5]]))
    expected = np.add(x, np.float64(1.5))
    got = be.add(be.asarray(x), np.float64(1.5))
    assert host(be, got).dtype == expected.dtype
    assert_close(be, got, expected)


def test_where_takes_python_scalars_for_either_branch(be):
    (x,) = cast(be, np.array([[1.0, -2.0, 3.5], [0.25, -4.0, 0.0]]))
    cond = x > 0
    for a, b in ((x, 0.0), (0.5, x), (0.5, -1.0)):
        expected = np.where(cond, a, b)  # as NumPy: float64 when both branches are Python floats
        got = be.where(
            be.asarray(cond, dtype=bool), *(be.asarray(v) if isinstance(v, np.ndarray) else v for v in (a, b))
        )
        assert host(be, got).dtype == expected.dtype
        assert_close(be, got, expected)


BYTE_SWAPPED = {
    "add": lambda be, x, W: be.add(x, x),
    "exp": lambda be, x, W: be.exp(x),
    "matmul": lambda be, x, W: be.matmul(W, x),
    "sum": lambda be, x, W: be.sum(x, axis=0),
    "astype": lambda be, x, W: be.astype(x, np.float64),
    "copy": lambda be, x, W: be.copy(x),
    "take": lambda be, x, W: be.take(x, [2, 0], 1),
    "argmax": lambda be, x, W: be.argmax(x, 0),
    "reshape": lambda be, x, W: be.reshape(x, (3, 2)),
    "linear_forward": lambda be, x, W: be.linear_forward(W, x, x[:, :1]),
    "relu": lambda be, x, W: be.activation_forward(x, "relu"),
}


@pytest.mark.parametrize("op", list(BYTE_SWAPPED))
def test_byte_swapped_arrays_compute_as_native_ones(be, op):
    """A big-endian array (read from a file written on another machine) is a numpy array like any
    other: every backend computes on it as on the native one (numba's kernels once raised TypingError)."""
    if be.name == "cupy":
        pytest.skip("device arrays have no byte order: asarray makes host data native on the way in")
    x, W = cast(be, np.array([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]]), np.array([[1.0, 2.0], [-3.0, 0.5]]))
    swapped = [a.astype(a.dtype.newbyteorder("S")) for a in (x, W)]
    assert not swapped[0].dtype.isnative
    want = host(be, BYTE_SWAPPED[op](be, x, W))
    got = host(be, BYTE_SWAPPED[op](be, *swapped))
    np.testing.assert_array_equal(got, want)
    assert got.dtype.newbyteorder("=") == want.dtype


def test_activation_constants_are_weak_scalars(be):
    """The slope and the constants inside the activations do not change a float32 or float64 input's
    dtype, nor round its values to the backend's dtype (NumPy's weak scalars, as the oracle's)."""
    other = np.float64 if be.dtype == np.float32 else np.float32
    Z = np.array([[-3.0, 2.0, -0.7]], dtype=other)
    dA = np.array([[0.5, -1.0, 2.0]], dtype=other)
    z, da = be.asarray(Z, dtype=other), be.asarray(dA, dtype=other)
    sig = 1 / (1 + np.exp(-Z.astype(np.float64)))
    cases = {
        "leaky_relu": (be.leaky_relu(z, 0.01), np.where(Z > 0, Z, Z * 0.01)),
        "leaky_relu_backward": (be.leaky_relu_backward(da, z, 0.01), np.where(Z > 0, dA, dA * 0.01)),
        "tanh_backward": (be.tanh_backward(da, z), (dA / np.cosh(Z.astype(np.float64)) ** 2).astype(other)),
        "sigmoid_backward": (be.sigmoid_backward(da, z), (dA * sig * (1 - sig)).astype(other)),
        "relu_backward": (be.relu_backward(da, z), np.where(Z > 0, dA, 0)),
        "relu": (be.relu(z), np.maximum(Z, 0)),
        "sigmoid": (be.sigmoid(z), sig.astype(other)),
        "mean": (be.mean(z, axis=1, keepdims=True), np.mean(Z, axis=1, keepdims=True)),
        "relu_backward broadcast": (be.relu_backward(da[:, :1], z), np.where(Z > 0, dA[:, :1], 0)),
    }
    for name, (got, want) in cases.items():
        assert host(be, got).dtype == want.dtype, name
        np.testing.assert_allclose(host(be, got), want, rtol=8 * np.finfo(other).eps, err_msg=name)


def test_a_wider_bias_widens_linear_forward_as_numpy_does(be):
    """float32 W, A with a float64 b: W @ A + b is float64 in NumPy; the in-place bias add once
    rounded b to float32 (numpy, dask)."""
    W, A = np.ones((2, 3), np.float32), np.full((3, 4), 0.1, np.float32)
    b = np.full((2, 1), 0.1)
    args = be.asarray(W, dtype=np.float32), be.asarray(A, dtype=np.float32), be.asarray(b, dtype=np.float64)
    got = host(be, be.linear_forward(*args))
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, W @ A + b, rtol=4 * np.finfo(np.float32).eps)
    assert abs(got[0, 0] - (W @ A)[0, 0] - 0.1) < 1e-8  # the bias itself was not rounded to float32


@pytest.mark.parametrize("make", ["zeros", "ones", "empty"])
def test_creation_takes_an_int_shape(be, make):
    assert host(be, getattr(be, make)(5)).shape == (5,)
    assert host(be, be.full(np.int64(3), 2.0)).tolist() == [2.0, 2.0, 2.0]


def test_cross_entropies_stay_finite_for_an_al_of_the_other_float_dtype(be):
    """AL of exactly 0 and 1 in the dtype the backend does not use: the clip follows AL's dtype (a
    float32 AL clipped at 1 - 1e-15, a float64 bound, rounds back to 1 and log(1 - AL) to -inf)."""
    other = np.float64 if be.dtype == np.float32 else np.float32
    AL = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5]], dtype=other)
    Y = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]], dtype=other)
    AL, Y = be.asarray(AL, dtype=other), be.asarray(Y, dtype=other)
    costs = {
        "bce": be.binary_cross_entropy(AL, Y),
        "bce_backward": be.binary_cross_entropy_backward(AL, Y),
        "cce": be.categorical_cross_entropy(AL, Y),
    }
    for name, got in costs.items():
        assert np.all(np.isfinite(host(be, got))), (name, host(be, got))


def test_python_scalars_alone_compute_as_numpy_does(be):
    """Two Python ints divide to 2/3 (true division, as NumPy), and unary ops take a Python float."""
    got = host(be, be.divide(2, 3))
    assert got.dtype.kind == "f" and float(got) == pytest.approx(2 / 3, rel=1e-6)
    for op, want in (("exp", np.exp(0.5)), ("tanh", np.tanh(0.5)), ("sigmoid", 1 / (1 + np.exp(-0.5)))):
        assert float(host(be, getattr(be, op)(0.5))) == pytest.approx(want, rel=1e-6), op
    assert float(host(be, be.relu(-0.5))) == 0.0


@pytest.mark.parametrize(
    ("lo", "hi"), [(np.nan, 1.0), (0.0, np.nan), (1.0, 0.0), (-np.inf, np.inf), (0.5, 0.5)]
)
def test_clip_follows_numpy_for_nan_and_crossed_bounds(be, lo, hi):
    """np.clip is minimum(maximum(x, lo), hi): a nan bound gives nan everywhere, lo > hi gives hi."""
    (x,) = cast(be, np.array([[-2.0, 0.25, 0.75, 3.0, np.nan, np.inf]]))
    assert_close(be, be.clip(be.asarray(x), lo, hi), quiet(np.clip, x, lo, hi), ulps=0)


@pytest.mark.parametrize(
    ("shape", "axis", "keepdims"),
    [((3, 0), (), False), ((0, 4), 1, False), ((0, 4), 1, True), ((2, 0, 3), 2, False)],
)
def test_max_over_non_empty_axes_of_an_empty_array_is_empty(be, shape, axis, keepdims):
    """As NumPy: only reducing a zero-size axis has no maximum; axis=() reduces nothing."""
    x = np.zeros(shape, be.dtype)
    got = host(be, be.max(be.asarray(x), axis=axis, keepdims=keepdims))
    assert got.shape == np.max(x, axis=axis, keepdims=keepdims).shape


def test_activation_backwards_take_a_scalar_da_and_a_0d_z(be):
    """relu_backward(1.0, Z) and tanh_backward(dA, Z) with a 0-d Z, as the composed formulas take them."""
    (Z,) = cast(be, np.array([[-1.0, 0.5, 2.0]]))
    assert_close(be, be.relu_backward(1.0, be.asarray(Z)), np.where(Z > 0, 1.0, 0.0))
    Z0 = be.asarray(np.asarray(0.5, be.dtype))
    got = host(be, be.tanh_backward(be.asarray(np.ones((1, 2), be.dtype)), Z0))
    np.testing.assert_allclose(got, np.full((1, 2), 1 / np.cosh(0.5) ** 2), rtol=1e-6)


def test_copy_keeps_a_float16_array(be):
    """numba's kernels read no float16: its copy converts through NumPy, as its astype does."""
    x = np.array([[0.5, -1.25, 3.0]], np.float16)
    got = host(be, be.copy(be.asarray(x, dtype=np.float16)))
    assert got.dtype == np.float16 and got.tolist() == x.tolist()
