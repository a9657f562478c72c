"""BLAS and numba threads chosen by problem size: small steps run on one thread, which never waits.

A thread pool pays for itself only on large products: below about 32 MFLOP per GEMM its hand-offs
cost more than they save, and on a busy machine a spinning BLAS thread that lost its core stalls
the whole product (measured: 9.8 ms vs 0.74 ms per iteration on digits). numba's parallel loops
behave the same (a step of 2-10 ms on two threads vs 0.43 ms on one, on a loaded machine).
threadpoolctl's limits are process-global, so they are set around a whole `fit`, from the calling
thread, never per op; numba's thread count is per calling thread and set the same way.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence

SERIAL_GEMM_FLOPS = 32e6  # the largest GEMM of a step below this: one BLAS thread


def largest_gemm_flops(layer_dims: Sequence[int], m: int) -> float:
    """FLOPs of the biggest matrix product in one training step of the net on m examples."""
    return max(2.0 * n * n_prev * m for n_prev, n in zip(layer_dims[:-1], layer_dims[1:], strict=True))


@contextlib.contextmanager
def sized_blas_threads(layer_dims: Sequence[int], m: int) -> Iterator[int | None]:
    """One BLAS thread for small steps (yields 1), the library's default otherwise (yields None)."""
    if largest_gemm_flops(layer_dims, m) >= SERIAL_GEMM_FLOPS:
        yield None
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # without threadpoolctl, keep the default threads
        yield None
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield 1


@contextlib.contextmanager
def sized_threads(layer_dims: Sequence[int], m: int, backend_name: str) -> Iterator[int | None]:
    """sized_blas_threads, plus one numba thread for small steps on the numba backend."""
    with sized_blas_threads(layer_dims, m) as limit:
        numba = sys.modules.get("numba") if backend_name == "numba" and limit == 1 else None
        if numba is None:
            yield limit
            return
        before = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            yield limit
        finally:
            numba.set_num_threads(before)
