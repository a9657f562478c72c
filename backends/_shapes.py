"""Shape rules shared by every backend: broadcasting, axes, matmul; one place, one wording of errors."""

from __future__ import annotations

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


def check_update(op: str, param_shape: Shape, grad_shape: Shape) -> None:
    """An in-place update needs a gradient of exactly the parameter's shape: it is never broadcast."""
    if tuple(param_shape) != tuple(grad_shape):
        raise ValueError(
            f"{op}: grad has shape {tuple(grad_shape)} but param has shape {tuple(param_shape)}; "
            f"they must be equal (a gradient is never broadcast): pass the gradient of this parameter"
        )
