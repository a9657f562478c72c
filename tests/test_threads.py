"""BLAS threads by problem size: one thread around small fits, the default around large ones."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info

import backends
import xnn
from xnn.threads import SERIAL_GEMM_FLOPS, largest_gemm_flops, sized_blas_threads, sized_threads


def blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_largest_gemm_is_the_widest_layer_times_m():
    assert largest_gemm_flops([64, 32, 16, 1], 1000) == 2 * 64 * 32 * 1000
    assert largest_gemm_flops([784, 256, 128, 1], 60000) > SERIAL_GEMM_FLOPS


def test_small_steps_run_on_one_blas_thread_and_restore_the_default():
    before = blas_threads()
    with sized_blas_threads([64, 32, 16, 1], 1437) as limit:
        assert limit == 1 and set(blas_threads()) <= {1}
    assert blas_threads() == before
    with sized_blas_threads([784, 256, 128, 1], 60000) as limit:
        assert limit is None and blas_threads() == before


def test_fit_sets_the_limit_around_training(monkeypatch):
    seen = []
    original = xnn.Network.train_step

    def spy(self, *args, **kwargs):
        seen.append(blas_threads())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(xnn.Network, "train_step", spy)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 30))
    xnn.Network([4, 3, 1]).fit(X, (X[:1] > 0).astype(float), 0.1, 3, progress=False)
    if not blas_threads():
        pytest.skip("no BLAS thread pool visible to threadpoolctl")
    assert seen and all(set(threads) <= {1} for threads in seen)


def test_small_numba_fits_run_on_one_numba_thread_and_restore_it(monkeypatch):
    numba = pytest.importorskip("numba")
    try:
        be = backends.get_backend("numba", "float64")
    except backends.BackendUnavailableError as e:
        pytest.skip(str(e))
    before = numba.get_num_threads()
    seen = []
    original = xnn.Network.train_step

    def spy(self, *args, **kwargs):
        seen.append(numba.get_num_threads())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(xnn.Network, "train_step", spy)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4, 30))
    xnn.Network([4, 3, 1], backend=be).fit(X, (X[:1] > 0).astype(float), 0.1, 2, progress=False)
    assert seen == [1, 1] and numba.get_num_threads() == before
    with sized_threads([784, 256, 128, 1], 60000, "numba"):
        assert numba.get_num_threads() == before
