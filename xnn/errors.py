"""xnn's own exceptions and the lazy import of optional extras."""

from __future__ import annotations

import importlib
from types import ModuleType


class TrainingDivergedError(ArithmeticError):
    """The cost became NaN or infinite during training (usually: learning rate too large)."""


class CheckpointError(ValueError):
    """A file that is not a readable, intact xnn checkpoint, or parameters that must not be saved."""


class MissingDependencyError(ImportError):
    """An optional extra (scikit-learn, h5py, matplotlib) is not installed."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import `module` or raise MissingDependencyError naming the pip command that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise MissingDependencyError(
            f"{purpose} needs the optional package {module.split('.')[0]!r}, which is not installed; "
            f'fix: pip install "xnn[{extra}]"'
        ) from e
