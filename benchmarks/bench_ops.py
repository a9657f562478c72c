"""What does vectorization buy per op? dot, matmul, activations, broadcasting, reductions; every backend.

The python backend runs only at sizes that finish in about a second; speedups over it are reported
only at those exact sizes, never extrapolated.
"""

from __future__ import annotations

import pytest

from benchmarks._common import label, load_backend, measure, pick, random_array, sized_params, synced

ROWS = 100  # elementwise/broadcast/reduction inputs are (ROWS, size // ROWS): n units by m examples

DOT_SIZES = pick([1_000_000], [1_000, 100_000, 1_000_000, 10_000_000])
MATMUL_SIZES = pick([32, 128, 512], [32, 64, 128, 256, 512, 1024, 2048])
ELEMENT_SIZES = pick([100_000, 1_000_000], [1_000, 10_000, 100_000, 1_000_000, 10_000_000])
PYTHON_MAX = {  # largest size the pure-Python loops run at (about a second per call or less)
    "dot": 1_000_000,
    "matmul": pick(128, 256),
    "elements": pick(100_000, 1_000_000),
}
ELEMENTWISE = ("sigmoid", "relu", "sigmoid_backward", "relu_backward")
REDUCTIONS = {"sum_rows": {"axis": 1, "keepdims": True}, "sum_total": {"axis": None}}


def _params(sizes: list[int], cap: str) -> list:
    """((backend, dtype), size), without python above its cap."""
    return sized_params(sizes, lambda name, n: name != "python" or n <= PYTHON_MAX[cap])


def _be(case: tuple) -> tuple:
    """(backend object, name, dtype) from a (name, dtype) param value."""
    (name, dtype) = case
    return load_backend(name, dtype), name, dtype


@pytest.mark.parametrize(("case", "n"), _params(DOT_SIZES, "dot"))
def test_dot(benchmark, case, n):
    """The course's demo: dot product of two n-element vectors."""
    be, name, dtype = _be(case)
    a, b = (be.asarray(random_array((n,), dtype, seed)) for seed in (1, 2))
    label(benchmark, suite="ops", op="dot", backend=name, dtype=dtype, size=f"n={n:,}", n=n, flops=2 * n)
    measure(benchmark, synced(be, be.matmul, a, b))


@pytest.mark.parametrize(("case", "n"), _params(MATMUL_SIZES, "matmul"))
def test_matmul(benchmark, case, n):
    """(n, n) @ (n, n)."""
    be, name, dtype = _be(case)
    a, b = (be.asarray(random_array((n, n), dtype, seed)) for seed in (1, 2))
    label(
        benchmark, suite="ops", op="matmul", backend=name, dtype=dtype, size=f"{n}x{n}", n=n, flops=2 * n**3
    )
    measure(benchmark, synced(be, be.matmul, a, b))


@pytest.mark.parametrize("op", ELEMENTWISE)
@pytest.mark.parametrize(("case", "n"), _params(ELEMENT_SIZES, "elements"))
def test_elementwise(benchmark, case, n, op):
    """An activation or its derivative over (ROWS, n // ROWS) elements."""
    be, name, dtype = _be(case)
    shape = (ROWS, n // ROWS)
    Z = be.asarray(random_array(shape, dtype, 1))
    args = (be.asarray(random_array(shape, dtype, 2)), Z) if op.endswith("_backward") else (Z,)
    label(benchmark, suite="ops", op=op, backend=name, dtype=dtype, size=f"{n:,} elements", n=n, elements=n)
    measure(benchmark, synced(be, getattr(be, op), *args))


@pytest.mark.parametrize(("case", "n"), _params(ELEMENT_SIZES, "elements"))
def test_bias_broadcast(benchmark, case, n):
    """Z + b: a bias column (ROWS, 1) broadcast across (ROWS, n // ROWS)."""
    be, name, dtype = _be(case)
    Z = be.asarray(random_array((ROWS, n // ROWS), dtype, 1))
    b = be.asarray(random_array((ROWS, 1), dtype, 2))
    label(
        benchmark,
        suite="ops",
        op="bias_broadcast",
        backend=name,
        dtype=dtype,
        size=f"{n:,} elements",
        n=n,
        elements=n,
    )
    measure(benchmark, synced(be, be.add, Z, b))


@pytest.mark.parametrize("op", tuple(REDUCTIONS))
@pytest.mark.parametrize(("case", "n"), _params(ELEMENT_SIZES, "elements"))
def test_reduction(benchmark, case, n, op):
    """Row sums with keepdims (db's shape) or the total sum, over (ROWS, n // ROWS)."""
    be, name, dtype = _be(case)
    x = be.asarray(random_array((ROWS, n // ROWS), dtype, 1))
    label(benchmark, suite="ops", op=op, backend=name, dtype=dtype, size=f"{n:,} elements", n=n, elements=n)
    kwargs = REDUCTIONS[op]
    measure(benchmark, synced(be, lambda: be.sum(x, **kwargs)))
