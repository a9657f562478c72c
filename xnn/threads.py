"""BLAS threads chosen by problem size: small products run on one thread, which never waits for another.

A thread pool pays for itself only on large products: below about 32 MFLOP per GEMM its hand-offs
cost more than they save, and on a busy machine a spinning BLAS thread that lost its core stalls
the whole product (measured: 9.8 ms vs 0.74 ms per iteration on digits). threadpoolctl's limits
are process-global, so they are set around a whole `fit`, from the calling thread, never per op.
"""

from __future__ import annotations

import contextlib
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
