"""Where the dask backend's graphs run: Dask's threaded scheduler in this process (the default), or a
`distributed` cluster named by an address, by DASK_SCHEDULER_ADDRESS (Dask's own variable), or by a
Client passed in; a Client made default in the session (`Client(...)`) is used too, as Dask does.

BLAS is pinned to one thread per worker thread: around the threaded compute in this process (the
limits are process-global, so never inside tasks), and by the nanny's environment on cluster workers
(distributed sets OMP/MKL/OPENBLAS_NUM_THREADS=1 for the workers it spawns).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

import dask

ADDRESS_ENV = "DASK_SCHEDULER_ADDRESS"
CONNECT_TIMEOUT_S = 30
LOCAL = ("threads", "sync")


class Scheduler:
    """Runs graphs: `target` None (threads, or the address in DASK_SCHEDULER_ADDRESS), "threads",
    "sync", an address such as "tcp://10.0.0.5:8786", or a distributed.Client."""

    def __init__(self, target: Any = None, threads: int | None = None) -> None:
        self.target = target
        self.threads = threads or dask.config.get("num_workers", None) or os.cpu_count() or 1
        self._clients: dict[str, Any] = {}
        self._blas: Any = None

    def __repr__(self) -> str:
        return f"Scheduler({self.describe()})"

    def describe(self) -> str:
        """'threads (n workers)', 'sync' or 'distributed <address>'."""
        client = self.client()
        if client is not None:
            return f"distributed {client.scheduler.address}"
        return "sync" if self.target == "sync" else f"threads ({self.threads} workers)"

    def address(self) -> str | None:
        """The scheduler address asked for: the target, else DASK_SCHEDULER_ADDRESS / dask config."""
        if self.target is not None:
            return self.target if isinstance(self.target, str) and self.target not in LOCAL else None
        return os.environ.get(ADDRESS_ENV, "").strip() or dask.config.get("scheduler-address", None)

    def client(self) -> Any | None:
        """The distributed Client graphs go to, or None for a scheduler in this process."""
        if self.target is not None and not isinstance(self.target, str):
            return self.target
        address = self.address()
        if address:
            return self._connect(address)
        return _session_client() if self.target is None else None

    def _connect(self, address: str) -> Any:
        client = self._clients.get(address)
        if client is None or client.status not in ("running", "connecting", "newly-created"):
            from distributed import Client

            client = Client(address, set_as_default=False, timeout=CONNECT_TIMEOUT_S)
            self._clients[address] = client
        return client

    def compute(self, *values: Any, local: bool = False) -> tuple[Any, ...]:
        """dask.compute of `values` (one call). Graphs without a chunked array (nothing to run in
        parallel) and local=True (data already here) run in this thread: no pool, no BLAS limit."""
        client = None if local or self.target == "sync" else self.client()
        if client is not None:
            return dask.compute(*values, scheduler=client)
        if local or self.target == "sync" or _one_chunk_everywhere(values):
            return dask.compute(*values, scheduler="sync")
        with self._one_blas_thread():
            return dask.compute(*values, scheduler="threads", num_workers=self.threads)

    def persist(self, *values: Any) -> tuple[Any, ...]:
        """dask.persist of `values`: kept where they were computed (cluster memory, or here)."""
        client = self.client()
        if client is not None:
            return tuple(client.persist(list(values)))
        with self._one_blas_thread():
            return dask.persist(*values, scheduler="threads", num_workers=self.threads)

    def place(self, x: Any) -> Any:
        """Data handed in by the client: persisted on a cluster (its lineage is the graph), as is here."""
        client = self.client()
        return client.persist(x) if client is not None else x

    @contextlib.contextmanager
    def _one_blas_thread(self) -> Iterator[None]:
        if self._blas is None:
            try:
                from threadpoolctl import ThreadpoolController
            except ImportError:  # xnn[dask] installs it; without it BLAS may oversubscribe the cores
                self._blas = False
            else:
                self._blas = ThreadpoolController()
        if self.threads <= 1 or self._blas is False:
            yield
            return
        with self._blas.limit(limits=1, user_api="blas"):
            yield

    def close(self) -> None:
        """Close the clients this scheduler opened (not one it was given)."""
        for client in self._clients.values():
            client.close()
        self._clients.clear()


def _session_client() -> Any | None:
    """The Client a session made default (only if distributed is already imported; never imports it)."""
    if "distributed" not in sys.modules:
        return None
    from distributed import default_client

    try:
        return default_client()
    except ValueError:
        return None


def _one_chunk_everywhere(values: tuple[Any, ...]) -> bool:
    """Whether every layer of every graph is a single task: no data parallelism to win from threads."""
    for value in values:
        layers = getattr(getattr(value, "dask", None), "layers", None)
        if layers is not None and any(len(layer) > 1 for layer in layers.values()):
            return False
    return True


BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def one_blas_thread_for_workers() -> Iterator[None]:
    """Worker processes spawned in this block (LocalCluster) get one BLAS thread each, whatever this
    process's environment says: distributed's nanny sets these variables to 1 only where they are unset."""
    saved = {var: os.environ.get(var) for var in BLAS_VARS}
    os.environ.update(dict.fromkeys(BLAS_VARS, "1"))
    try:
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value
