"""How the dask backend lays arrays out: 2-D arrays (n, m) in column chunks along the example axis m,
rows whole; parameters and everything else in one chunk. Also the few graph-level helpers it needs.
"""

from __future__ import annotations

import math
import os
import uuid
from typing import Any

import dask.array as da
import numpy as np
from dask.array.utils import meta_from_array
from dask.base import tokenize
from dask.highlevelgraph import HighLevelGraph
from dask.utils import funcname

MIN_COLUMNS = 4096  # default chunks never go below this: per-task overhead would outweigh the work
CHUNK_ENV = "XNN_DASK_CHUNK"
LITERAL = "literal-"  # names of one-chunk arrays that hold data in this process


def chunk_from_env() -> int | None:
    """XNN_DASK_CHUNK (columns per chunk) as an int, None when unset or empty."""
    raw = os.environ.get(CHUNK_ENV, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{CHUNK_ENV}={raw!r}: expected a positive integer (columns per chunk), e.g. 50000")
    return int(raw)


def split(m: int, size: int) -> tuple[int, ...]:
    """m columns in chunks of `size` (the last one shorter): (size, ..., m % size)."""
    if m == 0:
        return (0,)
    full, rest = divmod(m, size)
    return (size,) * full + ((rest,) if rest else ())


def default_size(m: int, workers: int) -> int:
    """Columns per chunk when none is configured: one chunk per worker thread, never below MIN_COLUMNS."""
    return max(MIN_COLUMNS, math.ceil(m / max(1, workers)))


def literal(value: Any) -> da.Array:
    """A one-chunk dask array holding `value` as data (no hashing of its bytes, no task)."""
    name = f"{LITERAL}{uuid.uuid4().hex}"
    key = (name, *(0,) * np.ndim(value))
    graph = HighLevelGraph.from_collections(name, {key: value}, dependencies=())
    return da.Array(graph, name, tuple((n,) for n in np.shape(value)), meta=_meta(value))


def column_chunked(x: np.ndarray, columns: tuple[int, ...]) -> da.Array:
    """A 2-D host array as column chunks; each chunk is a view, held as data in the graph."""
    name = f"columns-{uuid.uuid4().hex}"
    edges = np.cumsum((0, *columns))
    graph = {(name, 0, j): x[:, edges[j] : edges[j + 1]] for j in range(len(columns))}
    hlg = HighLevelGraph.from_collections(name, graph, dependencies=())
    return da.Array(hlg, name, ((x.shape[0],), columns), meta=_meta(x))


def _meta(value: Any) -> Any:
    """A zero-size array of value's type and dtype: dask's stand-in for chunks it has not computed."""
    return meta_from_array(value if hasattr(value, "dtype") else np.asarray(value))


def rows_whole(x: da.Array) -> da.Array:
    """x (n, m) with all rows in each chunk: what a per-column-chunk op needs."""
    return x.rechunk({0: -1}) if x.ndim == 2 and x.numblocks[0] > 1 else x


def one_chunk(x: da.Array) -> da.Array:
    """x in a single chunk (parameters are replicated whole to every task)."""
    return x.rechunk(-1) if math.prod(x.numblocks) > 1 else x


def npartitions(x: da.Array) -> int:
    """Number of chunks."""
    return math.prod(x.numblocks)


def rebind(target: da.Array, source: da.Array) -> da.Array:
    """Make `target` (the same Python object) stand for `source`'s graph, as dask's own __setitem__ does."""
    target._meta = source._meta
    target.dask = source.dask
    target._name = source.name
    target._chunks = source.chunks
    return target


def shallow_copy(x: da.Array) -> da.Array:
    """A new array object on the same (immutable) graph: later rebinds of one leave the other alone."""
    return da.Array(x.dask, x.name, x.chunks, meta=x._meta)


class Under:
    """`func` run under the floating-point error settings that were in force where its op was called:
    a task runs later, on another thread, where the caller's np.errstate would not reach."""

    def __init__(self, func: Any, errstate: dict[str, str]) -> None:
        self.func, self.errstate = func, errstate
        self.__name__ = funcname(func)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with np.errstate(**self.errstate):
            return self.func(*args, **kwargs)

    def __dask_tokenize__(self) -> tuple[Any, ...]:
        return (self.__name__, tokenize(self.func), tuple(sorted(self.errstate.items())))


def under_errstate(func: Any) -> Under:
    """`func` bound to the caller's current np.errstate."""
    return Under(func, np.geterr())


def count_tasks(*collections: Any) -> int:
    """Tasks dask runs to compute `collections` together, after its optimizations (data not counted)."""
    from dask._task_spec import Task
    from dask.base import collections_to_expr

    graph = collections_to_expr(collections, optimize_graph=True).optimize().__dask_graph__()
    return sum(type(node) is Task for node in graph.values())
