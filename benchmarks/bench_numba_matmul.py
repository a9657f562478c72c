"""How close do compiled loops get to BLAS? The network's own matmuls, laid out as in training.

Forward W @ A_prev, dW = dZ @ A_prev.T (k = m, the transpose read in place) and dA_prev = W.T @ dZ,
for a 784-256 layer, beside a square. numpy (BLAS) and numba (the packed micro-kernel) side by side;
the python loops would take minutes here. GFLOP/s = flops / time, flops recorded per row.
"""

from __future__ import annotations

import pytest

from benchmarks._common import label, load_backend, measure, pick, random_array, sized_params, synced

M = pick(8192, 60000)  # examples in the batch
SHAPES = {  # name: (n, k, m, a transposed?, b transposed?)
    "square 1024": (1024, 1024, 1024, False, False),
    "W @ A_prev": (256, 784, M, False, False),
    "dZ @ A_prev.T": (256, M, 784, False, True),
    "W.T @ dZ": (784, 256, M, True, False),
}


def _operand(be, rows: int, cols: int, transposed: bool, dtype: str, seed: int):
    """A (rows, cols) operand; transposed: the transpose view of a (cols, rows) array, as in training."""
    if transposed:
        return be.transpose(be.asarray(random_array((cols, rows), dtype, seed)))
    return be.asarray(random_array((rows, cols), dtype, seed))


@pytest.mark.parametrize(("case", "shape"), sized_params(list(SHAPES), lambda name, s: name != "python"))
def test_network_matmul(benchmark, case, shape):
    """(n, k) @ (k, m) in the layout training uses."""
    name, dtype = case
    be = load_backend(name, dtype)
    n, k, m, ta, tb = SHAPES[shape]
    a, b = _operand(be, n, k, ta, dtype, 1), _operand(be, k, m, tb, dtype, 2)
    size = f"{shape} {n}x{k}@{k}x{m}"
    label(
        benchmark, suite="matmul", op="matmul", backend=name, dtype=dtype, size=size, n=n, flops=2 * n * k * m
    )
    measure(benchmark, synced(be, be.matmul, a, b))
