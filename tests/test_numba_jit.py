"""Twin kernels: small calls compile and run the serial twin only, large ones the parallel kernel."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from numba import prange  # noqa: E402

from backends._numba_jit import Kernel, twin_kernel  # noqa: E402


def make_kernel() -> Kernel:
    @twin_kernel(1000, cache=False)
    def scale(x, out):
        for i in prange(x.size):
            out[i] = 2 * x[i]

    return scale


def test_small_calls_compile_only_the_serial_twin():
    kernel = make_kernel()
    x = np.arange(10.0)
    out = np.empty_like(x)
    kernel(x, out)
    np.testing.assert_array_equal(out, 2 * x)
    assert len(kernel.serial.signatures) == 1 and not kernel.parallel.signatures


def test_large_calls_run_the_parallel_kernel_with_the_same_result():
    kernel = make_kernel()
    x = np.arange(5000.0)
    out = np.empty_like(x)
    kernel(x, out)
    np.testing.assert_array_equal(out, 2 * x)
    assert len(kernel.parallel.signatures) == 1 and not kernel.serial.signatures


def test_twins_have_distinct_names_for_the_disk_cache():
    kernel = make_kernel()
    assert kernel.serial.py_func.__qualname__ == kernel.parallel.py_func.__qualname__ + "__serial"
    assert kernel.serial.py_func.__module__ == kernel.parallel.py_func.__module__ == __name__


def test_size_arg_routes_by_that_argument_alone():
    """take's kernel routes by its output: a small gather from a large array stays serial."""

    @twin_kernel(1000, size_arg=1, cache=False)
    def first(x, out):
        for i in prange(out.size):
            out[i] = x[i]

    big, small = np.arange(5000.0), np.empty(10)
    first(big, small)
    np.testing.assert_array_equal(small, big[:10])
    assert len(first.serial.signatures) == 1 and not first.parallel.signatures
    out = np.empty(2000)
    first(big, out)
    np.testing.assert_array_equal(out, big[:2000])
    assert len(first.parallel.signatures) == 1


def test_kernel_sources_leave_the_size_test_to_the_twins():
    """Dead code guard: no kernel source tests PARALLEL_MIN itself (its serial twin never reaches
    prange, its parallel twin is never called below the threshold)."""
    import inspect

    from backends import _numba_binary, _numba_elementwise, _numba_flat, _numba_reduce, _numba_train

    for module in (_numba_binary, _numba_elementwise, _numba_flat, _numba_reduce, _numba_train):
        source = inspect.getsource(module)
        assert "< PARALLEL_MIN" not in source, module.__name__
