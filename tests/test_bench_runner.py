"""The benchmark runner: backend lists, profiles, sessions from the registry, never overwriting results."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `benchmarks` is a folder of the checkout, not an installed package

from benchmarks import __main__ as runner  # noqa: E402
from benchmarks._names import BACKEND_ORDER, base_of, order_key, ordered, parse_backend_list  # noqa: E402
from benchmarks._profiles import PROFILES, check_profile  # noqa: E402
from benchmarks._sessions import sessions  # noqa: E402

KNOWN = ("numpy", "python", "numba", "cupy")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, KNOWN),
        ("", KNOWN),
        (" , ", KNOWN),
        ("numba", ("numba",)),
        (" NumPy , python,", ("numpy", "python")),
        ("numba,numpy,numba", ("numba", "numpy")),
    ],
)
def test_backend_list_parses_commas_case_and_spaces(raw, expected):
    assert parse_backend_list(raw, "XNN_BENCH_BACKENDS", KNOWN) == expected


def test_backend_list_names_the_unknown_the_source_and_the_valid_ones():
    with pytest.raises(ValueError) as caught:
        parse_backend_list("numpy,nmba,gpu", "XNN_TEST_BACKENDS", KNOWN)
    message = str(caught.value)
    assert "XNN_TEST_BACKENDS='numpy,nmba,gpu'" in message
    assert "'nmba' (did you mean 'numba'?)" in message and "'gpu'" in message
    assert "numpy, python, numba, cupy" in message


def test_profile_check_lists_the_valid_profiles():
    assert check_profile(None, "XNN_BENCH_PROFILE") == "quick"
    assert check_profile(" Full ", "--profile") == "full"
    with pytest.raises(ValueError, match=r"'fast' \(from --profile\); expected one of: quick, full"):
        check_profile("fast", "--profile")
    assert set(PROFILES) == {"quick", "full"}


def test_every_registered_backend_gets_a_session_and_a_new_one_its_own():
    by_name = {s.name: s for s in sessions([*KNOWN, "dask"])}
    assert by_name["numpy"].backends == ("numpy", "python")  # the loops ride with numpy
    assert by_name["numba"].backends == ("numba",) and by_name["dask"].backends == ("dask",)
    assert [s.name for s in sessions(KNOWN)] == ["numpy", "numba", "cupy", "torch"]
    assert all(s.marks == "not torch and not gpucheck" for s in sessions(KNOWN)[:-1])
    assert sessions(KNOWN)[-1].marks == "torch and not gpucheck"
    ran = [b for s in sessions([*KNOWN, "dask"])[:-1] for b in s.backends]
    assert sorted(ran) == sorted([*KNOWN, "dask"])  # each exactly once


def test_python_alone_runs_in_a_session_of_its_own_name():
    assert [(s.name, s.backends) for s in sessions(["python"])][0] == ("python", ("python",))


def test_registry_backends_all_have_a_place_in_the_display_order():
    from backends import REGISTRY

    assert set(REGISTRY) <= set(BACKEND_ORDER)
    assert ordered(["torch-cpu", "zeta", "numba", "python", "cupy+upload", "cupy"]) == [
        "python",
        "numba",
        "cupy",
        "cupy+upload",
        "torch-cpu",
        "zeta",
    ]
    assert order_key("zeta") > order_key("sklearn-lbfgs")
    assert ordered(["numba-composed", "numpy", "numba", "numpy-composed"]) == [
        "numpy",
        "numpy-composed",
        "numba",
        "numba-composed",
    ]
    assert base_of("numpy-lean") == "numpy-lean" and base_of("numba-pair") == "numba" and base_of("x") is None


def _args(tmp_path: Path, **kw) -> argparse.Namespace:
    return argparse.Namespace(**{"out": None, "overwrite": False, "profile": "quick", **kw})


def test_existing_results_are_kept_and_the_run_goes_to_a_fresh_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(runner, "RESULTS", tmp_path)
    monkeypatch.setenv("XNN_BENCH_MACHINE", "box")
    assert runner.out_folder(_args(tmp_path)) == tmp_path / "box" / "quick"  # nothing there yet
    (tmp_path / "box" / "quick").mkdir(parents=True)
    (tmp_path / "box" / "quick" / "results.json").write_text("{}")
    fresh = runner.out_folder(_args(tmp_path), now=0.0)
    assert fresh.parent == tmp_path / "box" and fresh.name.startswith("quick-19")
    assert "already holds results" in capsys.readouterr().out
    assert runner.out_folder(_args(tmp_path, overwrite=True)) == tmp_path / "box" / "quick"


def test_an_explicit_out_folder_with_results_needs_overwrite(tmp_path):
    (tmp_path / "report.md").write_text("old")
    with pytest.raises(runner.UsageError, match="--overwrite"):
        runner.out_folder(_args(tmp_path, out=tmp_path))
    assert runner.out_folder(_args(tmp_path, out=tmp_path, overwrite=True)) == tmp_path


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        ([], {}, "no command given"),
        (["quick"], {}, "did you mean: python -m benchmarks run --profile quick"),
        (["--profile", "full"], {}, "did you mean: python -m benchmarks run --profile full"),
        (["bench"], {}, "unknown command 'bench'; expected one of: run, report"),
        (["run", "--profile", "fast"], {}, "unknown benchmark profile 'fast' (from --profile)"),
        (
            ["run"],
            {"XNN_BENCH_PROFILE": "Fast"},
            "'Fast' (from XNN_BENCH_PROFILE); expected one of: quick, full",
        ),
        (["run", "--backends", "numpy,nmba"], {}, "'nmba' (did you mean 'numba'?)"),
        (["run"], {"XNN_BENCH_BACKENDS": "torch"}, "XNN_BENCH_BACKENDS='torch' names unknown backend"),
        (["run"], {"XNN_BENCH_OVERWRITE": "maybe"}, "XNN_BENCH_OVERWRITE='maybe': expected 1 or 0"),
    ],
)
def test_bad_commands_fail_before_running_anything(monkeypatch, capsys, argv, env, message):
    for var in ("XNN_BENCH_PROFILE", "XNN_BENCH_BACKENDS", "XNN_BENCH_OVERWRITE"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    monkeypatch.setattr(runner, "run_session", lambda *a: pytest.fail("a session started"))
    assert runner.main(argv) == 2
    assert message in capsys.readouterr().err
