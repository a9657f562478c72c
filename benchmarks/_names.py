"""Backend names for the benchmarks: one display order for tables, legends and colours.

The list parser lives in `backends` (the test suite uses it too). Nothing heavy is imported and
nothing from the rest of `benchmarks`, so the runner, the sessions and the report can all use it.
"""

from __future__ import annotations

from collections.abc import Iterable

from backends import parse_backend_list  # noqa: F401  (re-exported: one parser for tests and benchmarks)

# The order every table, legend and colour follows: the loops first (the "before"), then the
# vectorized and compiled backends, the GPU, the scale-out backend, then the reference peers.
BACKEND_ORDER = (
    "python",
    "numpy-example-loop",
    "numpy",
    "numba",
    "cupy",
    "dask",
    "numpy-lean",
    "numpy-naive",
    "torch-cpu",
    "torch-cuda",
    "sklearn-adam",
    "sklearn-lbfgs",
)


def base_of(name: str) -> str | None:
    """The known name a variant belongs to: "cupy+upload" -> "cupy", "numba-composed" -> "numba"."""
    if name in BACKEND_ORDER:
        return name
    known = [b for b in BACKEND_ORDER if name.startswith((f"{b}+", f"{b}-"))]
    return max(known, key=len) if known else None


def order_key(name: str) -> tuple[int, int, str]:
    """Sort key: by the place of the name (or of its base) in BACKEND_ORDER, variants right after
    their base, any other name last, alphabetically."""
    base = base_of(name)
    index = BACKEND_ORDER.index(base) if base else len(BACKEND_ORDER)
    return (index, name != base, name)


def ordered(names: Iterable[str]) -> list[str]:
    """Distinct names in display order."""
    return sorted(set(names), key=order_key)
