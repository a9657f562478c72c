"""Loop over examples vs vectorize across them: the course's logistic-regression gradient and a forward pass.

Three ways to compute the same thing, side by side in one group:
`python` (two explicit loops: examples x features, Python floats), `numpy-example-loop`
(`for i in range(m)` over example columns, numpy backend ops per column) and `numpy` (one matrix
product across all m examples). float64 only: the pure-Python row computes in float64 anyway.
"""

from __future__ import annotations

import math

import pytest

from benchmarks._common import label, load_backend, measure, pick, random_array, selected_backends

pytestmark = pytest.mark.skipif(
    "numpy" not in selected_backends(), reason="the loops suite runs on the numpy backend (not selected)"
)

DTYPE = "float64"
LOGREG_SIZES = pick([(12288, 209)], [(12288, 209), (1000, 2000)])  # (n_x, m)
FORWARD_NETS = pick([((12288, 20, 7, 5, 1), 209)], [((12288, 20, 7, 5, 1), 209), ((784, 256, 128, 1), 512)])
LOGREG_WAYS = ("python", "numpy-example-loop", "numpy")


def logreg_grad_two_loops(w: list, b: float, X: list, Y: list) -> tuple[list, float]:
    """dw, db of the logistic loss with one loop over examples and one over features."""
    n_x, m = len(w), len(Y)
    dw, db = [0.0] * n_x, 0.0
    for i in range(m):
        z = b
        for j in range(n_x):
            z += w[j] * X[j][i]
        dz = 1.0 / (1.0 + math.exp(-z)) - Y[i]
        for j in range(n_x):
            dw[j] += X[j][i] * dz
        db += dz
    return [v / m for v in dw], db / m


def logreg_grad_example_loop(be, w, b, X, Y):
    """dw, db with `for i in range(m)`: one column at a time through backend ops."""
    m = X.shape[1]
    dw, db = be.zeros(w.shape), be.zeros((1, 1))
    wT = be.transpose(w)
    for i in range(m):
        x = X[:, i : i + 1]
        dz = be.subtract(be.sigmoid(be.add(be.matmul(wT, x), b)), Y[:, i : i + 1])
        dw = be.add(dw, be.multiply(x, dz))
        db = be.add(db, dz)
    inv_m = be.full((), 1.0 / m)
    return be.multiply(dw, inv_m), be.multiply(db, inv_m)


def logreg_grad_vectorized(be, w, b, X, Y):
    """dw = X dZ.T / m, db = sum(dZ) / m, dZ = sigmoid(w.T X + b) - Y: no loop."""
    inv_m = be.full((), 1.0 / X.shape[1])
    dZ = be.subtract(be.sigmoid(be.add(be.matmul(be.transpose(w), X), b)), Y)
    return be.multiply(be.matmul(X, be.transpose(dZ)), inv_m), be.multiply(be.sum(dZ), inv_m)


def _logreg_call(way: str, be, w, b, X, Y):
    """The timed callable for one way; the pure-Python one gets lists built here, outside timing."""
    if way == "python":
        args = (
            be.to_numpy(w).ravel().tolist(),
            be.item(b),
            be.to_numpy(X).tolist(),
            be.to_numpy(Y).ravel().tolist(),
        )
        return lambda: logreg_grad_two_loops(*args)
    fn = logreg_grad_example_loop if way == "numpy-example-loop" else logreg_grad_vectorized
    return lambda: fn(be, w, b, X, Y)


@pytest.mark.parametrize("way", LOGREG_WAYS)
@pytest.mark.parametrize("size", LOGREG_SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_logreg_gradient(benchmark, size, way):
    """One logistic-regression gradient over m examples of n_x features."""
    n_x, m = size
    be = load_backend("numpy", DTYPE)
    w = be.asarray(random_array((n_x, 1), DTYPE, 1) * 0.01)
    b = be.full((1, 1), 0.1)
    X = be.asarray(random_array((n_x, m), DTYPE, 2))
    Y = be.asarray(random_array((1, m), DTYPE, 3) > 0)
    label(
        benchmark,
        suite="loops",
        op="logreg_gradient",
        backend=way,
        dtype=DTYPE,
        size=f"n_x={n_x} m={m}",
        n=m,
        flops=4 * n_x * m,
    )
    measure(benchmark, _logreg_call(way, be, w, b, X, Y))


def forward(be, params: list, A):
    """relu hidden layers, sigmoid output; A (n_x, m) -> AL (1, m)."""
    for layer, (W, b) in enumerate(params, start=1):
        Z = be.linear_forward(W, A, b)
        A = be.sigmoid(Z) if layer == len(params) else be.relu(Z)
    return A


def forward_example_loop(be, params: list, X) -> list:
    """The same forward pass, `for i in range(m)`, one example column at a time."""
    return [forward(be, params, X[:, i : i + 1]) for i in range(X.shape[1])]


@pytest.mark.parametrize("way", ("numpy-example-loop", "numpy"))
@pytest.mark.parametrize("net", FORWARD_NETS, ids=lambda net: f"{list(net[0])}-m{net[1]}")
def test_forward_loop(benchmark, net, way):
    """An L-layer forward pass looping over examples vs one matrix product per layer."""
    dims, m = net
    be = load_backend("numpy", DTYPE)
    params = [
        (be.asarray(random_array((n, n_prev), DTYPE, k) * math.sqrt(2 / n_prev)), be.zeros((n, 1)))
        for k, (n_prev, n) in enumerate(zip(dims, dims[1:], strict=False))
    ]
    X = be.asarray(random_array((dims[0], m), DTYPE, 99))
    label(
        benchmark,
        suite="loops",
        op="forward_loop",
        backend=way,
        dtype=DTYPE,
        size=f"{list(dims)} m={m}",
        n=m,
        layer_dims=list(dims),
    )
    fn = forward_example_loop if way == "numpy-example-loop" else forward
    measure(benchmark, lambda: fn(be, params, X))
