"""Argument checks shared by every backend's fused optimizer updates: shapes, and memory overlap.

An in-place update reads grad after it has written param and the state, so a grad that shares
memory with any of them is copied first (correct, and free when nothing overlaps). A parameter that
shares memory with its own state, or two states with each other, has no meaning: that is an error.
"""

from __future__ import annotations

from typing import Any

from backends._shapes import check_update_shapes

Array = Any


def check_no_state_overlap(xp: Any, op: str, param: Array, **states: Array) -> None:
    """Raise a ValueError when param and a state, or two states, share memory."""
    named = [("param", param), *states.items()]
    for k, (name_a, a) in enumerate(named):
        for name_b, b in named[k + 1 :]:
            if xp.may_share_memory(a, b) and xp.shares_memory(a, b):
                raise ValueError(
                    f"{op}: {name_a} and {name_b} share memory; each optimizer state needs its own "
                    f"array: create it with be.zeros(param.shape)"
                )


def independent_grad(xp: Any, grad: Array, *updated: Array) -> Array:
    """grad itself, or a copy when it may overlap an array the update writes."""
    if any(xp.may_share_memory(grad, u) for u in updated):
        return grad.copy()
    return grad


def prepare_update(xp: Any, op: str, param: Array, grad: Array, **states: Array) -> Array:
    """Check shapes and overlaps; returns the grad to read (a copy if it overlaps what is written)."""
    check_update_shapes(op, param, grad, **states)
    check_no_state_overlap(xp, op, param, **states)
    return independent_grad(xp, grad, param, *states.values())
