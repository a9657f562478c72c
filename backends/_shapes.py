"""Shape and input rules shared by every backend: broadcasting, axes, matmul, the dtype ops compute in;
one place, one wording of errors."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

Shape = tuple[int, ...]
Axis = int | tuple[int, ...] | None


def c_strides(shape: Shape) -> list[int]:
    """C-order strides, in elements."""
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= n
    return strides[::-1]


def broadcast_shape(op: str, *shapes: Shape) -> Shape:
    """NumPy's broadcasting rule for any rank: align right; sizes must be equal or 1."""
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for k in range(ndim):
        sizes = {s[len(s) - ndim + k] for s in shapes if len(s) - ndim + k >= 0}
        sizes.discard(1)
        if len(sizes) > 1:
            raise broadcast_error(op, *shapes)
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def broadcast_error(op: str, *shapes: Shape) -> ValueError:
    """The one error every backend raises for operands that cannot broadcast."""
    listed = " and ".join(str(tuple(s)) for s in shapes)
    return ValueError(
        f"{op}: shapes {listed} are not broadcastable (aligned from the right, each dimension "
        f"must be equal or 1); reshape one operand, e.g. b as (n, 1) for a column"
    )


def check_broadcast_to(shape: Shape, target: Shape) -> None:
    """Raise unless `shape` broadcasts to exactly `target`."""
    ok = len(shape) <= len(target) and all(
        s in (1, t) for s, t in zip(shape[::-1], target[::-1], strict=False)
    )
    if not ok:
        raise ValueError(
            f"broadcast_to: cannot broadcast shape {tuple(shape)} to {tuple(target)} "
            f"(each dimension, aligned from the right, must be 1 or equal the target)"
        )


def normalize_axes(op: str, axis: Axis, ndim: int) -> tuple[int, ...]:
    """Axis None|int|tuple -> sorted tuple of non-negative axes; raises AxisError when out of range."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(
                f"{op}: axis {a} is out of bounds for an array of dimension {ndim} "
                f"(valid axes are {-ndim}..{ndim - 1})"
            )
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: duplicate value in axis {axis!r}")
    return tuple(sorted(out))


def reduced_shape(shape: Shape, axes: Sequence[int], keepdims: bool) -> Shape:
    """Shape after reducing `axes`: kept as size 1 or dropped."""
    if keepdims:
        return tuple(1 if k in axes else n for k, n in enumerate(shape))
    return tuple(n for k, n in enumerate(shape) if k not in axes)


def check_matmul(a_shape: Shape, b_shape: Shape) -> None:
    """matmul takes 2-D @ 2-D or 1-D . 1-D with matching inner dimensions."""
    ndims = (len(a_shape), len(b_shape))
    if ndims not in ((2, 2), (1, 1)):
        raise ValueError(
            f"matmul: expected two 2-D arrays (or two 1-D vectors for a dot product), got a "
            f"{tuple(a_shape)} and b {tuple(b_shape)}; reshape vectors to (n, 1) or (1, n)"
        )
    if a_shape[-1] != b_shape[0]:
        need = "a.shape[1] == b.shape[0]" if ndims == (2, 2) else "len(a) == len(b)"
        raise ValueError(
            f"matmul: inner dimensions differ: a is {tuple(a_shape)}, b is {tuple(b_shape)} (need {need})"
        )


def check_reshape(shape: Shape, new_shape: Shape) -> Shape:
    """Resolve one -1 in `new_shape` and check the element count is unchanged."""
    size = int(np.prod(shape, dtype=np.int64))
    new = tuple(int(n) for n in new_shape)
    if new.count(-1) > 1:
        raise ValueError(f"reshape: at most one -1 allowed, got {new}")
    if -1 in new:
        rest = int(np.prod([n for n in new if n != -1], dtype=np.int64))
        if rest == 0 or size % rest:
            raise ValueError(f"reshape: cannot reshape {tuple(shape)} into {new}")
        new = tuple(size // rest if n == -1 else n for n in new)
    if int(np.prod(new, dtype=np.int64)) != size:
        raise ValueError(
            f"reshape: cannot reshape array of shape {tuple(shape)} ({size} elements) into {new}"
        )
    return new


def matmul_shape(a: Any, b: Any) -> Shape:
    """Shape of a @ b for checked operands: (n, m), or () for a dot product."""
    return (a.shape[0], b.shape[1]) if len(a.shape) == 2 else ()


def floating(be: Any, x: Any) -> Any:
    """x as ops compute on it: float32/float64 arrays as they are (NumPy promotes them among
    themselves), any other dtype (bool, int, float16) converted to the backend's float dtype first.
    Used as a method (`_float = floating`) by every backend."""
    dtype = getattr(x, "dtype", None)
    return x if dtype is None or dtype.char in "fd" else be.astype(x, be.dtype)


def as_shape(shape: Any) -> tuple[int, ...]:
    """A shape as a tuple: an int n is (n,), as NumPy's creation functions take it."""
    return (int(shape),) if isinstance(shape, numbers.Integral) else tuple(shape)


WEAK = (bool, int, float)  # Python scalars: NumPy casts one to the other operand's dtype (NEP 50)


def weak_operands(*operands: Any, xp: Any = np, alone: Any = None) -> tuple[Any, ...]:
    """The operands with each Python scalar beside an array made a 0-d `xp` array of the first array's
    dtype, as NumPy does before computing (float32 [0.1] - 0.1 is exactly 0: the scalar is rounded
    first). Scalars with no array beside them stay as they are, or take dtype `alone` when given.
    np.float64 is a float subclass but not weak: only the exact Python types count."""
    if all(type(x) not in WEAK for x in operands):
        return operands
    like = next((x.dtype for x in operands if type(x) not in WEAK), alone)
    if like is None:
        return operands
    return tuple(xp.asarray(x, like) if type(x) in WEAK else x for x in operands)


def writable_float(xp: Any, x: Any) -> bool:
    """Whether an op may write its float result over x: a writeable float32/float64 array of `xp` in
    native byte order (cupy arrays have no writeable flag: they always are)."""
    if not (isinstance(x, xp.ndarray) and x.dtype.char in "fd" and x.dtype.isnative):
        return False
    return getattr(x.flags, "writeable", True)


def floatings(be: Any, *arrays: Any) -> tuple[Any, ...]:
    """`floating` over several operands in one call: the fused ops' hot path, where a tiny net pays per
    Python call (returned as they are when none needs converting, by floating's own rule)."""
    for x in arrays:
        dtype = getattr(x, "dtype", None)
        if dtype is not None and dtype.char not in "fd":
            return tuple(floating(be, a) for a in arrays)
    return arrays


def check_transpose(axes: Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    """Axes of a transpose as non-negative ints: a permutation of range(ndim) (None: reversed)."""
    if axes is None:
        return tuple(range(ndim))[::-1]
    given = tuple(int(a) for a in axes)
    if any(not -ndim <= a < ndim for a in given) or sorted(a % ndim for a in given) != list(range(ndim)):
        raise ValueError(
            f"transpose: axes {given} are not a permutation of the {ndim} axes of the array "
            f"(each of 0..{ndim - 1}, or its negative, exactly once)"
        )
    return tuple(a % ndim for a in given)


def check_update(op: str, param: Any, grad: Any, **states: Any) -> None:
    """An in-place update needs a float parameter, and a gradient (and optimizer states) of exactly
    its shape (never broadcast)."""
    if getattr(grad, "shape", None) == param.shape and not states and param.dtype.char in "fd":
        return  # the training loop's case, answered without building shape tuples
    if param.dtype.char not in "fd":
        raise TypeError(
            f"{op}: param has dtype {param.dtype}; parameters are updated in place, so they must be "
            f"float32 or float64: convert with be.astype(param, be.dtype) first"
        )
    check_update_shapes(op, param, grad, **states)


def check_update_shapes(op: str, param: Any, grad: Any, **states: Any) -> None:
    """Raise a ValueError unless grad and every state have exactly param's shape (never broadcast)."""
    p = tuple(np.shape(param))
    if tuple(np.shape(grad)) != p:
        raise ValueError(
            f"{op}: grad has shape {tuple(np.shape(grad))} but param has shape {p}; they must be equal "
            f"(a gradient is never broadcast): pass the gradient of this parameter"
        )
    for name, state in states.items():
        if tuple(np.shape(state)) != p:
            raise ValueError(
                f"{op}: {name} has shape {tuple(np.shape(state))} but param has shape {p}; optimizer "
                f"state has the parameter's shape: create it with be.zeros(param.shape)"
            )
