"""Initial parameters, drawn on the host from a seeded generator so every backend starts identical."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from xnn.validation import INITS, check_choice, check_layer_dims


def _scale(init: str, n_prev: int) -> float:
    """Standard deviation of W[l]'s entries for each scheme."""
    return {"small": 0.01, "xavier": np.sqrt(1.0 / n_prev), "he": np.sqrt(2.0 / n_prev), "zeros": 0.0}[init]


def initialize_parameters(layer_dims: Sequence[int], init: str = "he", seed: int | None = 0) -> dict:
    """{"W1": (n1, n_x), "b1": (n1, 1), ...} as float64 numpy arrays; b zeros, W per `init`.

    small: randn * 0.01 (the course's shallow net); xavier: randn / sqrt(n[l-1]) (tanh, sigmoid);
    he: randn * sqrt(2 / n[l-1]) (relu); zeros: all zero (shows why symmetry must be broken).
    """
    dims = check_layer_dims(layer_dims)
    check_choice("init", init, INITS)
    rng = np.random.default_rng(seed)
    params = {}
    for layer in range(1, len(dims)):
        # draw even for "zeros" so the generator's stream does not depend on the scheme
        W = rng.standard_normal((dims[layer], dims[layer - 1]))
        params[f"W{layer}"] = W * _scale(init, dims[layer - 1])
        params[f"b{layer}"] = np.zeros((dims[layer], 1))
    return params
