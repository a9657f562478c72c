"""The dask backend: exactly numpy's training on any column chunking, its layout rules, the step's
economy (one compute, a bounded graph), the fused ops' shortcuts, selection and the missing-dask error."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import backends
import xnn

da = pytest.importorskip("dask.array", reason="dask not installed (pip install 'xnn[dask]')")
from backends import _dask_layout as layout  # noqa: E402
from backends.dask_backend import DaskBackend  # noqa: E402

UNEVEN = (10, 3, 17, 5, 8, 30, 24)  # 7 chunks, m = 97
CHUNKINGS = [
    pytest.param((97,), id="1-chunk"),
    pytest.param((50, 47), id="2-chunks"),
    pytest.param(UNEVEN, id="7-uneven"),
]


def toy(n_x=5, m=97, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    return X, (X[0] + X[1] ** 2 > 0.5).astype(np.float64).reshape(1, m)


def train(backend, X, Y, batch_size=None, dims=(5, 6, 4, 1), iterations=10, **arch):
    net = xnn.Network(list(dims), backend=backend, dtype="float64", seed=3, **arch)
    costs = net.fit(X, Y, 0.1, iterations, batch_size=batch_size, progress=False)
    return costs, net


@pytest.mark.parametrize("batch_size", [None, 16], ids=["full-batch", "mini-batches"])
@pytest.mark.parametrize("chunks", CHUNKINGS)
def test_ten_steps_equal_numpys_parameters_and_costs(chunks, batch_size):
    X, Y = toy()
    epochs = 10 if batch_size is None else 2  # 10 steps, or 2 epochs of 7 mini-batches
    ref_costs, ref = train("numpy", X, Y, batch_size, iterations=epochs)
    be = DaskBackend("float64", chunk=5)  # mini-batches are chunked too: 16 columns in 4 chunks
    costs, net = train(be, da.from_array(X, chunks=(5, chunks)), Y, batch_size, iterations=epochs)
    np.testing.assert_allclose(costs, ref_costs, rtol=1e-12, atol=1e-12)
    for key, expected in ref.parameters.items():
        np.testing.assert_allclose(net.parameters[key], expected, rtol=1e-12, atol=1e-12, err_msg=key)


@pytest.mark.parametrize(
    "arch",
    [
        {"hidden": "tanh", "output": "sigmoid", "loss": "mse"},
        {"hidden": "leaky_relu", "slope": -0.2, "output": "linear"},
        {"hidden": ["sigmoid", "relu"], "output": "sigmoid"},
    ],
    ids=["tanh-mse", "negative-leaky-linear", "sigmoid-relu"],
)
def test_every_activation_path_trains_like_numpy_on_uneven_chunks(arch):
    X, Y = toy()
    ref_costs, ref = train("numpy", X, Y, **arch)
    costs, net = train(DaskBackend("float64"), da.from_array(X, chunks=(5, UNEVEN)), Y, **arch)
    np.testing.assert_allclose(costs, ref_costs, rtol=1e-12, atol=1e-12)
    for key, expected in ref.parameters.items():
        np.testing.assert_allclose(net.parameters[key], expected, rtol=1e-12, atol=1e-12, err_msg=key)


def test_dask_input_keeps_its_chunks_and_labels_follow_them():
    X, Y = toy()
    net = xnn.Network([5, 3, 1], backend=DaskBackend("float64", chunk=40), dtype="float64")
    Xb, Yb = net.inputs(da.from_array(X, chunks=(2, UNEVEN)), Y)  # rows chunked too: made whole
    assert Xb.chunks == ((5,), UNEVEN) and Yb.chunks == ((1,), UNEVEN)
    Xn, Yn = net.inputs(*toy(m=100))  # numpy input: chunk columns per chunk
    assert Xn.chunks[1] == Yn.chunks[1] == (40, 40, 20)


def test_chunk_size_from_the_environment(monkeypatch):
    monkeypatch.setenv("XNN_DASK_CHUNK", "4")
    be = DaskBackend("float32")
    assert be.asarray(np.ones((3, 10))).chunks == ((3,), (4, 4, 2))
    assert be.zeros((2, 9)).chunks == ((2,), (4, 4, 1))
    assert be.asarray(np.ones((10,))).numblocks == (1,)  # only 2-D arrays are split along m
    monkeypatch.setenv("XNN_DASK_CHUNK", "lots")
    with pytest.raises(ValueError, match="XNN_DASK_CHUNK='lots': expected a positive integer"):
        DaskBackend("float32")


def test_default_chunks_one_per_worker_thread_but_not_tiny():
    be = DaskBackend("float32", scheduler="threads")
    be.scheduler.threads = 4
    assert be.asarray(np.ones((1, 100))).numblocks == (1, 1)
    assert be.asarray(np.ones((1, 40_000))).chunks[1] == (10_000,) * 4


def _step_tasks(be, dims, m, chunks):
    """Tasks in the graph one train_step computes, counted where the step hands it to dask."""
    rng = np.random.default_rng(0)
    X = da.from_array(rng.standard_normal((dims[0], m), dtype=be.dtype), chunks=(dims[0], m // chunks))
    net = xnn.Network(dims, backend=be)
    Xb, Yb = net.inputs(X, (rng.random((1, m)) > 0.5).astype(float))
    seen = []
    compute = be.scheduler.compute
    be.scheduler.compute = lambda *values, **kw: seen.append(layout.count_tasks(*values)) or compute(*values)
    try:
        net.train_step(Xb, Yb, 0.1)
    finally:
        be.scheduler.compute = compute
    return seen


@pytest.mark.parametrize("chunks", [1, 2, 4, 8])
def test_one_compute_per_step_with_at_most_4L_plus_4_tasks_per_chunk(chunks):
    dims = [20, 16, 8, 1]
    seen = _step_tasks(DaskBackend("float32"), dims, 800, chunks)
    assert len(seen) == 1, "train_step must compute exactly once"
    assert seen[0] <= (4 * (len(dims) - 1) + 4) * chunks


def test_graphs_do_not_grow_across_steps():
    X, Y = toy()
    net = xnn.Network([5, 4, 1], backend=DaskBackend("float64", chunk=30), dtype="float64")
    Xb, Yb = net.inputs(X, Y)
    for _ in range(5):
        cost = net.train_step(Xb, Yb, 0.1)
    assert all(len(p.dask) == 1 for p in net.device_parameters.values())  # data, not history
    assert len(cost.dask) == 1


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"])
def test_backward_from_the_activation_equals_backward_from_z(activation):
    be = DaskBackend("float64", chunk=3)
    rng = np.random.default_rng(1)
    Z, dA = (be.asarray(rng.normal(scale=3, size=(4, 10))) for _ in range(2))
    A = be.activation_forward(Z, activation, 0.05)  # remembered: backward reads A, not Z
    shortcut = be.to_numpy(be.activation_backward(dA, Z, activation, 0.05))
    be._outputs.clear()
    plain = be.to_numpy(be.activation_backward(dA, Z, activation, 0.05))
    np.testing.assert_allclose(shortcut, plain, rtol=1e-15, atol=1e-15)
    assert be.to_numpy(A).shape == (4, 10)


def test_negative_leaky_slope_never_takes_the_shortcut():
    be = DaskBackend("float64", chunk=3)
    Z = be.asarray([[-1.0, 2.0, -3.0]])
    be.activation_forward(Z, "leaky_relu", -0.5)  # A > 0 where Z < 0: A cannot stand for Z
    dZ = be.activation_backward(be.ones((1, 3)), Z, "leaky_relu", -0.5)
    np.testing.assert_array_equal(be.to_numpy(dZ), [[-0.5, 1.0, -0.5]])


def test_sgd_update_rebinds_the_same_object_and_leaves_copies_alone():
    be = DaskBackend("float64")
    W = be.asarray([[1.0, 2.0]])
    snapshot = be.copy(W)
    assert be.sgd_update_(W, be.ones((1, 2)), 0.5) is W
    np.testing.assert_array_equal(be.to_numpy(W), [[0.5, 1.5]])
    np.testing.assert_array_equal(be.to_numpy(snapshot), [[1.0, 2.0]])


def test_the_callers_errstate_reaches_the_tasks():
    be = DaskBackend("float64", chunk=2)
    x = be.asarray(np.array([[np.inf, 1.0, 2.0]]))
    with np.errstate(invalid="raise"):
        product = be.multiply(x, be.zeros(()))
    with pytest.raises(FloatingPointError):
        be.to_numpy(product)
    with np.errstate(invalid="ignore"):
        quiet = be.multiply(x, be.zeros(()))
    with np.errstate(invalid="raise"):  # the setting at the op, not at compute, is the one that counts
        assert np.isnan(be.to_numpy(quiet)[0, 0])


def test_inner_backend_is_selectable(monkeypatch):
    monkeypatch.setenv("XNN_DASK_INNER", "python")
    be = DaskBackend("float64", chunk=4)
    assert be.inner.name == "python" and be.memory_info()["inner"] == "python"
    X, Y = toy(n_x=2, m=10)
    _, ref = train("numpy", X, Y, dims=(2, 3, 1), iterations=3)
    _, net = train(be, X, Y, dims=(2, 3, 1), iterations=3)
    for key, expected in ref.parameters.items():
        np.testing.assert_allclose(net.parameters[key], expected, rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match=r"'dask' \(from the argument inner\): it must be numpy"):
        DaskBackend("float64", inner="dask")


def test_import_backends_imports_no_dask():
    code = "import backends, xnn, sys; backends.get_backend(); print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


def test_missing_dask_is_the_usual_unavailable_error(monkeypatch):
    for name in [
        n for n in sys.modules if n == "dask" or n.startswith(("dask.", "backends._dask", "backends.dask"))
    ]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "dask", None)  # what an uninstalled dask looks like to import
    monkeypatch.setattr(backends, "_instances", {})
    with pytest.raises(backends.BackendUnavailableError, match=r'pip install "xnn\[dask\]"') as info:
        backends.get_backend("dask")
    assert isinstance(info.value.__cause__, ImportError)


def test_the_device_path_moves_host_chunks_through_the_inner_backend():
    """What XNN_DASK_INNER=cupy does to host data, exercised with numpy standing in for the device."""
    be = DaskBackend("float64", chunk=20)
    be.on_device = True
    X, Y = toy()
    ref_costs, ref = train("numpy", X, Y, iterations=3)
    costs, net = train(be, da.from_array(X, chunks=(5, UNEVEN)), Y, iterations=3)
    assert "to_device_chunk" in str(dict(be.asarray(da.ones((2, 4))).dask))
    np.testing.assert_allclose(costs, ref_costs, rtol=1e-12, atol=1e-12)
    for key, expected in ref.parameters.items():
        np.testing.assert_allclose(net.parameters[key], expected, rtol=1e-12, atol=1e-12, err_msg=key)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_optimizer_moments_are_computed_with_the_step_and_match_numpy(optimizer):
    X, Y = toy()
    ref = xnn.Network([5, 6, 1], backend="numpy", dtype="float64", seed=3)
    ref_costs = ref.fit(X, Y, 0.01, 6, batch_size=40, optimizer=optimizer, progress=False)
    net = xnn.Network([5, 6, 1], backend=DaskBackend("float64", chunk=30), dtype="float64", seed=3)
    costs = net.fit(X, Y, 0.01, 6, batch_size=40, optimizer=optimizer, progress=False)
    np.testing.assert_allclose(costs, ref_costs, rtol=1e-12, atol=1e-12)
    for key, expected in ref.parameters.items():
        np.testing.assert_allclose(net.parameters[key], expected, rtol=1e-12, atol=1e-12, err_msg=key)
    moments = [a for state in net.optimizer.moments.values() for a in state.values()]
    assert moments and all(len(a.dask) == 1 for a in moments)  # data after each step, not a history
