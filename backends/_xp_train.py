"""NumpyBackend's training ops written against `xp` with in-place ufuncs (`out=`): each update
allocates one temporary of the parameter's size and writes param and its state where they lie.

The formulas are the base class's, in its order of operations, except where a scalar factor is
folded (Adam's lr / (1 - beta1**t)): a rounding or two, never a different result.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from backends._base import clip_epsilon
from backends._shapes import writable_float
from backends._train_checks import prepare_update

Array = Any
# inf and nan propagate as in the composed formulas; NumPy's warnings about them are noise here
quiet = np.errstate(over="ignore", invalid="ignore", divide="ignore")


@quiet
def momentum_update_(xp: Any, param: Array, grad: Array, v: Array, lr: float, beta: float):
    """v = beta v + (1 - beta) grad; param -= lr v, in place. Returns (param, v)."""
    grad = prepare_update(xp, "momentum_update_", param, grad, v=v)
    t = param.dtype.type
    tmp = xp.multiply(grad, t(1.0 - beta), out=xp.empty(param.shape, param.dtype))
    v *= t(beta)
    v += tmp
    xp.multiply(v, t(lr), out=tmp)
    param -= tmp
    return param, v


@quiet
def rmsprop_update_(xp: Any, param: Array, grad: Array, s: Array, lr: float, beta: float, epsilon: float):
    """s = beta s + (1 - beta) grad**2; param -= lr grad / (sqrt(s) + epsilon), in place."""
    grad = prepare_update(xp, "rmsprop_update_", param, grad, s=s)
    t = param.dtype.type
    tmp = xp.multiply(grad, grad, out=xp.empty(param.shape, param.dtype))
    tmp *= t(1.0 - beta)
    s *= t(beta)
    s += tmp
    xp.sqrt(s, out=tmp)
    tmp += t(epsilon)
    xp.divide(grad, tmp, out=tmp)
    tmp *= t(lr)
    param -= tmp
    return param, s


@quiet
def adam_update_(xp: Any, param: Array, grad: Array, v: Array, s: Array, lr: float, beta1: float,
                 beta2: float, epsilon: float, step: int):  # fmt: skip
    """Adam step `step` >= 1, bias-corrected, epsilon after the square root, in place."""
    grad = prepare_update(xp, "adam_update_", param, grad, v=v, s=s)
    t = param.dtype.type
    tmp = xp.multiply(grad, t(1.0 - beta1), out=xp.empty(param.shape, param.dtype))
    v *= t(beta1)
    v += tmp
    xp.multiply(grad, grad, out=tmp)
    tmp *= t(1.0 - beta2)
    s *= t(beta2)
    s += tmp
    xp.divide(s, t(1.0 - beta2**step), out=tmp)
    xp.sqrt(tmp, out=tmp)
    tmp += t(epsilon)
    xp.divide(v, tmp, out=tmp)
    tmp *= t(lr / (1.0 - beta1**step))
    param -= tmp
    return param, v, s


@quiet
def softmax(xp: Any, Z: Array) -> Array:
    """exp(Z - max) / sum over axis 0, with one (C, m) array: each step writes into it."""
    A = xp.subtract(Z, xp.max(Z, axis=0, keepdims=True))
    xp.exp(A, out=A)
    A /= xp.sum(A, axis=0, keepdims=True)
    return A


@quiet
def categorical_cross_entropy(xp: Any, AL: Array, Y: Array, dtype: Any) -> Array:
    """-sum(Y log clip(AL, eps, 1)) / m, eps for the backend's dtype, with one temporary."""
    terms = xp.clip(AL, clip_epsilon(AL, dtype), 1.0)
    xp.log(terms, out=terms)
    terms *= Y
    return -(xp.sum(terms) / AL.shape[-1])


def spendable(xp: Any, out: Array, *reads: Array) -> bool:
    """Whether a blocked op may write its result over `out`: writable_float and C-contiguous, sharing
    no memory with the `reads` (C-contiguous arrays of out's shape)."""
    if not (writable_float(xp, out) and out.flags.c_contiguous):
        return False
    return all(
        isinstance(r, xp.ndarray) and r.shape == out.shape and r.flags.c_contiguous
        and not xp.may_share_memory(r, out) for r in reads
    )  # fmt: skip


RELU_BLOCK = 1 << 19  # elements per block of relu_backward_inplace (7.0 ms vs 8.3 at 1 << 17 on 256 x 60000)
RELU_FORWARD_BLOCK = 1 << 16  # relu_inplace: 3.9 ms on 256 x 60000 float32 (1 << 13: 5.7, 1 << 19: 3.9)
_ZEROS: dict[Any, np.ndarray] = {}


def relu_inplace(xp: Any, Z: Array) -> Array:
    """max(Z, 0) written over Z (writable_float). NumPy's maximum against a scalar runs a loop 4x
    slower than against a contiguous array (25 vs 6 us per 64 Ki float32 elements, NumPy 2.4 on
    AVX-512), so a big C-contiguous Z on numpy is taken in blocks against a read-only zeros block:
    the same ufunc, the same NaN propagation, the same result."""
    if xp is not np or Z.size <= RELU_FORWARD_BLOCK or not Z.flags.c_contiguous:
        return xp.maximum(Z, 0, out=Z)
    zeros = _ZEROS.get(Z.dtype)
    if zeros is None:
        zeros = _ZEROS[Z.dtype] = np.zeros(RELU_FORWARD_BLOCK, Z.dtype)
        zeros.flags.writeable = False
    flat = Z.reshape(-1)
    for start in range(0, flat.size, RELU_FORWARD_BLOCK):
        part = flat[start : start + RELU_FORWARD_BLOCK]
        np.maximum(part, zeros[: part.size], out=part)
    return Z


def relu_backward_inplace(xp: Any, dA: Array, Z: Array) -> Array:
    """dA kept where Z > 0, exactly 0 elsewhere (also for inf/nan dA), written over dA by bit masking
    block by block: no (n, m) temporary. dA, Z: C-contiguous, same shape, not overlapping."""
    bits = np.dtype(f"i{dA.dtype.itemsize}")
    grad, z = dA.reshape(-1).view(bits), Z.reshape(-1)
    n = grad.size
    keep, mask = xp.empty(min(n, RELU_BLOCK), xp.bool_), xp.empty(min(n, RELU_BLOCK), bits)
    for start in range(0, n, RELU_BLOCK):
        stop = min(start + RELU_BLOCK, n)
        k, mk = keep[: stop - start], mask[: stop - start]
        xp.greater(z[start:stop], 0, out=k)
        xp.negative(k.view(xp.int8), out=mk, casting="unsafe")  # 1 -> -1: all bits set where Z > 0
        xp.bitwise_and(grad[start:stop], mk, out=grad[start:stop])
    return dA


def tanh_backward(xp: Any, dA: Array, Z: Array) -> Array:
    """dZ = dA / cosh(Z)**2: 1 - tanh(Z)**2 without cancelling in the tails, in as few passes."""
    with np.errstate(over="ignore"):  # cosh overflows where the derivative underflows to 0
        s = xp.cosh(Z)
    if not isinstance(s, xp.ndarray):  # a 0-d Z gives a NumPy scalar, which out= cannot take
        s = xp.asarray(s)
    xp.reciprocal(s, out=s)
    s *= s
    return dA * s
