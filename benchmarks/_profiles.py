"""The size profiles a benchmark run can use; no heavy imports, so the runner can check a name early."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """How long each benchmark may run: a time budget per row and bounds on rounds."""

    name: str
    budget_s: float  # total timed seconds per benchmark row (before min_rounds takes over)
    round_s: float  # target seconds per round: fast calls are repeated `iterations` times a round
    min_rounds: int
    max_rounds: int


PROFILES = {
    "quick": Profile("quick", budget_s=0.25, round_s=0.002, min_rounds=3, max_rounds=200),
    "full": Profile("full", budget_s=1.0, round_s=0.005, min_rounds=5, max_rounds=1000),
}
DEFAULT = "quick"


def check_profile(raw: str | None, source: str) -> str:
    """The profile name from `raw` (case, spaces ignored; empty: quick); ValueError lists the valid ones."""
    name = (raw or "").strip().lower() or DEFAULT
    if name not in PROFILES:
        raise ValueError(
            f"unknown benchmark profile {raw!r} (from {source}); expected one of: "
            f"{', '.join(PROFILES)} (quick: minutes, the default; full: the whole size sweep)"
        )
    return name
