"""Turn a pytest-benchmark JSON into the report: Markdown tables (stdout + report.md) and plots.

Usage: python -m benchmarks.report RESULTS.json [--out DIR] [--no-plots]
Speedups are ratios of medians at the exact same op, size and dtype; a backend that did not run at
that size (the python loops above their cap) gets no speedup: nothing is extrapolated.
The top of the report's layers: results (rows) <- tables <- markdown, plots <- report.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.markdown import markdown
from benchmarks.results import ReportError, load


def main(argv: list[str] | None = None) -> int:
    """Print the report, write it as report.md (and the plots) next to the JSON or into --out."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__.splitlines()[0])
    parser.add_argument("json", type=Path, help="a --benchmark-json file from the suite")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: the JSON's)")
    parser.add_argument("--no-plots", action="store_true", help="tables only")
    args = parser.parse_args(argv)
    try:
        rows, machine = load(args.json)
    except ReportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = args.out or args.json.parent
    out.mkdir(parents=True, exist_ok=True)
    text = markdown(rows, machine, figures=not args.no_plots)
    (out / "report.md").write_text(text)
    print(text)
    if not args.no_plots:
        from benchmarks.plots import write_plots  # matplotlib only when plots are wanted

        for path in write_plots(rows, out):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
