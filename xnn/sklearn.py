"""scikit-learn estimators on xnn's Network: `NetworkClassifier` and `NetworkRegressor`.

At this boundary examples are rows, as everywhere in scikit-learn: X (n_samples, n_features) is
transposed to the course's X (n_x, m) for the network, and predictions come back as rows. The
hyperparameters carry MLPClassifier's names (hidden_layer_sizes, alpha = the course's lambd,
learning_rate_init, batch_size, max_iter, solver, early_stopping, validation_fraction,
n_iter_no_change, tol, random_state) plus xnn's backend and dtype. Needs the optional `data` extra.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

from backends import Backend
from xnn.errors import MissingDependencyError, require

_sklearn = require("sklearn", "data", "xnn.sklearn's estimators")
if tuple(int(p) for p in _sklearn.__version__.split(".")[:2] if p.isdigit()) < (1, 6):
    raise MissingDependencyError(
        f"xnn.sklearn needs scikit-learn >= 1.6 (validate_data, estimator tags), found "
        f'{_sklearn.__version__}; fix: pip install -U "xnn[data]"'
    )

from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.utils import check_random_state  # noqa: E402
from sklearn.utils.multiclass import check_classification_targets  # noqa: E402
from sklearn.utils.validation import check_is_fitted, validate_data  # noqa: E402

FLOATS = (np.float64, np.float32)
# scikit-learn's solver names and xnn's optimizers: "sgd" is xnn's (mini-batch) gradient descent
SOLVERS = {"sgd": "gd", "gd": "gd", "momentum": "momentum", "rmsprop": "rmsprop", "adam": "adam"}

# scikit-learn estimator checks that fail by design, with why (the test passes this to its checks)
EXPECTED_FAILED_CHECKS: dict[str, str] = {}


class _NetworkEstimator(BaseEstimator):
    """What the classifier and the regressor share: parameters, data checks, building and fitting."""

    _output: str  # the output activation for this task (set by the subclasses / per fit)

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        solver: str = "adam",
        alpha: float = 1e-4,
        batch_size: int | str = "auto",
        learning_rate_init: float = 1e-3,
        max_iter: int = 200,
        tol: float = 1e-4,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        keep_prob: float = 1.0,
        random_state: Any = None,
        backend: Any = None,
        dtype: Any = None,
        verbose: bool = False,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.keep_prob = keep_prob
        self.random_state = random_state
        self.backend = backend
        self.dtype = dtype
        self.verbose = verbose

    # -- hyperparameters to Network arguments ------------------------------------------------------
    def _hidden(self) -> list[int]:
        """hidden_layer_sizes as a list of positive ints (an int means one hidden layer)."""
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, numbers.Integral) else list(sizes)
        if any(not isinstance(s, numbers.Integral) or isinstance(s, bool) or s < 1 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be positive integers, got {self.hidden_layer_sizes!r}")
        return [int(s) for s in sizes]

    def _batch(self, n_samples: int) -> int:
        """batch_size: 'auto' is min(200, n_samples) like scikit-learn's; clipped to n_samples."""
        if self.batch_size == "auto":
            return min(200, n_samples)
        if not isinstance(self.batch_size, numbers.Integral) or self.batch_size < 1:
            raise ValueError(f"batch_size must be 'auto' or an integer >= 1, got {self.batch_size!r}")
        return min(int(self.batch_size), n_samples)

    def _solver(self) -> str:
        """xnn's optimizer name for `solver`."""
        if self.solver not in SOLVERS:
            raise ValueError(
                f"solver must be one of {', '.join(SOLVERS)}, got {self.solver!r} "
                "(lbfgs is not offered: xnn trains with first-order mini-batch steps)"
            )
        return SOLVERS[self.solver]

    def _network(self, n_features: int, n_outputs: int, dtype: Any, seed: int) -> Any:
        """A fresh Network for this data: [n_features, *hidden_layer_sizes, n_outputs]."""
        from xnn.network import Network

        return Network(
            [n_features, *self._hidden(), n_outputs],
            hidden=self.activation,
            output=self._output,
            lambd=self.alpha,
            keep_prob=self.keep_prob,
            seed=seed,
            backend=self.backend,
            dtype=self.dtype or (None if isinstance(self.backend, Backend) else dtype),  # an instance has one
        )

    def _fit_network(self, X: np.ndarray, Y: np.ndarray, n_outputs: int) -> None:
        """Build and train network_ on rows X (n, n_features) and columns Y (n_L or 1, n); copy history."""
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        self.network_ = self._network(X.shape[1], n_outputs, X.dtype.name, seed)
        self.network_.fit(
            X.T,
            Y,
            learning_rate=self.learning_rate_init,
            iterations=self.max_iter,
            batch_size=self._batch(X.shape[0]),
            optimizer=self._solver(),
            progress=bool(self.verbose),
            print_every=max(1, self.max_iter // 10),
            shuffle_seed=seed,
            # scikit-learn's MLP always stops on n_iter_no_change epochs without tol progress:
            # on the validation set when early_stopping, else on the training loss
            early_stopping=True,
            validation_fraction=self.validation_fraction if self.early_stopping else None,
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
        )
        self._copy_history()

    def _copy_history(self) -> None:
        """scikit-learn's fitted attributes from network_.history_, and its ConvergenceWarning."""
        history = self.network_.history_
        self.history_ = history
        self.n_iter_ = history.n_iter_
        self.loss_curve_ = history.loss_curve_
        self.loss_ = self.loss_curve_[-1]
        self.validation_scores_ = history.validation_scores_ if self.early_stopping else None
        self.best_validation_score_ = history.best_validation_score_ if self.early_stopping else None
        self.best_loss_ = None if self.early_stopping else min(self.loss_curve_)
        if history.stopped_epoch is None and self.n_iter_ == self.max_iter:
            warnings.warn(
                f"{type(self).__name__}: max_iter={self.max_iter} epochs reached before the loss stopped "
                f"improving by tol={self.tol}; raise max_iter or learning_rate_init",
                ConvergenceWarning,
                stacklevel=4,  # the caller of fit
            )

    def _outputs(self, X: Any) -> np.ndarray:
        """The network's output rows (n_samples, n_outputs) for rows X, after the fitted checks."""
        check_is_fitted(self, "network_")
        X = validate_data(self, X, reset=False, dtype=FLOATS)
        return np.asarray(self.network_.predict_proba(X.T)).T


class NetworkClassifier(ClassifierMixin, _NetworkEstimator):
    """A classifier on xnn's Network: sigmoid output for two classes, softmax for more; any labels."""

    def fit(self, X: Any, y: Any) -> NetworkClassifier:
        """Train on X (n_samples, n_features) and labels y (n_samples,); returns self."""
        X, y = validate_data(self, X, y, dtype=FLOATS)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if self.classes_.size < 2:
            raise ValueError(
                f"y holds only one class ({self.classes_[0]}); a classifier needs examples of at least "
                "two classes"
            )
        self._output = "sigmoid" if self.classes_.size == 2 else "softmax"
        n_outputs = 1 if self.classes_.size == 2 else self.classes_.size
        self._fit_network(X, codes.reshape(1, -1).astype(X.dtype), n_outputs)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (n_samples, n_classes), columns in the order of classes_."""
        P = self._outputs(X)
        return np.hstack([1 - P, P]) if P.shape[1] == 1 else P

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log of predict_proba (n_samples, n_classes)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row (n_samples,), from classes_."""
        check_is_fitted(self, "network_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class NetworkRegressor(RegressorMixin, _NetworkEstimator):
    """A regressor on xnn's Network: linear output, mean squared error; one or several targets."""

    _output = "linear"

    def fit(self, X: Any, y: Any) -> NetworkRegressor:
        """Train on X (n_samples, n_features) and targets y (n_samples,) or (n_samples, n_targets)."""
        X, y = validate_data(self, X, y, dtype=FLOATS, multi_output=True, y_numeric=True)
        self._y_1d = y.ndim == 1
        Y = y.reshape(y.shape[0], -1).T.astype(X.dtype)
        self._fit_network(X, Y, Y.shape[0])
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predictions (n_samples,) for one target, else (n_samples, n_targets)."""
        out = self._outputs(X)
        return out[:, 0] if self._y_1d else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
