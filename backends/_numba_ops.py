"""The numba backend's Python boundary: dtypes, layouts, output allocation, one kernel call per op.

Inputs become C-contiguous flat buffers with element strides (`_numba_layout`); anything else is
copied by the gather kernel (a transposed view is read through its strides, not by NumPy).
Outputs are allocated with np.empty and filled by a kernel. NumPy never does an op's work here.

Threads: numba picks its threading layer (tbb, else omp, else workqueue; NUMBA_THREADING_LAYER
overrides) when the first parallel kernel runs. tbb and GNU omp may be entered from several Python
threads at once; workqueue aborts the process when entered concurrently, so while it is the layer
(or while the layer is not yet known) every kernel call takes one process-wide lock (`call`).
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import numba
import numpy as np

from backends import _numba_binary as bn
from backends import _numba_elementwise as ew
from backends import _numba_flat as fl
from backends import _numba_inplace as ip
from backends import _numba_matmul as mm
from backends import _numba_reduce as rd
from backends._numba_layout import broadcast_layout, c_strides, dense_source, reduce_layout, strided_layout
from backends._shapes import broadcast_shape, check_matmul, normalize_axes, reduced_shape, writable_float

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
UNARY = {
    name: getattr(ew, name)
    for name in ("exp", "log", "tanh", "sqrt", "negative", "clip", "sigmoid", "relu", "leaky_relu")
}
UNARY["abs"] = ew.abs_
BINARY = {
    name: getattr(bn, name)
    for name in ("add", "subtract", "multiply", "divide", "maximum", "minimum", "power", "greater")
}
FLAT = {name: getattr(fl, name) for name in BINARY}
PAIR = {
    name: getattr(ew, name)
    for name in ("sigmoid_backward", "tanh_backward", "relu_backward", "leaky_relu_backward", "bce_backward")
}
INPLACE = {name: getattr(ip, name) for name in ("relu", "leaky_relu")}
INPLACE_PAIR = {name: getattr(ip, name) for name in PAIR if name != "bce_backward"}
FOLD = {
    ("sum", True): rd.sum_last,
    ("max", True): rd.max_last,
    ("sum", False): rd.sum_outer,
    ("max", False): rd.max_outer,
}

_lock = threading.Lock()
_serialize = True  # until a parallel kernel has run on a layer known to be thread-safe


def threading_layer() -> str | None:
    """numba's threading layer, or None before the first parallel kernel has started the pool."""
    try:
        return numba.threading_layer()
    except ValueError:
        return None


def call(kernel: Any, *args: Any) -> Any:
    """Run a kernel; serialized by a process-wide lock unless the threading layer is thread-safe.

    Until a parallel region has run, the layer is unknown and calls take the lock; once it is known,
    tbb/omp calls run concurrently and workqueue calls (which abort when entered concurrently) keep
    the lock. The pool starts lazily: a process that forks before big kernels stays fork-safe.
    """
    global _serialize
    if not _serialize:
        return kernel(*args)
    with _lock:
        result = kernel(*args)
        if threading_layer() not in (None, "workqueue"):
            _serialize = False
        return result


def float_dtype(*arrays: Any) -> np.dtype:
    """NumPy's result dtype when it is float32/float64, else float64 (the kernels compute in floats).

    The backend hands over float32/float64 arrays only (other inputs are cast to its own float dtype
    first); the float64 fallback is for direct callers."""
    dt = np.result_type(*arrays)
    return dt if dt in FLOATS else np.dtype(np.float64)


def flat(x: np.ndarray) -> np.ndarray:
    """1-D view of a C-contiguous array."""
    return x.reshape(-1)


def gather(src: np.ndarray, out: np.ndarray, layout: tuple[np.ndarray, ...]) -> np.ndarray:
    """out (C order) = flat `src` read through `layout` (shape, element strides); returns out."""
    if out.size:
        call(bn.gather, src, flat(out), *layout)
    return out


def compiled_reads(x: np.ndarray) -> bool:
    """Whether numba's kernels can read x: not float16, not byte-swapped (callers let NumPy convert
    it, or fall back to NumPy)."""
    return x.dtype.char != "e" and x.dtype.isnative


def as_c(x: Any, dtype: Any = None) -> np.ndarray:
    """x as a C-contiguous ndarray of `dtype` (default: its own), copied by the gather kernel."""
    x = np.asarray(x)
    dtype = (x.dtype if dtype is None else np.dtype(dtype)).newbyteorder("=")  # results: native order
    if x.flags.c_contiguous and x.dtype == dtype:
        return x
    if x.size == 0:
        return np.empty(x.shape, dtype)
    if dtype.char == "e" or not compiled_reads(x):  # numba writes no float16 and reads neither float16
        return np.ascontiguousarray(x, dtype)  # nor byte-swapped data: NumPy converts
    source = (x.reshape(1), ()) if x.ndim == 0 else dense_source(x)
    if source is None:  # a strided slice, not a permutation of contiguous memory: NumPy packs it
        source = flat(np.ascontiguousarray(x)), tuple(c_strides(x.shape))
    return gather(source[0], np.empty(x.shape, dtype), strided_layout(x.shape, source[1]))


def unary(name: str, x: Any, p: float = 0.0, q: float = 0.0) -> np.ndarray:
    """out = op(x) elementwise; p, q: slope or clip bounds."""
    dt = float_dtype(x)
    x = as_c(x, dt)
    out = np.empty(x.shape, dt)
    if out.size:
        call(UNARY[name], flat(x), flat(out), dt.type(p), dt.type(q))
    return out


@functools.lru_cache(maxsize=1024)
def out_shape(name: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """broadcast_shape, remembered (errors are raised again each time, never cached)."""
    return broadcast_shape(name, *shapes)


def binary(name: str, a: Any, b: Any) -> np.ndarray:
    """out = op(a, b) with NumPy broadcasting; bool for greater."""
    dt = float_dtype(a, b)
    a, b = as_c(a, dt), as_c(b, dt)
    same = a.shape == b.shape
    shape = a.shape if same else out_shape(name, a.shape, b.shape)
    out = np.empty(shape, np.bool_ if name == "greater" else dt)
    if out.size and same:  # one flat loop: no layout to build, walk or compile
        call(FLAT[name], flat(a), flat(b), flat(out))
    elif out.size:
        layout = broadcast_layout(shape, a.shape, b.shape)
        call(BINARY[name], flat(a), flat(b), flat(out), *layout)
    return out


def pair(name: str, a: Any, b: Any, p: float = 0.0, q: float = 0.0) -> np.ndarray | None:
    """out = op(a, b, p, q) for a fused NN op on same-shape a, b; None when the shapes differ."""
    if np.shape(a) != np.shape(b):
        return None
    dt = float_dtype(a, b)
    a, b = as_c(a, dt), as_c(b, dt)
    out = np.empty(a.shape, dt)
    if out.size:
        call(PAIR[name], flat(a), flat(b), flat(out), dt.type(p), dt.type(q))
    return out


def spendable(x: Any) -> bool:
    """Whether x may be written over by an in-place kernel: writable_float, and C-contiguous."""
    return writable_float(np, x) and x.flags.c_contiguous


def unary_(name: str, x: Any, p: float = 0.0) -> np.ndarray | None:
    """op(x) written over x and returned; None when x is not spendable."""
    if not spendable(x):
        return None
    if x.size:
        call(INPLACE[name], flat(x), x.dtype.type(p), x.dtype.type(0.0))
    return x


def pair_(name: str, a: Any, b: Any, p: float = 0.0) -> np.ndarray | None:
    """op(a, b) written over a and returned; None when a is not spendable, b has another shape, the
    result's dtype would not be a's, or b overlaps a (its elements would be read after a write)."""
    if not spendable(a) or np.shape(b) != a.shape or float_dtype(a, b) != a.dtype:
        return None
    if np.may_share_memory(a, b):
        return None
    if a.size:
        call(INPLACE_PAIR[name], flat(a), flat(as_c(b, a.dtype)), a.dtype.type(p), a.dtype.type(0.0))
    return a


def where(cond: Any, a: Any, b: Any) -> np.ndarray:
    """a where cond else b, all three broadcast."""
    dt = float_dtype(a, b)
    cond, a, b = as_c(cond), as_c(a, dt), as_c(b, dt)
    shape = out_shape("where", cond.shape, a.shape, b.shape)
    out = np.empty(shape, dt)
    if out.size:
        layout = broadcast_layout(shape, cond.shape, a.shape, b.shape)
        call(bn.where, flat(cond), flat(a), flat(b), flat(out), *layout)
    return out


def reduce(name: str, x: Any, axis: Any, keepdims: bool) -> np.ndarray:
    """sum or max over `axis` (None: all), in one pass over x in memory order."""
    dt = float_dtype(x)
    x = as_c(x, dt)
    axes = normalize_axes(name, axis, x.ndim)
    if name == "max" and any(x.shape[k] == 0 for k in axes):
        raise ValueError(f"max: zero-size reduction over axis {axis} of shape {x.shape} has no identity")
    out = np.zeros(reduced_shape(x.shape, axes, keepdims), dt)
    if x.size:
        last_reduced, kept, folded, width = reduce_layout(x.shape, axes)
        init = dt.type(0.0 if name == "sum" else -np.inf)
        call(FOLD[name, last_reduced], flat(x), flat(out), init, *kept, *folded, width)
    return out


def matrix(x: np.ndarray, dt: np.dtype) -> tuple[np.ndarray, int, int]:
    """(flat buffer, row stride, column stride) of a 2-D operand; a transposed view is kept as is."""
    if x.dtype == dt and not x.flags.c_contiguous and x.flags.f_contiguous:
        return flat(x.T), 1, x.shape[0]
    return flat(as_c(x, dt)), x.shape[1], 1


def gemm(a: Any, b: Any, bias: Any = None, alpha: float = 1.0, out: Any = None) -> np.ndarray:
    """alpha * (a @ b) + bias for 2-D a, b; bias is a column (n, 1) or a scalar. out: a C-contiguous
    array to write into, used only when it has the result's shape and dtype (a recycled one)."""
    a, b = np.asarray(a), np.asarray(b)
    check_matmul(a.shape, b.shape)
    dt = float_dtype(a, b) if bias is None else float_dtype(a, b, bias)
    (fa, sai, sak), (fb, sbk, sbj) = matrix(a, dt), matrix(b, dt)
    bias = np.zeros(1, dt) if bias is None else as_c(bias, dt)
    shape = (a.shape[0], b.shape[1])
    fits = out is not None and out.shape == shape and out.dtype == dt and out.flags.c_contiguous
    c = out if fits else np.empty(shape, dt)
    if c.size:
        sbias = 1 if bias.size > 1 else 0
        call(mm.gemm, fa, sai, sak, fb, sbk, sbj, a.shape[1], flat(bias), sbias, dt.type(alpha), c)
    return c


def dot(a: Any, b: Any) -> np.ndarray:
    """0-d a . b of two 1-D vectors."""
    dt = float_dtype(a, b)
    a, b = as_c(a, dt), as_c(b, dt)
    return np.array(call(rd.dot, a, b), dtype=dt)


def row_sums(x: Any, scale: float) -> np.ndarray:
    """scale * x.sum(axis=1, keepdims=True) for a 2-D x: db of a layer."""
    dt = float_dtype(x)
    x = as_c(x, dt)
    out = np.zeros((x.shape[0], 1), dt)
    if x.size:
        call(rd.row_sums, x, dt.type(scale), flat(out))
    return out


def cost(kind: int, AL: Any, Y: Any, scale: float, lo: float = 0.0, hi: float = 0.0) -> np.ndarray:
    """0-d scale * (sum of the loss terms) / m, m = AL.shape[-1] (kind 0: cross-entropy, 1: squared error)."""
    dt = float_dtype(AL, Y)
    AL, Y = as_c(AL, dt), as_c(Y, dt)
    m = AL.shape[-1] if AL.ndim else 1
    if m == 0:  # no examples: 0 / 0, NaN as in NumPy
        return np.array(np.nan, dtype=dt)
    total = call(rd.cost_sum, kind, flat(AL), flat(Y), dt.type(lo), dt.type(hi)) if AL.size else 0.0
    return np.array(scale * total / m, dtype=dt)


def copy(x: np.ndarray) -> np.ndarray:
    """Independent C-contiguous copy of x, by the gather kernel."""
    if not (x.flags.c_contiguous and compiled_reads(x)):
        return as_c(x)
    out = np.empty(x.shape, x.dtype)
    if out.size:
        call(fl.copy, flat(x), flat(out))
    return out


def sgd_update(param: np.ndarray, grad: Any, lr: float) -> None:
    """param -= lr * grad in place, through any memory layout of param."""
    grad = np.asarray(grad)
    if np.may_share_memory(param, grad):  # the kernel would read grad where it already wrote param
        grad = copy(grad)
    if param.flags.c_contiguous or param.flags.f_contiguous:
        view = param if param.flags.c_contiguous else param.T
        g = as_c(grad if param.flags.c_contiguous else np.asarray(grad).T, param.dtype)
        call(bn.sgd_update, flat(view), flat(g), param.dtype.type(lr))
    else:  # a strided view: update a contiguous copy, then write it back through the view
        updated = as_c(param)
        sgd_update(updated, grad, lr)
        param[...] = updated
