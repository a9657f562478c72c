"""One session-scoped `be` fixture over every backend and both dtypes; NumPy is the oracle."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

import backends

# numba compiles on first call: no per-example deadline. XNN_HYPOTHESIS_PROFILE=thorough for more.
settings.register_profile("default", deadline=None, max_examples=25, print_blob=True)
settings.register_profile("thorough", deadline=None, max_examples=300, print_blob=True)
settings.load_profile(os.environ.get("XNN_HYPOTHESIS_PROFILE", "default"))

ALL = tuple(backends.REGISTRY)
DTYPES = ("float32", "float64")


def selected_backends() -> tuple[str, ...]:
    """XNN_TEST_BACKENDS="numpy,numba" narrows the run; default: every registered backend."""
    try:
        return backends.parse_backend_list(os.environ.get("XNN_TEST_BACKENDS"), "XNN_TEST_BACKENDS", ALL)
    except ValueError as e:
        raise pytest.UsageError(str(e)) from None


def _params():
    for name in selected_backends():
        marks = [pytest.mark.gpu] if name == "cupy" else []
        for dtype in DTYPES:
            yield pytest.param((name, dtype), id=f"{name}-{dtype}", marks=marks)


@pytest.fixture(scope="session", params=list(_params()))
def be(request) -> backends.Backend:
    """A backend instance; unusable ones are skipped with the reason."""
    name, dtype = request.param
    try:
        return backends.get_backend(name, dtype)
    except backends.BackendUnavailableError as e:
        pytest.skip(f"backend {name} unavailable here: {e}")


@pytest.fixture(scope="session")
def np_be() -> backends.Backend:
    """The oracle's backend twin (float64)."""
    return backends.get_backend("numpy", "float64")
