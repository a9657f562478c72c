"""The oracle helpers: compare a backend op with NumPy, tolerances per dtype, Hypothesis strategies."""

from __future__ import annotations

import os

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import backends

# one ulp at 1.0 per dtype; elementwise results get a few, sums and products one per term (ulps=)
RTOL = {"float32": float(np.finfo(np.float32).eps), "float64": float(np.finfo(np.float64).eps)}
# below these, float32/float64 values are subnormal and lose relative precision by design
ATOL = {"float32": 1e-36, "float64": 1e-306}
# examples per fuzzer family, backend and dtype: 9 families x 2 dtypes x 600 > 10,000 op cases per
# backend under XNN_HYPOTHESIS_PROFILE=thorough (make fuzz); a quick sample in the default run
FUZZ_CASES = 600 if os.environ.get("XNN_HYPOTHESIS_PROFILE") == "thorough" else 20
# backends whose arrays are mutable: in-place updates return the very array they were given
MUTABLE_STORAGE = frozenset({"numpy", "python", "numba", "cupy"})


def values(shape, low=-1e3, high=1e3, dtype="float64"):
    """Hypothesis arrays of `shape` with finite values in [low, high]."""
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)
    return hnp.arrays(np.dtype(dtype), shape, elements=elements)


def small_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5):
    """Array shapes of any rank up to 4, sides small enough for the pure-Python backend."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def host(be: backends.Backend, x) -> np.ndarray:
    """Backend array -> numpy, checking it is a real backend array on the way."""
    out = be.to_numpy(x)
    assert isinstance(out, np.ndarray), f"to_numpy returned {type(out)}"
    return out


def cast(be: backends.Backend, *arrays: np.ndarray) -> list[np.ndarray]:
    """The inputs as the backend's dtype on the host: what NumPy (the oracle) computes on."""
    return [np.asarray(a, dtype=be.dtype) for a in arrays]


def assert_close(be, result, expected, scale=None, ulps: float = 4.0) -> None:
    """|result - expected| <= ulps * eps * (|expected| or `scale`), same shape, dtype, inf/nan spots."""
    got = host(be, result)
    expected = np.asarray(expected)
    assert got.shape == expected.shape, f"shape {got.shape} != oracle's {expected.shape}"
    if expected.dtype.kind == "f":
        assert got.dtype == be.dtype or got.dtype == expected.dtype, f"dtype {got.dtype} != {be.dtype}"
    exp64, got64 = expected.astype(np.float64), got.astype(np.float64)
    np.testing.assert_array_equal(np.isnan(got64), np.isnan(exp64), err_msg="nan positions differ")
    np.testing.assert_array_equal(np.isposinf(got64), np.isposinf(exp64), err_msg="+inf positions differ")
    np.testing.assert_array_equal(np.isneginf(got64), np.isneginf(exp64), err_msg="-inf positions differ")
    finite = np.isfinite(exp64)
    bound = np.abs(exp64) if scale is None else np.asarray(scale, dtype=np.float64)
    bound = np.broadcast_to(bound, exp64.shape)
    with np.errstate(invalid="ignore"):  # inf - inf, or 0 ulps * inf, where both are inf: checked above
        tol = ulps * RTOL[be.dtype.name] * bound + ATOL[be.dtype.name]
        err = np.abs(got64 - exp64)
    bad = finite & ~(err <= tol)
    assert not bad.any(), (
        f"{bad.sum()} of {bad.size} elements off: worst err {err[bad].max():.3g} "
        f"vs tol {tol[bad].min():.3g}; got {got64[bad][:5]}, oracle {exp64[bad][:5]}"
    )


# -- long-double oracles for the activations: their own error is far below an ulp of float64 ------
def exp_neg_abs(z, k=1):
    """exp(-k|z|) as the backends compute it (in z's own dtype, so it underflows where theirs does),
    then in long double: the oracle's remaining error is far below an ulp of z's dtype."""
    z = np.asarray(z)
    return np.exp(-k * np.abs(z)).astype(np.longdouble)


def ld_sigmoid(z):
    """sigmoid from the side where exp cannot overflow."""
    e = exp_neg_abs(z)
    z = np.asarray(z, np.longdouble)
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def ld_derivative(activation, z):
    """g'(z) in long double; the sigmoid and tanh forms have no 1 - s to cancel in the tails."""
    e1, e2 = exp_neg_abs(z), exp_neg_abs(z, 2)
    return {
        "sigmoid": e1 / (1 + e1) ** 2,
        "tanh": 4 * e2 / (1 + e2) ** 2,
    }[activation]
