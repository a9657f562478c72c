"""xnn: Andrew Ng's L-layer network in the course's notation, written once on the `backends` interface.

Example: `xnn.Network([2, 4, 1], hidden="tanh").fit(X, Y, learning_rate=1.2)` with X (n_x, m), Y (1, m).
"""

from xnn.errors import MissingDependencyError, TrainingDivergedError
from xnn.gradcheck import check_network, gradient_check
from xnn.initialization import initialize_parameters
from xnn.model import backward, compute_cost, forward, predict_proba, to_backend, update_parameters
from xnn.network import Network
from xnn.training import fit

__version__ = "0.1.0"

__all__ = [
    "MissingDependencyError",
    "Network",
    "TrainingDivergedError",
    "backward",
    "check_network",
    "compute_cost",
    "fit",
    "forward",
    "gradient_check",
    "initialize_parameters",
    "predict_proba",
    "to_backend",
    "update_parameters",
]
