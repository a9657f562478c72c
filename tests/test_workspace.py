"""Workspace reuse across training steps (backends/_workspace.py): a step's finished temporaries become
the next step's matmul outputs, and nothing anyone still reads is ever written over."""

from __future__ import annotations

import pickle
import threading

import numpy as np
import pytest

import backends
import xnn
from backends._workspace import MIN_BYTES, Workspace
from xnn import model

BIG = (256, MIN_BYTES // (256 * 4) + 7)  # float32 (256, 1031): just over the size worth keeping
RECYCLING = [(name, dtype) for name in ("numpy", "numba") for dtype in ("float32", "float64")]


def big(dtype="float32", shape=BIG, **kw):
    return np.zeros(shape, dtype=dtype, **kw)


# -- the workspace itself -----------------------------------------------------------------------
def test_a_given_array_is_taken_back_for_its_shape_and_dtype_only():
    ws, a = Workspace(), big()
    ws.give((a,))
    assert ws.nbytes == a.nbytes
    assert ws.take(BIG, "float64") is None
    assert ws.take((BIG[0] + 1, BIG[1]), "float32") is None
    assert ws.take(BIG, "float32") is a
    assert ws.take(BIG, "float32") is None
    assert ws.nbytes == 0


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: np.zeros((8, 8), np.float32), id="small"),
        pytest.param(lambda: big()[:, ::2], id="strided-view"),
        pytest.param(lambda: big().T, id="transposed-view"),
        pytest.param(lambda: big(order="F"), id="fortran-order"),
        pytest.param(lambda: big("int32"), id="int"),
        pytest.param(lambda: big("float16", (BIG[0] * 2, BIG[1])), id="float16"),
        pytest.param(lambda: big().view(np.recarray), id="subclass"),
        pytest.param(lambda: [0.0] * 10, id="not-an-array"),
    ],
)
def test_arrays_that_cannot_serve_as_outputs_are_not_kept(make):
    ws = Workspace()
    ws.give((make(),))
    assert ws.nbytes == 0


def test_read_only_arrays_are_not_kept():
    a = big()
    a.flags.writeable = False
    ws = Workspace()
    ws.give((a,))
    assert ws.nbytes == 0 and ws.take(BIG, "float32") is None


def test_one_array_given_twice_is_kept_once():
    ws, a = Workspace(), big()
    ws.give((a, a))
    ws.give((a,))
    assert ws.take(BIG, "float32") is a
    assert ws.take(BIG, "float32") is None  # never handed out to two callers


def test_caps_per_shape_and_in_bytes():
    ws = Workspace(per_shape=2)
    ws.give((big(), big(), big()))
    assert ws.nbytes == 2 * big().nbytes
    small_cap = Workspace(max_bytes=big().nbytes)
    small_cap.give((big(), big("float64")))
    assert small_cap.nbytes == big().nbytes


def test_free_drops_everything():
    ws = Workspace()
    ws.give((big(), big("float64")))
    ws.free()
    assert ws.nbytes == 0 and ws.take(BIG, "float32") is None and ws.take(BIG, "float64") is None


def test_a_pickled_workspace_comes_back_empty_with_its_caps():
    ws = Workspace(per_shape=3, max_bytes=1 << 25)
    ws.give((big(),))
    back = pickle.loads(pickle.dumps(ws))
    assert (back.per_shape, back.max_bytes, back.nbytes) == (3, 1 << 25, 0)
    back.give((big(),))
    assert back.nbytes == big().nbytes


def test_concurrent_takers_never_share_an_array():
    ws, taken, lock = Workspace(per_shape=64), [], threading.Lock()
    ws.give(tuple(big() for _ in range(64)))

    def taker():
        for _ in range(16):
            a = ws.take(BIG, "float32")
            if a is not None:
                with lock:
                    taken.append(a)

    threads = [threading.Thread(target=taker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(taken) == 64
    assert len({id(a) for a in taken}) == 64
    assert ws.nbytes == 0


# -- training with recycling, on the backends that reuse memory ----------------------------------
def _backend(name: str, dtype: str) -> backends.Backend:
    try:
        return backends.get_backend(name, dtype)
    except backends.BackendUnavailableError as e:
        pytest.skip(f"backend {name} unavailable here: {e}")


def _data(m: int, n_x: int = 6, n_y: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n_x, m)), (rng.random((n_y, m)) > 0.5).astype(float)


NETS = {
    "relu": {"layer_dims": [256, 256, 260, 3]},  # X has Z1's shape: recycling X would show
    "tanh-dropout-l2": {"layer_dims": [6, 256, 256, 3], "hidden": "tanh", "keep_prob": 0.8, "lambd": 0.3},
    "sigmoid-adam": {"layer_dims": [6, 256, 256, 3], "hidden": "sigmoid"},
}


def _train(name, dtype, net_kw, steps, optimizer="gd"):
    kw = dict(net_kw)
    net = xnn.Network(kw.pop("layer_dims"), seed=3, backend=name, dtype=dtype, **kw)
    X, Y = net.inputs(*_data(BIG[1], n_x=net.layer_dims[0]))
    costs = [net.step(X, Y, 0.05, compute_cost=True) for _ in range(steps)] if optimizer == "gd" else None
    if optimizer != "gd":
        net.fit(X, Y, learning_rate=0.01, iterations=steps, optimizer=optimizer, progress=False)
    return net, costs


@pytest.mark.parametrize("case", list(NETS))
@pytest.mark.parametrize(("name", "dtype"), RECYCLING, ids=[f"{n}-{d}" for n, d in RECYCLING])
def test_recycled_steps_are_bit_identical_to_fresh_memory(name, dtype, case, monkeypatch):
    be = _backend(name, dtype)
    optimizer = "adam" if case.endswith("adam") else "gd"
    reused = []
    take = Workspace.take

    def spy(self, shape, dt):
        a = take(self, shape, dt)
        reused.append(a is not None)
        return a

    with monkeypatch.context() as patch:
        patch.setattr(Workspace, "take", spy)
        recycled, recycled_costs = _train(name, dtype, NETS[case], 4, optimizer)
    assert any(reused), "no matmul output was written into recycled memory"
    with monkeypatch.context() as patch:
        patch.setattr(be, "recycle", lambda *arrays: None)
        fresh, fresh_costs = _train(name, dtype, NETS[case], 4, optimizer)
    assert recycled_costs == fresh_costs
    for key, value in fresh.parameters.items():
        np.testing.assert_array_equal(recycled.parameters[key], value, err_msg=key)


@pytest.mark.parametrize(("name", "dtype"), RECYCLING, ids=[f"{n}-{d}" for n, d in RECYCLING])
def test_caches_a_caller_holds_are_never_written_over(name, dtype):
    """Only the training step recycles: forward's caches handed to a caller stay as they were."""
    be = _backend(name, dtype)
    net = xnn.Network([6, 256, 260, 3], seed=1, backend=name, dtype=dtype)
    X, Y = net.inputs(*_data(BIG[1]))
    AL, caches = model.forward(be, net.parameters, X, net.activations)
    before = [be.to_numpy(a).copy() for a in (AL, *(c[2] for c in caches))]
    for _ in range(3):
        net.step(X, Y, 0.05)
    for kept, was in zip((AL, *(c[2] for c in caches)), before, strict=True):
        np.testing.assert_array_equal(be.to_numpy(kept), was)
    assert be.to_numpy(X).shape == (6, BIG[1])


@pytest.mark.parametrize(("name", "dtype"), RECYCLING, ids=[f"{n}-{d}" for n, d in RECYCLING])
def test_fit_gives_the_memory_back_when_it_ends(name, dtype):
    be = _backend(name, dtype)
    net = xnn.Network([6, 256, 3], seed=1, backend=name, dtype=dtype)
    net.step(*net.inputs(*_data(BIG[1])), 0.05)
    assert be._workspace.nbytes > 0  # a step keeps its big temporaries for the next one
    net.fit(*_data(BIG[1]), iterations=2, progress=False)
    assert be._workspace.nbytes == 0


def test_every_backend_takes_recycle_and_free_workspace_without_changing_results(be):
    """The contract's no-op default (python, dask, cupy) and the numpy/numba workspace alike."""
    nets = [xnn.Network([3, 5, 1], seed=0, backend=be.name, dtype=be.dtype) for _ in range(2)]
    X, Y = nets[0].inputs(*_data(40, n_x=3, n_y=1))
    costs = []
    for i, net in enumerate(nets):
        for _ in range(3):
            costs.append(net.step(X, Y, 0.1, compute_cost=True))
            if i:
                be.recycle(be.zeros((4, 4)), be.ones((3,)))
                be.free_workspace()
    assert costs[:3] == costs[3:]
