"""Inverted dropout masks for the hidden layers, drawn per training step.

A mask holds 1 / keep_prob where a unit is kept (probability keep_prob) and 0 where it is dropped, so
A * mask keeps E[A] unchanged and prediction needs no rescaling. By default the masks come from the
network's own seeded host generator and are moved with `asarray`: every backend sees the same masks
and trains identically. rng="device" asks the backend to draw them (be.dropout_mask): faster on a
GPU, not identical across backends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from backends import Backend

DROPOUT_STREAM = 1  # the dropout generator's spawn key: independent of the shuffle stream (seed itself)


def host_mask(rng: np.random.Generator, shape: tuple[int, int], keep_prob: float) -> np.ndarray:
    """(n, m) float64: 1 / keep_prob with probability keep_prob, else 0."""
    return (rng.random(shape) < keep_prob) * (1.0 / keep_prob)


class Dropout:
    """One mask per hidden layer per step, from a generator seeded by the network's seed."""

    def __init__(
        self, keep_prob: Sequence[float], hidden_dims: Sequence[int], seed: int | None, rng: str
    ) -> None:
        self.keep_prob, self.hidden_dims, self.rng = tuple(keep_prob), tuple(hidden_dims), rng
        self.generator = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DROPOUT_STREAM,)))

    def masks(self, be: Backend, m: int) -> list[Any]:
        """Masks (n[l], m) for l = 1..L as backend arrays: None where keep_prob is 1 and for the output."""
        out: list[Any] = []
        for n, p in zip(self.hidden_dims, self.keep_prob, strict=True):
            if p == 1.0:
                out.append(None)
            elif self.rng == "device":
                out.append(be.dropout_mask((n, m), p, int(self.generator.integers(2**63 - 1))))
            else:
                out.append(be.asarray(host_mask(self.generator, (n, m), p)))
        out.append(None)  # the output layer never drops
        return out
