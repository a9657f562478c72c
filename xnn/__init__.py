"""xnn: Andrew Ng's L-layer network in the course's notation, written once on the `backends` interface.

Example: `xnn.Network([2, 4, 1], hidden="tanh").fit(X, Y, learning_rate=1.2)` with X (n_x, m), Y (1, m);
`xnn.Network([64, 32, 10], output="softmax").fit(X, labels, 0.1, optimizer="adam")` for 10 classes;
`fit(..., validation_fraction=0.1, early_stopping=True)` then `net.history_` (xnn.plot draws it);
`xnn.sklearn.NetworkClassifier` / `NetworkRegressor` for scikit-learn's tools.
"""

from xnn import callbacks, optimizers, schedules
from xnn.callbacks import Callback, CallbackError, EarlyStopping, ModelCheckpoint
from xnn.errors import MissingDependencyError, TrainingDivergedError
from xnn.gradcheck import check_network, gradient_check
from xnn.history import History
from xnn.initialization import initialize_parameters
from xnn.model import backward, compute_cost, forward, predict_proba, to_backend, update_parameters
from xnn.network import Network
from xnn.optimizers import Adam, GradientDescent, Momentum, RMSprop
from xnn.schedules import schedule_lr_decay, update_lr
from xnn.training import fit

__version__ = "0.1.0"

__all__ = [
    "Adam",
    "Callback",
    "CallbackError",
    "EarlyStopping",
    "GradientDescent",
    "History",
    "MissingDependencyError",
    "ModelCheckpoint",
    "Momentum",
    "Network",
    "RMSprop",
    "TrainingDivergedError",
    "backward",
    "callbacks",
    "check_network",
    "compute_cost",
    "fit",
    "forward",
    "gradient_check",
    "initialize_parameters",
    "optimizers",
    "predict_proba",
    "schedule_lr_decay",
    "schedules",
    "to_backend",
    "update_lr",
    "update_parameters",
]
