"""The L-layer network: logistic regression (L=1), shallow (L=2) or deep, on any backend."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np

import backends
from backends import Backend
from xnn import labels, model, training
from xnn.dropout import Dropout
from xnn.inference import Inference
from xnn.initialization import initialize_parameters
from xnn.optimizers import GradientDescent, Optimizer
from xnn.validation import (
    DROPOUT_RNGS,
    INITS,
    check_binary,
    check_choice,
    check_data_shapes,
    check_keep_prob,
    check_layer_dims,
    check_nonnegative_number,
    check_parameters,
    check_positive_number,
    check_slope,
    check_softmax_units,
    host_matrix,
    resolve_activations,
    resolve_loss,
)


class Network(Inference):
    """Network([n_x, n_1, ..., n_L], hidden="relu", output="sigmoid"): fit, predict, save, load.

    output="softmax" makes a C-class classifier (loss "cce"); lambd adds L2 regularisation; keep_prob
    (one number, or one per hidden layer) applies inverted dropout to the hidden layers while training.
    """

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
        lambd: float = 0.0,
        keep_prob: float | Sequence[float] = 1.0,
        dropout_rng: str = "host",
    ) -> None:
        self.layer_dims = check_layer_dims(layer_dims)
        self.activations = resolve_activations(hidden, output, len(self.layer_dims) - 1)
        check_softmax_units(output, self.layer_dims[-1])
        self.loss = resolve_loss(loss, output)
        self.slope = check_slope(slope)
        self.init = check_choice("init", init, INITS)
        self.seed = seed
        self.lambd = check_nonnegative_number("lambd", lambd)
        self.keep_prob = check_keep_prob(keep_prob, self.L - 1)
        self.dropout_rng = check_choice("dropout_rng", dropout_rng, DROPOUT_RNGS)
        self.be = backends.as_backend(backend, dtype)
        self._params = model.to_backend(self.be, initialize_parameters(self.layer_dims, init, seed))
        self._classes: np.ndarray | None = None
        self.optimizer: Optimizer = GradientDescent()
        self.history: dict[str, list] = {"cost": [], "learning_rate": []}  # one entry per epoch, all fits
        self.schedule_state: dict | None = None  # an adaptive schedule's, for a resumed fit
        self.shuffle_rng = np.random.default_rng(seed)  # mini-batch order, continued across fits
        self._dropout = None
        if min(self.keep_prob, default=1.0) < 1.0:
            self._dropout = Dropout(self.keep_prob, self.layer_dims[1:-1], seed, self.dropout_rng)

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
    def is_classifier(self) -> bool:
        """True for a softmax output: labels go through classes_."""
        return self.activations[-1] == "softmax"

    @property
    def classes_(self) -> np.ndarray | None:
        """The class labels (C,), sorted: output unit k is classes_[k]. Set by the first labels seen."""
        return self._classes

    @classes_.setter
    def classes_(self, classes: Any) -> None:
        if not self.is_classifier:
            raise ValueError(
                f"classes_ belongs to a softmax output; this network's is {self.activations[-1]!r}"
            )
        self._classes = None if classes is None else labels.check_classes(classes, self.layer_dims[-1])

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
            raise ValueError(
                f"X must be a 2-D array (n_x, m) without NaN or infinite values, got shape {tuple(X.shape)}"
                "; clean or impute them before training"
            )
        check_data_shapes(X.shape, None, self.layer_dims[0], self.layer_dims[-1])
        return self.be.asarray(X)

    def _y(self, Y: Any, m: int) -> Any:
        """Y as a checked backend array (n_L, m): 0/1 labels for bce, one-hot through classes_ for softmax."""
        if self.is_classifier:
            return self.be.asarray(labels.one_hot(self._class_indices(Y, m), self.layer_dims[-1]))
        host = host_matrix(self._host(Y), "Y")
        check_data_shapes((self.layer_dims[0], m), host.shape, self.layer_dims[0], self.layer_dims[-1])
        if self.loss == "bce":
            check_binary(host)
        return self.be.asarray(host)

    def _host(self, Y: Any) -> Any:
        """Labels as given when they are host data (numpy, lists), else the backend array copied out."""
        return Y if isinstance(Y, np.ndarray) or not hasattr(Y, "shape") else self.be.to_numpy(Y)

    def _class_indices(self, Y: Any, m: int) -> np.ndarray:
        """Class indices (m,) of labels Y in any accepted form; the first labels seen set classes_."""
        idx, classes = labels.indices(self._host(Y), self.layer_dims[-1], self._classes)
        if idx.size != m:
            raise ValueError(
                f"Y has {idx.size} labels but X has {m} examples (columns); one label per column"
            )
        self._classes = classes
        return idx

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
        Yb = self._y(Y, AL.shape[1])
        return model.backward(self.be, AL, Yb, caches, self.activations, self.loss, self.slope, self.lambd)

    def cost(self, X: Any, Y: Any) -> float:
        """The cost on (X, Y) as a Python float (with the L2 penalty when lambd > 0; never dropout)."""
        Xb, Yb = self.inputs(X, Y)
        AL = model.predict_proba(self.be, self._params, Xb, self.activations, self.slope)
        return self.be.item(model.compute_cost(self.be, AL, Yb, self.loss, self._params, self.lambd))

    def step(self, X: Any, Y: Any, learning_rate: float, compute_cost: bool = False) -> float | None:
        """One forward + backward + update on backend arrays X (n_x, m), Y (n_L, m); the cost as a float."""
        cost = self.train_step(X, Y, check_positive_number("learning_rate", learning_rate), compute_cost)
        return None if cost is None else self.be.item(cost)

    def train_step(self, X: Any, Y: Any, learning_rate: float, compute_cost: bool = True) -> Any:
        """The device-side step training loops call: forward, backward, update, no host sync.

        X (n_x, m) and Y (n_L, m) are backend arrays (see `inputs`); returns the cost before the
        update as a backend scalar (read it with `be.item` when you need it), or None.
        """
        if X.ndim != 2 or X.shape[0] != self.layer_dims[0] or Y.shape != (self.layer_dims[-1], X.shape[1]):
            check_data_shapes(X.shape, Y.shape, self.layer_dims[0], self.layer_dims[-1])
        be, acts, lambd = self.be, self.activations, self.lambd
        masks = None if self._dropout is None else self._dropout.masks(be, X.shape[1])
        AL, caches = model.forward(be, self._params, X, acts, self.slope, masks)
        cost = model.compute_cost(be, AL, Y, self.loss, self._params, lambd) if compute_cost else None
        spent: list[Any] = []
        grads = model.backward(be, AL, Y, caches, acts, self.loss, self.slope, lambd, masks, spent)
        params = self.optimizer.update(be, self._params, grads, learning_rate)
        self._params, cost = self._materialize(params, cost)
        model.recycle(be, AL, caches, spent)  # the next step's Z and dA may be written into them
        return cost

    def _materialize(self, params: dict, cost: Any) -> tuple[dict, Any]:
        """The step's one sync (rule 9): parameters, optimizer moments and cost computed together; a
        lazy backend hands back computed arrays in their place, and those are the ones kept."""
        if not self.optimizer.moments:  # gradient descent: parameters and cost only
            *done, cost = self.be.materialize(*params.values(), cost)
            return dict(zip(params, done, strict=True)), cost
        moments = [(state, key) for state in self.optimizer.moments.values() for key in state]
        *done, cost = self.be.materialize(*params.values(), *(s[k] for s, k in moments), cost)
        for (state, key), array in zip(moments, done[len(params) :], strict=True):
            state[key] = array
        return dict(zip(params, done, strict=False)), cost

    fit = training.fit  # one definition: net.fit(X, Y, ...) is xnn.fit(net, X, Y, ...)

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

    def to(self, backend: str | Backend, dtype: Any = None) -> Network:
        """This network on another backend (and dtype: this one's unless given): parameters, classes_,
        optimizer state, history and generators copied, so training there continues where it stopped."""
        other = copy.copy(self)
        other.be = backends.as_backend(
            backend, dtype if dtype is not None or isinstance(backend, Backend) else self.dtype
        )
        other._params = model.to_backend(other.be, self.parameters)
        other.optimizer = copy.copy(self.optimizer)
        moments = {k: np.array(v, copy=True) for k, v in self.optimizer.state_arrays(self.be).items()}
        other.optimizer.load_state(other.be, self.optimizer.t, moments)  # copies: never shared storage
        for name in ("history", "schedule_state", "shuffle_rng", "_dropout", "_classes"):
            setattr(other, name, copy.deepcopy(getattr(self, name)))
        return other
