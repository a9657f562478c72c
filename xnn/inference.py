"""Using a trained network: probabilities, labels and accuracy, in column batches for large m."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from xnn import model

PREDICT_BATCH = 65536  # examples per forward pass when predicting from host data: bounds device memory


class Inference:
    """predict_proba, predict and accuracy for Network (which provides be, _params, _x, activations...)."""

    be: Any
    _params: dict
    _classes: np.ndarray | None
    activations: list[str]
    slope: float

    def _batched(self, X: Any, fn: Callable[[Any], np.ndarray]) -> np.ndarray:
        """fn over column batches of host data X, joined on the host; one call for device arrays."""
        m = X.shape[1] if isinstance(X, np.ndarray) and X.ndim == 2 else 0
        if m <= PREDICT_BATCH:
            return fn(X)
        return np.concatenate([fn(X[:, s : s + PREDICT_BATCH]) for s in range(0, m, PREDICT_BATCH)], axis=-1)

    def _proba(self, X: Any) -> Any:
        """AL (n_L, m) as a backend array."""
        return model.predict_proba(self.be, self._params, self._x(X), self.activations, self.slope)

    def predict_proba(self, X: Any) -> np.ndarray:
        """AL (n_L, m) on the host: class probabilities (columns sum to 1) for softmax, probabilities
        for sigmoid, predictions for regression."""
        return self._batched(X, lambda x: self.be.to_numpy(self._proba(x)))

    def _predicted_indices(self, X: Any) -> np.ndarray:
        """Softmax: the most probable class index (m,) per example, on the host."""
        return self._batched(X, lambda x: self.be.to_numpy(self.be.argmax(self._proba(x), 0)))

    def predict(self, X: Any) -> np.ndarray:
        """Labels (1, m) on the host: classes_[argmax AL] for softmax (indices before any labels were
        seen), else 0/1 int64 (n_L, m), 1 where AL > 0.5."""
        if self.is_classifier:
            idx = self._predicted_indices(X)
            return (idx if self._classes is None else self._classes[idx]).reshape(1, -1)
        return (self.predict_proba(X) > 0.5).astype(np.int64)  # thresholded on the host, where it goes

    def accuracy(self, X: Any, Y: Any) -> float:
        """Fraction of examples predicted right, as a Python float: the argmax class for softmax; all
        n_L labels of the example for sigmoid (exact match, as sklearn's accuracy_score)."""
        if self.is_classifier:
            predicted = self._predicted_indices(X)
            return float(np.mean(predicted == self._class_indices(Y, predicted.size)))
        predicted = self.predict(X)
        expected = self.be.to_numpy(self._y(Y, predicted.shape[1]))  # checked as training checks it
        return float(np.mean(np.all(predicted == expected, axis=0)))
