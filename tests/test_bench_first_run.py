"""The README example a first run executes, the process runner, and the host-copy test runner."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `benchmarks` is a folder of the checkout, not an installed package

from benchmarks.bench_first_run import README, readme_example, run_example  # noqa: E402
from benchmarks.bench_host_copies import TEST, run_test  # noqa: E402

TEXT = """# title

```python
print("not the example")
```

## Example

Some words.

```bash
make test
```

```python
import xnn
print("the example")
```

```python
print("a later block")
```
"""


def test_readme_example_is_the_first_python_block_under_the_heading():
    assert readme_example(TEXT) == 'import xnn\nprint("the example")\n'


def test_readme_without_the_example_says_what_it_expected():
    with pytest.raises(ValueError, match='"## Example" heading followed by a ```python block'):
        readme_example(TEXT.replace("## Example", "## Examples of use"))


def test_the_real_readme_example_is_found_and_is_python():
    code = readme_example(README.read_text())
    compile(code, "README example", "exec")
    assert "xnn.Network(" in code and ".fit(" in code


def test_run_example_times_a_fresh_process_and_keeps_its_last_line(tmp_path):
    done = run_example("import os, sys\nprint('first')\nprint(os.environ['XNN_BACKEND'])", "numpy", tmp_path)
    assert done["last_line"] == "numpy" and done["wall_s"] > 0 and done["said_compiling"] is False


def test_run_example_raises_with_the_scripts_error(tmp_path):
    with pytest.raises(RuntimeError, match=r"(?s)README example on numpy exited 1:\n.*ZeroDivisionError"):
        run_example("1 / 0", "numpy", tmp_path)


@pytest.mark.parametrize(("body", "passed"), [("assert True", True), ("assert False", False)])
def test_run_test_reports_the_outcome_and_counts(tmp_path, body, passed):
    path = tmp_path / "test_one.py"
    path.write_text(f"def test_one():\n    {body}\n")
    done = run_test(str(path))
    assert done["passed"] is passed and done["exit"] == (0 if passed else 1)
    assert done["counts"] == {"passed" if passed else "failed": 1}


def test_run_test_on_a_missing_test_does_not_pass(tmp_path):
    done = run_test(str(tmp_path / "test_absent.py"))
    assert done["passed"] is False and done["exit"] != 0


def test_the_host_copy_test_named_in_the_report_exists():
    path, name = TEST.split("::")
    assert f"def {name}(" in (ROOT / path).read_text()
