"""The benchmark job: run the suite into benchmarks/results/<machine>/<profile>/, then the report.

python -m benchmarks run [--profile quick|full] [--backends numpy,numba] [--threads N]
                         [--machine NAME] [--out DIR] [--overwrite] [-- extra pytest args]
python -m benchmarks report RESULTS.json [--out DIR] [--no-plots]

Results already in the folder (e.g. the committed ones) are never replaced unless --overwrite (or
XNN_BENCH_OVERWRITE=1) says so: the run goes to a fresh folder beside them, <profile>-<date-time>.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from benchmarks._folders import fresh_folder, holds_results
from benchmarks._machine import machine_name
from benchmarks._names import parse_backend_list
from benchmarks._profiles import PROFILES, check_profile
from benchmarks._sessions import merge, run_session, sessions
from benchmarks._threads import ROOT, bench_threads, thread_env

RESULTS = ROOT / "benchmarks" / "results"
COMMANDS = ("run", "report")
YES, NO = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


class UsageError(ValueError):
    """A bad command line or environment variable; main prints it and exits with status 2."""


def _run_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks run", description="run the benchmark suite, then the report"
    )
    parser.add_argument("--profile", help="quick (default, minutes) | full (XNN_BENCH_PROFILE)")
    parser.add_argument("--backends", help="comma-separated, e.g. numpy,numba (XNN_BENCH_BACKENDS)")
    parser.add_argument("--threads", type=int, help="threads for BLAS/numba/torch (XNN_BENCH_THREADS)")
    parser.add_argument("--machine", help="results folder name (XNN_BENCH_MACHINE)")
    parser.add_argument("--out", type=Path, help="results folder (default results/<machine>/<profile>)")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace results already in the folder (XNN_BENCH_OVERWRITE=1)",
    )
    parser.add_argument("pytest_args", nargs="*", help="after --: passed to pytest (e.g. -k matmul)")
    args = parser.parse_args(argv)
    args.profile = _checked(check_profile, args.profile, "--profile", "XNN_BENCH_PROFILE")
    args.overwrite = args.overwrite or _flag("XNN_BENCH_OVERWRITE")
    return args


def _checked(check, value: str | None, option: str, var: str):
    """check(value from the option, else from the variable, source); its ValueError as a UsageError."""
    raw, source = (value, option) if value is not None else (os.environ.get(var), var)
    try:
        return check(raw, source)
    except ValueError as e:
        raise UsageError(str(e)) from None


def _flag(var: str) -> bool:
    """A yes/no environment variable; anything else is a UsageError."""
    raw = os.environ.get(var, "").strip().lower()
    if raw not in YES + NO:
        raise UsageError(f"{var}={raw!r}: expected 1 or 0 (also true/false, yes/no, on/off)")
    return raw in YES


def _selected(args: argparse.Namespace) -> tuple[str, ...]:
    """Backends asked for (--backends, XNN_BENCH_BACKENDS), else every registered one."""
    from backends import REGISTRY

    return _checked(
        lambda raw, src: parse_backend_list(raw, src, REGISTRY),
        args.backends,
        "--backends",
        "XNN_BENCH_BACKENDS",
    )


def _environment(args: argparse.Namespace) -> dict[str, str]:
    """The child's environment: profile, threads, machine and numba cache set deliberately."""
    env = dict(os.environ, XNN_BENCH_PROFILE=args.profile)
    for var, value in (("XNN_BENCH_THREADS", args.threads), ("XNN_BENCH_MACHINE", args.machine)):
        if value is not None:
            env[var] = str(value)
    os.environ.update({k: env[k] for k in ("XNN_BENCH_THREADS", "XNN_BENCH_MACHINE") if k in env})
    return {**env, **thread_env(env)}


def out_folder(args: argparse.Namespace, now: float | None = None) -> Path:
    """Where this run writes: never over existing results unless --overwrite."""
    if args.out is not None:
        if holds_results(args.out) and not args.overwrite:
            raise UsageError(
                f"--out {args.out} already holds results (results.json or report.md); "
                "pass --overwrite to replace them, or choose another folder"
            )
        return args.out
    return fresh_folder(RESULTS / machine_name() / args.profile, args.overwrite, now)


def run(argv: list[str]) -> int:
    """Each session into its own JSON, merged into results.json, then the report."""
    args = _run_args(argv)
    selected, env = _selected(args), _environment(args)
    out = out_folder(args)
    out.mkdir(parents=True, exist_ok=True)
    print(f"benchmarks: profile {args.profile}, {bench_threads()} threads, results in {out}", flush=True)
    start, rc, parts = time.perf_counter(), 0, []
    for session in sessions(selected):
        parts.append(out / f".session-{session.name}.json")
        parts[-1].unlink(missing_ok=True)
        rc = run_session(session, parts[-1], env, args.pytest_args) or rc
    print(f"benchmarks: pytest finished in {time.perf_counter() - start:.0f} s (exit {rc})", flush=True)
    json_path = out / "results.json"
    written = merge(parts, json_path)
    for part in parts:
        part.unlink(missing_ok=True)
    if not written:
        print(f"benchmarks: no results written to {out}", file=sys.stderr)
        return rc or 1
    from benchmarks.report import main as report

    return report([str(json_path), "--out", str(out)]) or rc


def _command_error(argv: list[str]) -> str:
    """What is wrong with the first argument, with the likely fix."""
    if not argv:
        return "no command given"
    first = argv[0]
    if first.strip().lower() in PROFILES:
        return (
            f"{first!r} is a profile, not a command; did you mean: python -m benchmarks run --profile {first}"
        )
    if first.startswith("-"):
        return f"options follow a command; did you mean: python -m benchmarks run {' '.join(argv)}"
    return f"unknown command {first!r}; expected one of: {', '.join(COMMANDS)}"


def main(argv: list[str] | None = None) -> int:
    """Dispatch `run` or `report`; bad input is one clear line on stderr and exit status 2."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in COMMANDS:
        if argv and argv[0] in ("-h", "--help"):
            print(__doc__)
            return 0
        print(f"error: {_command_error(argv)}\n\n{__doc__}", file=sys.stderr)
        return 2
    try:
        if argv[0] == "report":
            from benchmarks.report import main as report

            return report(argv[1:])
        return run(argv[1:])
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
