"""The contract's op tests again, on dask arrays split into 2-column chunks: every op must give NumPy's
answer however m is chunked (the shared `be` fixture sees small arrays in one chunk only)."""

from __future__ import annotations

import pytest

pytest.importorskip("dask.array", reason="dask not installed (pip install 'xnn[dask]')")
from test_fused_training_ops import *  # noqa: E402, F403
from test_ops_edges import *  # noqa: E402, F403
from test_ops_elementwise import *  # noqa: E402, F403
from test_ops_nn import *  # noqa: E402, F403
from test_ops_reduce_shape import *  # noqa: E402, F403
from test_ops_training import *  # noqa: E402, F403

from backends.dask_backend import DaskBackend  # noqa: E402


@pytest.fixture(scope="module")
def be():
    """float64 dask arrays whose 2-D shapes are cut every 2 columns (the op tests' m is 0 to 30)."""
    return DaskBackend("float64", chunk=2)
