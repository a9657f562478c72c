"""Backend names for the benchmarks: one display order (tables, legends, colours) and one list parser.

Imports nothing heavy and nothing from the rest of `benchmarks`, so the runner, the pytest
sessions, the report and the test suite can all use it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

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


def parse_backend_list(raw: str | None, source: str, known: Iterable[str]) -> tuple[str, ...]:
    """Names from "numpy, Numba" (commas, any case and spaces); empty or None: every known name.

    Raises ValueError naming the source (e.g. XNN_BENCH_BACKENDS), the unknown names, the valid ones
    and the fix. Duplicates are dropped, the first place kept.
    """
    known = tuple(known)
    names = tuple(dict.fromkeys(n.strip().lower() for n in (raw or "").split(",") if n.strip()))
    unknown = [n for n in names if n not in known]
    if unknown:
        hints = [
            f"{n!r} (did you mean {close[0]!r}?)" if (close := _close(n, known)) else repr(n) for n in unknown
        ]
        raise ValueError(
            f"{source}={raw!r} names unknown backend(s) {', '.join(hints)}; expected a comma-separated "
            f"list of {', '.join(known)} (empty for all of them)"
        )
    return names or known


def _close(name: str, known: tuple[str, ...]) -> list[str]:
    return difflib.get_close_matches(name, known, n=1, cutoff=0.6)
