"""How numbers look in the report: times with units, ratios, Markdown tables."""

from __future__ import annotations


def fmt_time(seconds: float | None) -> str:
    """Seconds with a unit, 3 significant digits."""
    if seconds is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def fmt_ratio(ratio: float | None) -> str:
    """12,345× | 12.3× | 0.85×; a dash where there is no baseline."""
    if ratio is None:
        return "—"
    return f"{ratio:,.0f}×" if ratio >= 100 else f"{ratio:.3g}×"


def fmt_count(n: float) -> str:
    """1 | 512 | 4,096 | 60,000: a size as people write it."""
    return f"{n:,.0f}"


def fmt_about(n: float) -> str:
    """A size read off a curve, to 2 significant digits: 2,922 -> 2,900; 37.4 -> 37."""
    return fmt_count(float(f"{n:.2g}"))


def md_table(header: list[str], lines: list[list[str]]) -> list[str]:
    """A Markdown table as lines."""
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return out + ["| " + " | ".join(cells) + " |" for cells in lines]
