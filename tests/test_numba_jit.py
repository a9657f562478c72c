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
