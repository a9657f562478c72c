"""The L-layer network: logistic regression (L=1), shallow (L=2) or deep, on any backend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import backends
from backends import Backend
from xnn import model, training
from xnn.initialization import initialize_parameters
from xnn.validation import (
    INITS,
    check_binary,
    check_choice,
    check_data_shapes,
    check_layer_dims,
    check_parameters,
    check_positive_number,
    check_slope,
    host_matrix,
    resolve_activations,
    resolve_loss,
)


def resolve_backend(backend: str | Backend | None, dtype: Any = None) -> Backend:
    """A Backend instance from a name (None: XNN_BACKEND / use_backend) or an instance."""
    if not isinstance(backend, Backend):
        return backends.get_backend(backend, dtype)
    if dtype is not None and backends.resolve_dtype(dtype) != backend.dtype:
        raise ValueError(f"dtype {dtype!r} differs from the given backend's {backend.dtype.name}; pass one")
    return backend


class Network:
    """Network([n_x, n_1, ..., n_L], hidden="relu", output="sigmoid"): fit, predict, save, load."""

    def __init__(
        self,
        layer_dims: Sequence[int],
        hidden: str | Sequence[str] = "relu",
        output: str = "sigmoid",
        loss: str | None = None,
        init: str = "he",
        seed: int | None = 0,
        backend: str | Backend | None = None,
        dtype: Any = None,
        slope: float = 0.01,
    ) -> None:
        self.layer_dims = check_layer_dims(layer_dims)
        self.activations = resolve_activations(hidden, output, len(self.layer_dims) - 1)
        self.loss = resolve_loss(loss, output)
        self.slope = check_slope(slope)
        self.init = check_choice("init", init, INITS)
        self.seed = seed
        self.be = resolve_backend(backend, dtype)
        self._params = model.to_backend(self.be, initialize_parameters(self.layer_dims, init, seed))

    def __repr__(self) -> str:
        return (
            f"Network({self.layer_dims}, activations={self.activations}, loss={self.loss!r}, "
            f"backend={self.be.name!r}, dtype={self.dtype!r})"
        )

    @property
    def L(self) -> int:
        """Number of layers with parameters (hidden + output)."""
        return len(self.layer_dims) - 1

    @property
    def dtype(self) -> str:
        """The backend's float dtype name."""
        return self.be.dtype.name

    @property
    def parameters(self) -> dict[str, np.ndarray]:
        """{"W1": (n1, n_x), "b1": (n1, 1), ...} as host numpy copies."""
        return {k: np.array(self.be.to_numpy(v), copy=True) for k, v in self._params.items()}

    @parameters.setter
    def parameters(self, params: dict) -> None:
        self._params = model.to_backend(self.be, check_parameters(params, self.layer_dims))

    @property
    def device_parameters(self) -> dict[str, Any]:
        """{"W1": ..., "bL": ...} as the backend's own arrays (no copy): what train_step updates."""
        return dict(self._params)

    @device_parameters.setter
    def device_parameters(self, params: dict[str, Any]) -> None:
        if set(params) != set(self._params):
            raise ValueError(f"device_parameters needs keys {sorted(self._params)}, got {sorted(params)}")
        self._params = dict(params)

    # -- data in ---------------------------------------------------------------------------------
    def _x(self, X: Any) -> Any:
        """X as a checked backend array (n_x, m)."""
        if isinstance(X, np.ndarray) or not hasattr(X, "shape"):
            X = host_matrix(X, "X")
        elif len(X.shape) != 2 or not self._finite(self.be.asarray(X)):
            raise ValueError(f"X must be a 2-D array of finite values (n_x, m), got shape {tuple(X.shape)}")
        check_data_shapes(X.shape, None, self.layer_dims[0], self.layer_dims[-1])
        return self.be.asarray(X)

    def _y(self, Y: Any, m: int) -> Any:
        """Y as a checked backend array (n_L, m); 0/1 labels for bce."""
        host = host_matrix(
            Y if isinstance(Y, np.ndarray) or not hasattr(Y, "shape") else self.be.to_numpy(Y), "Y"
        )
        check_data_shapes((self.layer_dims[0], m), host.shape, self.layer_dims[0], self.layer_dims[-1])
        if self.loss == "bce":
            check_binary(host)
        return self.be.asarray(host)

    def _finite(self, X: Any) -> bool:
        """All entries finite, checked on the device: 0 * x is nan exactly where x is inf or nan."""
        return self.be.item(self.be.sum(self.be.multiply(X, self.be.zeros(())))) == 0.0

    def inputs(self, X: Any, Y: Any = None) -> tuple[Any, Any]:
        """(X, Y) validated and converted to backend arrays once, e.g. before timing step()."""
        Xb = self._x(X)
        return Xb, (None if Y is None else self._y(Y, Xb.shape[1]))

    # -- the course's steps ----------------------------------------------------------------------
    def forward(self, X: Any) -> tuple[Any, list]:
        """(AL (n_L, m), caches) for X (n_x, m); arrays stay on the backend."""
        return model.forward(self.be, self._params, self._x(X), self.activations, self.slope)

    def backward(self, AL: Any, Y: Any, caches: list) -> dict:
        """Gradients {"dW1", "db1", ...} from forward's AL and caches."""
        return model.backward(
            self.be, AL, self._y(Y, AL.shape[1]), caches, self.activations, self.loss, self.slope
        )

    def cost(self, X: Any, Y: Any) -> float:
        """The cost on (X, Y) as a Python float."""
        Xb, Yb = self.inputs(X, Y)
        AL = model.predict_proba(self.be, self._params, Xb, self.activations, self.slope)
        return self.be.item(model.compute_cost(self.be, AL, Yb, self.loss))

    def step(self, X: Any, Y: Any, learning_rate: float, compute_cost: bool = False) -> float | None:
        """One forward + backward + update on backend arrays X (n_x, m), Y (n_L, m); the cost as a float."""
        cost = self.train_step(X, Y, check_positive_number("learning_rate", learning_rate), compute_cost)
        return None if cost is None else self.be.item(cost)

    def train_step(self, X: Any, Y: Any, learning_rate: float, compute_cost: bool = True) -> Any:
        """The device-side step training loops call: forward, backward, update, no host sync.

        X (n_x, m) and Y (n_L, m) are backend arrays (see `inputs`); returns the cost before the
        update as a backend scalar (read it with `be.item` when you need it), or None.
        """
        if X.shape[0] != self.layer_dims[0] or X.shape[1] != Y.shape[1]:
            check_data_shapes(X.shape, Y.shape, self.layer_dims[0], self.layer_dims[-1])
        be, acts = self.be, self.activations
        AL, caches = model.forward(be, self._params, X, acts, self.slope)
        cost = model.compute_cost(be, AL, Y, self.loss) if compute_cost else None
        grads = model.backward(be, AL, Y, caches, acts, self.loss, self.slope)
        self._params = model.update_parameters(be, self._params, grads, learning_rate)
        return cost

    fit = training.fit  # one definition: net.fit(X, Y, ...) is xnn.fit(net, X, Y, ...)

    # -- using the trained network ---------------------------------------------------------------
    def predict_proba(self, X: Any) -> np.ndarray:
        """AL (n_L, m) on the host: probabilities for a sigmoid output, predictions for regression."""
        AL = model.predict_proba(self.be, self._params, self._x(X), self.activations, self.slope)
        return self.be.to_numpy(AL)

    def _predict(self, X: Any) -> Any:
        """0/1 predictions (n_L, m) as a backend array: AL > 0.5."""
        AL = model.predict_proba(self.be, self._params, self._x(X), self.activations, self.slope)
        return self.be.where(self.be.greater(AL, self.be.full((), 0.5)), self.be.ones(()), self.be.zeros(()))

    def predict(self, X: Any) -> np.ndarray:
        """0/1 predictions (n_L, m) on the host, int64: 1 where AL > 0.5."""
        return self.be.to_numpy(self._predict(X)).astype(np.int64)

    def accuracy(self, X: Any, Y: Any) -> float:
        """Fraction of labels predicted right, as a Python float."""
        Xb, Yb = self.inputs(X, Y)
        wrong = self.be.item(self.be.sum(self.be.abs(self.be.subtract(self._predict(Xb), Yb))))
        return 1.0 - wrong / (Yb.shape[0] * Yb.shape[1])

    # -- checkpoints -----------------------------------------------------------------------------
    def save(self, path: str) -> None:
        """Write parameters and architecture to `path` (.npz), atomically."""
        from xnn.checkpoint import save

        save(self, path)

    @classmethod
    def load(cls, path: str, backend: str | Backend | None = None, dtype: Any = None) -> Network:
        """A Network rebuilt from a file written by save (dtype: the saved one unless given)."""
        from xnn.checkpoint import load

        return load(cls, path, backend, dtype)
