"""momentum_update_, rmsprop_update_ and adam_update_ on every backend and dtype against NumPy: random
shapes, in place, nan and inf, a grad that aliases param or a state, strided and Fortran-order
arrays, shape and overlap errors, the fused path really taken, and 10 steps against torch's Adam."""

from __future__ import annotations

import numpy as np
import pytest
import train_oracle as oracle
from helpers import assert_close, host
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from backends._base import Backend

KINDS = list(oracle.UPDATES)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6)


def run_update(be, kind, inputs, views=None):
    """Run update `kind` on backend copies of inputs (p, g, v, s) or on `views` {"p": ...} instead;
    compare with NumPy."""
    call, formula = oracle.UPDATES[kind]
    p, g, v, s = inputs
    views = views or {}
    arrays = {"p": p, "g": g, "v": v, "s": s}
    args = {k: views.get(k, be.asarray(x)) for k, x in arrays.items()}
    expected, scale = formula(p, g, v, s), oracle.update_scale(p, g, v, s)  # before p may change
    got = call(be, args["p"], args["g"], args["v"], args["s"])
    assert len(got) == len(expected)
    for out, want in zip(got, expected, strict=True):
        assert_close(be, out, want.astype(be.dtype), scale=scale, ulps=8)
    return args, got


@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data(), shape=shapes)
def test_updates_match_numpy_in_place(be, kind, data, shape):
    p, g, v, s = oracle.update_inputs(shape, data.draw(st.integers(0, 2**32 - 1)), be.dtype)
    args, got = run_update(be, kind, (p, g, v, s))
    if be.name == "dask":
        return  # immutable arrays: the returned ones are the result (rule 6)
    states = {"momentum": ["v"], "rmsprop": ["s"], "adam": ["v", "s"]}[kind]
    for out, name in zip(got, ["p", *states], strict=True):
        assert out is args[name], f"{kind}: {name} was not updated in place"


@pytest.mark.parametrize("kind", KINDS)
def test_nan_and_inf_propagate_as_in_numpy(be, kind):
    p, g, v, s = oracle.update_inputs((2, 4), 0, be.dtype)
    g[0, :3] = [np.nan, np.inf, -np.inf]
    v[1, 0], s[1, 1], p[1, 2] = np.nan, np.inf, np.nan
    run_update(be, kind, (p, g, v, s))


@pytest.mark.parametrize("kind", KINDS)
def test_huge_gradients_overflow_to_inf_like_numpy(be, kind):
    if be.dtype != np.float64:
        pytest.skip("the python backend computes in Python floats: float32 overflows later by design")
    p, g, v, s = oracle.update_inputs((3,), 1, be.dtype)
    g[:] = np.finfo(be.dtype).max / 4  # g * g overflows to inf, then the step is nan or 0
    run_update(be, kind, (p, g, v, s))


@pytest.mark.parametrize("alias", ["param", "v", "s"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_grad_that_is_param_or_a_state_is_read_before_it_is_written(be, kind, alias):
    p, g, v, s = oracle.update_inputs((3, 5), 2, be.dtype)
    P, V, S = be.asarray(p), be.asarray(v), be.asarray(s)
    target = {"param": (P, p), "v": (V, v), "s": (S, s)}[alias]
    run_update(be, kind, (p, target[1], v, s), {"p": P, "g": target[0], "v": V, "s": S})


@pytest.mark.parametrize("kind", KINDS)
def test_a_grad_that_overlaps_param_shifted_by_one(be, kind):
    if be.name == "dask":
        pytest.skip("dask arrays do not alias")
    buf = oracle.update_inputs((21,), 3, be.dtype)[0]
    _, _, v, s = oracle.update_inputs((20,), 4, be.dtype)
    B = be.asarray(buf)
    run_update(be, kind, (buf[:20], buf[1:], v, s), {"p": B[:20], "g": B[1:]})


@pytest.mark.parametrize("kind", KINDS)
def test_strided_and_fortran_order_arrays_are_updated_where_they_lie(be, kind):
    if be.name == "dask":
        pytest.skip("no views on dask arrays")
    p, g, v, s = oracle.update_inputs((4, 6), 5, be.dtype)
    big = be.asarray(np.zeros((8, 18)))
    P = big[::2, ::3]  # a strided view: what is outside it must stay 0
    P[...] = be.asarray(p)
    V, S = (be.asarray(np.asfortranarray(x)) for x in (v, s))
    G = be.asarray(np.ascontiguousarray(g.T)).T
    run_update(be, kind, (p, g, v, s), {"p": P, "g": G, "v": V, "s": S})
    mask = np.ones((8, 18), bool)
    mask[::2, ::3] = False
    assert (host(be, big)[mask] == 0).all()


@pytest.mark.parametrize("kind", KINDS)
def test_all_fortran_order(be, kind):
    p, g, v, s = (np.asfortranarray(x) for x in oracle.update_inputs((5, 3), 6, be.dtype))
    views = {k: be.asarray(np.asfortranarray(x)) for k, x in zip("pgvs", (p, g, v, s), strict=True)}
    run_update(be, kind, (p, g, v, s), views)


@pytest.mark.parametrize("kind", KINDS)
def test_shape_mismatch_is_an_error_naming_both_shapes(be, kind):
    call = oracle.UPDATES[kind][0]
    p, g, v, s = (be.asarray(x) for x in oracle.update_inputs((3, 4), 7, be.dtype))
    with pytest.raises(ValueError, match=r"grad has shape \(1, 4\) but param has shape \(3, 4\)"):
        call(be, p, be.asarray(np.ones((1, 4))), v, s)
    with pytest.raises(ValueError, match=r"has shape \(4, 3\) but param has shape \(3, 4\).*be.zeros"):
        call(be, p, g, be.asarray(np.ones((4, 3))), be.asarray(np.ones((4, 3))))


@pytest.mark.parametrize("kind", KINDS)
def test_param_sharing_memory_with_its_state_is_an_error(be, kind):
    if be.name == "dask":
        pytest.skip("dask arrays do not alias")
    call = oracle.UPDATES[kind][0]
    p, g, v, s = (be.asarray(x) for x in oracle.update_inputs((3, 4), 8, be.dtype))
    state = {"momentum": "v", "rmsprop": "s", "adam": "v"}[kind]
    with pytest.raises(ValueError, match=f"param and {state} share memory"):
        call(be, p, g, p, p)


COMPOSED = ("add", "multiply", "divide", "subtract", "sqrt", "sgd_update_", "full", "exp", "max", "sum")


@pytest.mark.parametrize("kind", KINDS)
def test_updates_are_fused_not_composed_from_primitives(be, kind, monkeypatch):
    if be.name not in ("numpy", "python", "numba", "cupy"):
        pytest.skip("composes from primitives by design")

    def composed(*args, **kwargs):
        raise AssertionError("the composed default was used")

    for name in COMPOSED:
        monkeypatch.setattr(type(be), name, composed)
    run_update(be, kind, oracle.update_inputs((4, 5), 9, be.dtype))


def test_softmax_and_cost_are_fused_on_the_loop_and_kernel_backends(be, monkeypatch):
    if be.name not in ("python", "numba", "cupy"):
        pytest.skip("numpy's softmax is its own xp code")
    Z = be.asarray(np.arange(6.0).reshape(3, 2))
    for name in (*COMPOSED, "log", "clip", "maximum", "where", "greater"):
        monkeypatch.setattr(type(be), name, lambda *a, **k: pytest.fail("composed"))
    S = be.softmax(Z)
    be.softmax_backward(Z, Z)
    be.categorical_cross_entropy(S, S)


def test_ten_adam_steps_match_torch(be):
    torch = pytest.importorskip("torch")
    if be.dtype != np.float32:
        pytest.skip("compared in float32, as the issue asks")
    rng = np.random.default_rng(10)
    p0 = rng.uniform(-1, 1, (7, 5)).astype(np.float32)
    grads = rng.normal(size=(10, 7, 5)).astype(np.float32)
    w = torch.nn.Parameter(torch.from_numpy(p0.copy()))
    opt = torch.optim.Adam([w], lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    P, V, S = be.asarray(p0), be.zeros(p0.shape), be.zeros(p0.shape)
    for t, g in enumerate(grads, start=1):
        w.grad = torch.from_numpy(g.copy())
        opt.step()
        P, V, S = be.adam_update_(P, be.asarray(g), V, S, 1e-3, 0.9, 0.999, 1e-8, t)
    state = opt.state[w]
    for got, want in ((P, w), (V, state["exp_avg"]), (S, state["exp_avg_sq"])):
        np.testing.assert_allclose(host(be, got), want.detach().numpy(), rtol=0, atol=1e-6)


def test_composed_default_is_still_the_base_formula(np_be):
    p, g, v, s = oracle.update_inputs((3, 3), 11, np.float64)
    expected = oracle.adam(p, g, v, s)
    hyper = (oracle.LR, oracle.BETA1, oracle.BETA2, oracle.EPS, oracle.STEP)
    got = Backend.adam_update_(np_be, p, g, v, s, *hyper)
    for out, want in zip(got, expected, strict=True):
        np.testing.assert_allclose(out, want, rtol=1e-14)
