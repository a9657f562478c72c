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


def _data(net: xnn.Network, m: int, seed: int = 0):
    """X (n_x, m) and targets fitting the net's output: class labels for softmax, 0/1 otherwise."""
    rng = np.random.default_rng(seed)
    X, n_y = rng.standard_normal((net.layer_dims[0], m)), net.layer_dims[-1]
    if net.activations[-1] == "softmax":
        return X, rng.integers(0, n_y, (1, m))
    return X, (rng.random((n_y, m)) > 0.5).astype(float)


M = BIG[1]
# (net, m, optimizer). A wrongly recycled array shows only where a later output has its shape and
# dtype: "relu" gives X Z1's shape; "square" gives W2, Adam's moments of W2, X, Z1, Z2 and dA one
# shape (512, 512) float32 = 1 MiB
NETS = {
    "relu": ({"layer_dims": [256, 256, 260, 3]}, M, "gd"),
    "square-adam": ({"layer_dims": [512, 512, 512, 3]}, 512, "adam"),
    "tanh-dropout-l2": (
        {"layer_dims": [6, 256, 256, 3], "hidden": "tanh", "keep_prob": 0.8, "lambd": 0.3},
        M,
        "gd",
    ),
    "sigmoid-momentum": ({"layer_dims": [6, 256, 256, 3], "hidden": "sigmoid"}, M, "momentum"),
    "linear-mse": ({"layer_dims": [6, 256, 256, 3], "output": "linear", "loss": "mse"}, M, "gd"),
    "softmax-cce": ({"layer_dims": [6, 256, 256, 3], "output": "softmax"}, M, "gd"),
}


def _train(name, dtype, case, steps=4):
    """The net of NETS[case] after `steps` steps (gd: net.step; other optimizers: fit), its costs."""
    net_kw, m, optimizer = NETS[case]
    kw = dict(net_kw)
    net = xnn.Network(kw.pop("layer_dims"), seed=3, backend=name, dtype=dtype, **kw)
    X, Y = net.inputs(*_data(net, m))
    if optimizer == "gd":
        return net, [net.step(X, Y, 0.05, compute_cost=True) for _ in range(steps)]
    return net, net.fit(X, Y, learning_rate=1e-4, iterations=steps, optimizer=optimizer, progress=False)


def _spy_takes(patch) -> list[bool]:
    """Record, for every Workspace.take, whether it handed out a recycled array."""
    taken, take = [], Workspace.take

    def spy(self, shape, dt):
        a = take(self, shape, dt)
        taken.append(a is not None)
        return a

    patch.setattr(Workspace, "take", spy)
    return taken


@pytest.mark.parametrize("case", list(NETS))
@pytest.mark.parametrize(("name", "dtype"), RECYCLING, ids=[f"{n}-{d}" for n, d in RECYCLING])
def test_recycled_steps_are_bit_identical_to_fresh_memory(name, dtype, case, monkeypatch):
    be = _backend(name, dtype)
    be.free_workspace()
    with monkeypatch.context() as patch:
        taken = _spy_takes(patch)
        recycled, recycled_costs = _train(name, dtype, case)
    assert any(taken), "no matmul output was written into recycled memory"
    be.free_workspace()
    with monkeypatch.context() as patch:
        patch.setattr(be, "recycle", lambda *arrays: None)
        taken = _spy_takes(patch)
        fresh, fresh_costs = _train(name, dtype, case)
    assert not any(taken), "the fresh run reused memory"
    assert recycled_costs == fresh_costs
    for key, value in fresh.parameters.items():
        np.testing.assert_array_equal(recycled.parameters[key], value, err_msg=key)


@pytest.mark.parametrize(("name", "dtype"), RECYCLING, ids=[f"{n}-{d}" for n, d in RECYCLING])
def test_arrays_a_caller_holds_are_never_written_over(name, dtype):
    """Only the training step recycles, and only its own arrays: forward's caches handed to a caller,
    and X and Y (X shaped like Z1, so reusing it would show), stay as they were."""
    be = _backend(name, dtype)
    net = xnn.Network([256, 256, 260, 3], seed=1, backend=name, dtype=dtype)
    X, Y = net.inputs(*_data(net, M))
    AL, caches = model.forward(be, net.parameters, X, net.activations)
    held = (X, Y, AL, *(c[2] for c in caches))
    before = [be.to_numpy(a).copy() for a in held]
    for _ in range(3):
        net.step(X, Y, 0.05)
    assert be._workspace.nbytes > 0
    for array, was in zip(held, before, strict=True):
        np.testing.assert_array_equal(be.to_numpy(array), was)


@pytest.mark.parametrize(("name", "dtype"), RECYCLING, ids=[f"{n}-{d}" for n, d in RECYCLING])
def test_fit_gives_the_memory_back_when_it_ends(name, dtype):
    be = _backend(name, dtype)
    net = xnn.Network([6, 256, 3], seed=1, backend=name, dtype=dtype)
    net.step(*net.inputs(*_data(net, M)), 0.05)
    assert be._workspace.nbytes > 0  # a step keeps its big temporaries for the next one
    net.fit(*_data(net, M), iterations=2, progress=False)
    assert be._workspace.nbytes == 0


def test_every_backend_accepts_recycle_and_free_workspace(be):
    """A smoke test of the contract's two methods everywhere (no-ops on python, dask, cupy): they take
    any arrays, big or small, and leave training's results as they were."""
    nets = [xnn.Network([3, 5, 1], seed=0, backend=be.name, dtype=be.dtype) for _ in range(2)]
    X, Y = nets[0].inputs(*_data(nets[0], 40))
    costs = []
    for i, net in enumerate(nets):
        for _ in range(3):
            costs.append(net.step(X, Y, 0.1, compute_cost=True))
            if i:
                be.recycle(be.zeros((4, 4)), be.ones((3,)), be.zeros((5, MIN_BYTES // 20 + 1)))
        be.free_workspace()
    assert costs[:3] == costs[3:]


@pytest.mark.parametrize(("name", "dtype"), RECYCLING, ids=[f"{n}-{d}" for n, d in RECYCLING])
def test_small_products_never_look_in_the_workspace(name, dtype, monkeypatch):
    """A tiny net's matmuls skip the lookup even while big arrays wait in the workspace."""
    be = _backend(name, dtype)
    be.recycle(big(dtype))
    assert be._workspace.nbytes > 0
    net = xnn.Network([2, 4, 1], seed=0, backend=name, dtype=dtype)
    X, Y = net.inputs(*_data(net, 400))
    with monkeypatch.context() as patch:
        taken = _spy_takes(patch)
        net.step(X, Y, 0.1)
    assert taken == []
    be.free_workspace()
