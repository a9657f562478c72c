"""Hypothesis building blocks for the op fuzzer: operands in every memory layout, values with NaN/inf.

An operand is a native array of the backend that may be a view: C order, Fortran order (a transpose),
a negative stride along one axis, or every other element along one axis; its NumPy twin holds the
same values in the backend's dtype, for the oracle.
"""

from __future__ import annotations

import numpy as np
from helpers import cast
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

LAYOUTS = ("c", "fortran", "reversed", "strided")
SPECIALS = (np.nan, np.inf, -np.inf, 0.0, -0.0)


def view(be, base: np.ndarray, layout: str, axis: int):
    """A native array holding `base`'s values, laid out in memory as `layout` says."""
    if base.ndim == 0 or layout == "c":
        return be.asarray(base)
    if layout == "fortran":
        return be.asarray(np.ascontiguousarray(base.T)).T
    pick = [slice(None)] * base.ndim
    if layout == "reversed":
        pick[axis] = slice(None, None, -1)
        return be.asarray(np.ascontiguousarray(np.flip(base, axis)))[tuple(pick)]
    wide = list(base.shape)
    wide[axis] *= 2
    pick[axis] = slice(None, None, 2)
    spread = np.full(wide, 7.0, base.dtype)  # the skipped elements must never be read
    spread[tuple(pick)] = base
    return be.asarray(spread)[tuple(pick)]


def operand(be, data, shape, low=-100.0, high=100.0, special=True):
    """(native operand in a random layout, its values as a numpy array in the backend's dtype)."""
    base = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(low, high)))
    size = base.size
    if special and size:
        spots = st.tuples(st.integers(0, size - 1), st.sampled_from(SPECIALS))
        for i, v in data.draw(st.lists(spots, max_size=2)):
            base.flat[i] = v
    (base,) = cast(be, base)
    layout = data.draw(st.sampled_from(LAYOUTS))
    axis = data.draw(st.integers(0, max(base.ndim - 1, 0)))
    return view(be, base, layout, axis), base


def axes_for(ndim: int):
    """None, an int (maybe negative) or a tuple of distinct axes."""
    if ndim == 0:
        return st.none()
    return st.one_of(st.none(), st.integers(-ndim, ndim - 1), hnp.valid_tuple_axes(ndim))
