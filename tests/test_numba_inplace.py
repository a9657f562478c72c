"""The numba backend's in-place activation ops: the out-of-place values bit for bit, written over the
spent array on both sides of the parallel threshold, and a new array whenever it may not be spent."""

from __future__ import annotations

import numpy as np
import pytest

import backends

pytest.importorskip("numba")
from backends import _numba_elementwise as ew  # noqa: E402

P = ew.PARALLEL_MIN
SIZES = [5, P - 1, P, P + 1, P + 3 * ew.BLOCK + 7]  # serial, the threshold, several parallel tasks
BACKWARD = ("relu", "leaky_relu", "sigmoid", "tanh")


@pytest.fixture(scope="module", params=["float32", "float64"])
def nb(request) -> backends.Backend:
    return backends.get_backend("numba", request.param)


def inputs(nb, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """dA and Z of n elements, the last task holding inf, nan, -0.0 and both signs."""
    rng = np.random.default_rng(seed + n)
    dA, Z = rng.uniform(-3, 3, (2, n)).astype(nb.dtype)
    dA[-4:], Z[-4:] = [np.inf, np.nan, -0.0, 1.5], [-1.0, 2.0, np.nan, 0.5]
    return dA, Z


@pytest.mark.parametrize("n", SIZES)
def test_forward_writes_over_z_with_the_out_of_place_values(nb, n):
    _, Z = inputs(nb, n, 1)
    for activation in ("relu", "leaky_relu"):
        want = nb.activation_forward(Z, activation, 0.05)
        spent = Z.copy()
        A = nb.activation_forward_(spent, activation, 0.05)
        assert A is spent
        np.testing.assert_array_equal(A, want)


@pytest.mark.parametrize("n", SIZES)
def test_backward_writes_over_da_and_leaves_z(nb, n):
    dA, Z = inputs(nb, n, 2)
    with np.errstate(all="ignore"):
        for activation in BACKWARD:
            want = nb.activation_backward(dA, Z, activation, 0.05)
            spent, z = dA.copy(), Z.copy()
            dZ = nb.activation_backward_(spent, z, activation, 0.05)
            assert dZ is spent, activation
            np.testing.assert_array_equal(dZ, want, err_msg=activation)
            np.testing.assert_array_equal(z, Z)


def fallbacks(nb, dA: np.ndarray):
    """Arrays that may not be written over: a new array must come back and the input stay as it was."""
    wide = np.repeat(dA[:, None], 2, axis=1)
    yield dA.reshape(2, -1).T  # Fortran order
    yield wide[:, 0]  # strided
    yield np.broadcast_to(dA[:1], dA.shape)  # read-only
    yield (dA > 0).astype(np.int64)  # not a float


@pytest.mark.parametrize("n", [6, P + 6])
def test_arrays_that_cannot_be_spent_get_a_new_result(nb, n):
    dA, Z = inputs(nb, n, 3)
    for spent in fallbacks(nb, dA):
        before = np.array(spent, copy=True)
        other = Z.reshape(spent.shape) if spent.shape != Z.shape else Z
        dZ = nb.activation_backward_(spent, other, "relu")
        np.testing.assert_array_equal(dZ, nb.relu_backward(before, other))
        assert not np.shares_memory(dZ, spent)
        np.testing.assert_array_equal(spent, before)
        A = nb.activation_forward_(spent, "relu")
        np.testing.assert_array_equal(A, nb.relu(before))
        assert not np.shares_memory(A, spent)


def test_overlap_or_a_wider_result_dtype_falls_back(nb):
    x = np.random.default_rng(4).uniform(-3, 3, 2 * P).astype(nb.dtype)
    dA, Z = x[: P + 100], x[P - 100 : 2 * P]  # the tail of dA is the head of Z
    want = nb.relu_backward(dA.copy(), Z.copy())
    np.testing.assert_array_equal(nb.activation_backward_(dA, Z, "relu"), want)
    if nb.dtype == np.float32:  # float32 dA with float64 Z: the result is float64, not dA
        dA32, Z64 = np.ones(8, np.float32), np.linspace(-1, 1, 8)
        dZ = nb.activation_backward_(dA32, Z64, "tanh")
        assert dZ.dtype == np.float64 and not np.shares_memory(dZ, dA32)
