"""What only the numba backend has: blocked and transpose-aware matmul, broadcast layouts and fast
paths, fast float32 exp/tanh, thread safety, the on-disk kernel cache, and dtype discipline."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import backends

pytest.importorskip("numba")
ops = pytest.importorskip("backends._numba_ops")
from backends._numba_layout import broadcast_layout, reduce_layout  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EPS = {"float32": 2.0**-23, "float64": 2.0**-52}


@pytest.fixture(scope="module", params=["float32", "float64"])
def nb(request) -> backends.Backend:
    """The numba backend in each dtype."""
    return backends.get_backend("numba", request.param)


def assert_matmul_close(nb, got, a, b):
    """|got - a @ b| <= (k + 4) eps (|a| @ |b|), computed in float64."""
    a64, b64 = np.asarray(a, np.float64), np.asarray(b, np.float64)
    bound = (a64.shape[-1] + 4) * EPS[nb.dtype.name] * (np.abs(a64) @ np.abs(b64)) + 1e-30
    assert got.dtype == nb.dtype and got.shape == (a64.shape[0], b64.shape[1])
    assert np.all(np.abs(got - a64 @ b64) <= bound)


def operands(nb, n, k, m, layout, seed=0):
    """a (n, k) and b (k, m) as C arrays or as transposed views of C arrays ("NN", "TN", ...)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, n) if layout[0] == "T" else (n, k)).astype(nb.dtype)
    b = rng.standard_normal((m, k) if layout[1] == "T" else (k, m)).astype(nb.dtype)
    return (a.T if layout[0] == "T" else a), (b.T if layout[1] == "T" else b)


# -- matmul: blocked, every layout, odd sizes across block edges (MB=128, KC=256, NC=512) ------
@pytest.mark.parametrize("layout", ["NN", "TN", "NT", "TT"])
@pytest.mark.parametrize(
    "n,k,m", [(1, 1, 1), (7, 7, 7), (65, 65, 65), (130, 130, 130), (1, 300, 7), (130, 257, 513), (3, 1, 600)]
)
def test_blocked_matmul_on_odd_and_non_square_sizes(nb, layout, n, k, m):
    a, b = operands(nb, n, k, m, layout)
    assert_matmul_close(nb, nb.matmul(a, b), a, b)


@settings(deadline=None, max_examples=40)
@given(
    n=st.integers(1, 140),
    k=st.integers(0, 140),
    m=st.integers(1, 140),
    layout=st.sampled_from(["NN", "TN", "NT", "TT"]),
)
def test_matmul_any_shape_and_layout(n, k, m, layout):
    nb = backends.get_backend("numba", "float32")
    a, b = operands(nb, n, k, m, layout, seed=n * k + m)
    assert_matmul_close(nb, nb.matmul(a, b), a, b)


def test_transposed_operands_are_read_in_place_not_copied(nb, monkeypatch):
    a, b = operands(nb, 70, 90, 50, "TT")
    dZ, A_prev, W = (x.astype(nb.dtype) for x in (np.ones((5, 40)), np.ones((9, 40)), np.ones((5, 9))))

    def no_copy(*args):
        raise AssertionError("an operand was copied (gather called)")

    monkeypatch.setattr(ops, "gather", no_copy)
    assert_matmul_close(nb, nb.matmul(a, b), a, b)
    dA_prev, dW, db = nb.linear_backward(dZ, A_prev, W)  # uses A_prev.T and W.T
    np.testing.assert_allclose(dW, np.ones((5, 9)), rtol=1e-6)
    np.testing.assert_allclose(dA_prev, np.full((9, 40), 5.0), rtol=1e-6)


def test_linear_forward_adds_the_bias_in_the_matmul(nb):
    W, A = operands(nb, 33, 20, 45, "NN")
    b = np.arange(33, dtype=nb.dtype)[:, None]
    assert_matmul_close(nb, nb.linear_forward(W, A, b) - b, W, A)


# -- broadcasting: layouts, fast paths, any rank, parallel sizes ----------------------------------
def test_column_broadcast_collapses_to_the_row_fast_path():
    shape, sa, sb = broadcast_layout((300, 200), (300, 200), (300, 1))
    assert (shape.tolist(), sa.tolist(), sb.tolist()) == ([300, 200], [200, 1], [1, 0])
    shape, sa, sb = broadcast_layout((4, 5, 6), (4, 5, 6), (4, 5, 6))  # same shape: one flat dim
    assert (shape.tolist(), sa.tolist(), sb.tolist()) == ([120], [1], [1])
    shape, sa = broadcast_layout((2, 3, 4), ())  # a scalar: stride 0 everywhere
    assert (shape.tolist(), sa.tolist()) == ([24], [0])


@pytest.mark.parametrize("other", [(400, 1), (1, 300), (), (400, 300)])
@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "divide", "maximum", "greater"])
def test_parallel_broadcast_matches_numpy_exactly(nb, op, other):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((400, 300)).astype(nb.dtype)  # 120k elements: the prange path
    b = rng.standard_normal(other).astype(nb.dtype) + 3
    for x, y in ((a, b), (b, a)):
        got = getattr(nb, op)(x, y)
        np.testing.assert_array_equal(got, getattr(np, op)(x, y))


@settings(deadline=None, max_examples=60)
@given(data=st.data())
def test_broadcast_any_rank_up_to_six(data):
    nb = backends.get_backend("numba", "float64")
    shapes = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=6, max_side=4))
    a, b = (data.draw(hnp.arrays(np.float64, s, elements=st.floats(-9, 9))) for s in shapes.input_shapes)
    np.testing.assert_array_equal(nb.subtract(a, b), np.subtract(a, b))
    np.testing.assert_array_equal(nb.where(a > 0, a, b), np.where(a > 0, a, b))


@settings(deadline=None, max_examples=60)
@given(data=st.data())
def test_reductions_over_any_axes_of_rank_up_to_five(data):
    nb = backends.get_backend("numba", "float64")
    x = data.draw(
        hnp.arrays(
            np.float64, hnp.array_shapes(min_dims=1, max_dims=5, max_side=5), elements=st.floats(-9, 9)
        )
    )
    axis = data.draw(st.none() | hnp.valid_tuple_axes(x.ndim))
    np.testing.assert_allclose(nb.sum(x, axis=axis), np.sum(x, axis=axis), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(nb.max(x, axis=axis, keepdims=True), np.max(x, axis=axis, keepdims=True))


def test_reduce_layout_folds_in_memory_order():
    last_reduced, kept, folded, width = reduce_layout((2, 3, 4, 5), (1, 3))
    assert last_reduced and width == 5 and kept[0].tolist() == [2, 4] and folded[0].tolist() == [3]
    last_reduced, kept, folded, width = reduce_layout((6, 7), (0,))
    assert not last_reduced and width == 7 and folded[0].tolist() == [6]


@pytest.mark.parametrize("size", [1000, 200_000])  # serial and parallel
def test_large_reductions_and_nan(nb, size):
    x = np.random.default_rng(2).standard_normal((3, size)).astype(nb.dtype)
    np.testing.assert_allclose(nb.sum(x, axis=1), x.astype(np.float64).sum(axis=1), rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(nb.sum(x, axis=0), x.astype(np.float64).sum(axis=0), rtol=1e-5, atol=1e-5)
    x[1, size // 2] = np.nan
    np.testing.assert_array_equal(nb.max(x, axis=1), np.max(x, axis=1))


def test_non_contiguous_inputs(nb):
    x = np.arange(2 * 3 * 4, dtype=nb.dtype).reshape(2, 3, 4)
    for view in (x.transpose(2, 0, 1), x[:, ::2, 1:], x[::-1]):
        np.testing.assert_array_equal(nb.negative(view), -view)
        np.testing.assert_array_equal(nb.add(view, view), view + view)
        np.testing.assert_array_equal(nb.copy(view), view)
        np.testing.assert_array_equal(nb.reshape(view, (-1,)), view.reshape(-1))


def test_sgd_update_writes_through_views(nb):
    P = np.ones((4, 6), nb.dtype)
    for view in (P.T, P[:, ::2]):
        grad = np.ones(view.shape, nb.dtype)
        assert nb.sgd_update_(view, grad, 0.5) is view
    assert P[0].tolist() == [0.0, 0.5, 0.0, 0.5, 0.0, 0.5]  # all -0.5, then every other -0.5


def test_zero_size_arrays(nb):
    assert nb.add(np.ones((0, 3), nb.dtype), np.ones((1, 3), nb.dtype)).shape == (0, 3)
    empty_product = nb.matmul(np.ones((2, 0), nb.dtype), np.ones((0, 3), nb.dtype))
    np.testing.assert_array_equal(empty_product, np.zeros((2, 3)))
    np.testing.assert_array_equal(nb.sum(np.ones((3, 0), nb.dtype), axis=1), np.zeros(3))


# -- float32 discipline and fast float32 math ---------------------------------------------------
def test_float32_stays_float32():
    nb = backends.get_backend("numba", "float32")
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    col = np.ones((3, 1), np.float32)
    W, Y = np.eye(3, dtype=np.float32), np.ones((3, 4), np.float32)
    results = [
        nb.exp(x),
        nb.add(x, col),
        nb.divide(x, nb.full((), 2.0)),
        nb.matmul(x, x.T),
        nb.sum(x, axis=1),
        nb.mean(x),
        nb.max(x, axis=0),
        nb.sigmoid(x),
        nb.tanh_backward(x, x),
        nb.clip(x, 0, 1),
        nb.linear_forward(x.T, x, np.ones((4, 1), np.float32)),
        *nb.linear_backward(x, x, W),
        nb.binary_cross_entropy(nb.sigmoid(x), Y),
        nb.transpose(x),
        nb.copy(x.T),
    ]
    assert [r.dtype.name for r in results] == ["float32"] * len(results)


def test_fast_float32_exp_and_tanh_match_numpy_to_a_few_ulps():
    nb = backends.get_backend("numba", "float32")
    special = [np.nan, np.inf, -np.inf, 0.0, 88.72283, 88.7229, -103.9, -104.5, 1e-30]
    x = np.concatenate([np.linspace(-110, 95, 400_001), np.linspace(-1e-3, 1e-3, 2001), special])
    x = x.astype(np.float32)
    with np.errstate(all="ignore"):
        for op in ("exp", "tanh"):
            got, want = getattr(nb, op)(x), getattr(np, op)(x.astype(np.float64))
            np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
            np.testing.assert_array_equal(np.isinf(got), np.isinf(want.astype(np.float32)))
            ok = np.isfinite(want) & (np.abs(want) > 1e-37) & np.isfinite(want.astype(np.float32))
            assert np.max(np.abs(got[ok] - want[ok]) / np.abs(want[ok])) < 4 * EPS["float32"]


# -- threads and cache ------------------------------------------------------------------------------
def hammer(nb, n_threads=6, rounds=15):
    """Call parallel kernels from several Python threads at once; return the wrong results."""
    rng = np.random.default_rng(3)
    A = rng.standard_normal((160, 160)).astype(nb.dtype)
    Z = rng.standard_normal(100_000).astype(nb.dtype)
    want_mm, want_sig = nb.matmul(A, A.T), nb.sigmoid(Z)
    errors: list[str] = []

    def work():
        for _ in range(rounds):
            if not np.array_equal(nb.matmul(A, A.T), want_mm) or not np.array_equal(nb.sigmoid(Z), want_sig):
                errors.append("wrong result")

    threads = [threading.Thread(target=work) for _ in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_several_threads_at_once(nb):
    assert hammer(nb) == []


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("XNN_", "NUMBA_THREADING"))} | env
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=environ,
        cwd=ROOT,
        timeout=600,
    )


def test_workqueue_layer_is_serialized_instead_of_aborting():
    code = """
        import sys; sys.path.insert(0, "tests")
        import backends
        from test_numba_backend import hammer
        nb = backends.get_backend("numba", "float32")
        assert hammer(nb) == []
        assert nb.memory_info()["threading_layer"] == "workqueue", nb.memory_info()
        print("ok")
    """
    done = run_python(code, NUMBA_THREADING_LAYER="workqueue")
    assert done.returncode == 0 and "ok" in done.stdout, done.stdout + done.stderr


def test_kernels_are_cached_on_disk_and_reused(tmp_path):
    code = """
        import numpy as np, backends
        from backends import _numba_elementwise as ew
        nb = backends.get_backend("numba", "float32")
        nb.sigmoid(np.linspace(-5, 5, 11, dtype=np.float32))
        stats = ew.sigmoid.serial.stats  # 11 elements: the serial twin
        print(sum(stats.cache_hits.values()), sum(stats.cache_misses.values()))
    """
    first = run_python(code, NUMBA_CACHE_DIR=str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["0", "1"]  # compiled here
    assert list(tmp_path.rglob("*.nbi")) and list(tmp_path.rglob("*.nbc"))
    notice = f"xnn: compiling numba kernels (first run only, cached in {tmp_path}"
    assert first.stderr.count("compiling numba kernels") == 1 and notice in first.stderr, first.stderr
    second = run_python(code, NUMBA_CACHE_DIR=str(tmp_path))
    assert second.returncode == 0, second.stderr
    assert second.stdout.split() == ["1", "0"]  # loaded from the cache, not compiled
    assert "compiling" not in second.stderr, second.stderr  # a cache hit says nothing


def test_compiling_other_code_is_not_announced(tmp_path):
    code = """
        import numba, backends
        backends.get_backend("numba", "float64")
        print(numba.njit(lambda x: x + 1)(1))
    """
    done = run_python(code, NUMBA_CACHE_DIR=str(tmp_path))
    assert done.returncode == 0 and done.stdout.split() == ["2"], done.stderr
    assert "compiling" not in done.stderr, done.stderr


def test_missing_numba_raises_backend_unavailable_with_the_fix():
    code = """
        import sys; sys.modules["numba"] = None  # what an environment without numba looks like
        import backends
        try:
            backends.get_backend("numba")
        except backends.BackendUnavailableError as e:
            assert isinstance(e.__cause__, ImportError), repr(e.__cause__)
            print(e)
    """
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    assert "pip install numba" in done.stdout


def test_errors_read_as_on_the_numpy_backend(nb):
    npb = backends.get_backend("numpy", nb.dtype.name)
    for call in (
        lambda be: be.add(be.ones((3, 4)), be.ones((2, 4))),
        lambda be: be.matmul(be.ones((3, 4)), be.ones((5, 2))),
        lambda be: be.where(be.ones((2, 3)) > 0, be.ones((4, 3)), be.zeros((1,))),
    ):
        with pytest.raises(ValueError) as want:
            call(npb)
        with pytest.raises(ValueError) as got:
            call(nb)
        assert str(got.value) == str(want.value)
