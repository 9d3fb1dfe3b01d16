"""Recorded floors only rise: a re-record never lowers one silently, and a run says when
one could rise.  Real projects: real pytest, real coverage.py, real git."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, measure_coverage, write

PY = sys.executable
BASELINE = ".testguard-baseline.json"

CALC = """\
def add(a, b):
    return a + b


def sub(a, b):
    return a - b


def mul(a, b):
    return a * b
"""


def calc_tests(*names: str) -> str:
    calls = {"add": "add(1, 2) == 3", "sub": "sub(3, 1) == 2", "mul": "mul(2, 3) == 6"}
    body = "from pkg.calc import add, mul, sub\n"
    for name in names:
        body += f"\n\ndef test_{name}():\n    assert {calls[name]}\n"
    return body


pytestmark = pytest.mark.usefixtures("project_pytest_alone")


def make_project(root: Path, tests: str, coverage: str = "") -> Path:
    """Coverage floors and the collected-test count; the tests measured once (``measure``)."""
    write(root, {
        "pyproject.toml": f'[tool.testguard]\npython = "{PY}"\nchecks = ["coverage", "collect"]\n\n'
        f'[tool.testguard.coverage]\n{coverage}\n'
        '[tool.testguard.collect]\n\n'
        '[tool.coverage.run]\nsource = ["pkg"]\n\n'
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
        "pkg/__init__.py": "",
        "pkg/calc.py": CALC,
        "tests/test_calc.py": tests,
    })
    measure_coverage(root)
    return root



def retest(root: Path, tests: str) -> None:
    (root / "tests/test_calc.py").write_text(tests)
    measure_coverage(root)


def figures(root: Path) -> dict[str, float]:
    recorded: dict[str, float] = json.loads((root / BASELINE).read_text())["figures"]
    return recorded


def test_rerecording_that_lowers_figures_lists_them_and_writes_nothing(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    """The issue's case: 100% and 3 tests recorded, two tests deleted, `baseline` again."""
    root = make_project(tmp_path, calc_tests("add", "sub", "mul"))
    first = tg(root, "baseline")
    assert first.code == 0, first.err
    assert figures(root) == {"collect:tests": 3, "coverage:total": 100}
    before = (root / BASELINE).read_bytes()

    retest(root, calc_tests("add"))
    refused = tg(root, "baseline")
    assert refused.code == 1, refused.err
    assert "  collect:tests 3 → 1 (lowered)\n" in refused.err
    assert "  coverage:total 100 → 66.67 (lowered)\n" in refused.err
    assert "testguard baseline: 2 recorded figures would be lowered:" in refused.err
    assert "--allow-lower" in refused.err
    assert (root / BASELINE).read_bytes() == before  # nothing written

    # the run itself fails on the same drop: refusing with 1 agrees with it
    gate = tg(root, "run", "--format", "json")
    assert gate.code == 1
    assert sorted(gate.codes()) == ["TG601", "TG702"]

    allowed = tg(root, "baseline", "--allow-lower")
    assert allowed.code == 0, allowed.err
    assert "  coverage:total 100 → 66.67 (lowered)\n" in allowed.err
    assert "(2 lowered with --allow-lower)" in allowed.err
    assert figures(root) == {"collect:tests": 1, "coverage:total": 66.67}


def test_raising_a_figure_is_always_fine_and_a_run_says_when_a_floor_could_rise(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    root = make_project(tmp_path, calc_tests("add"))
    assert tg(root, "baseline").code == 0
    assert figures(root) == {"collect:tests": 1, "coverage:total": 66.67}

    retest(root, calc_tests("add", "sub", "mul"))
    run = tg(root, "run")
    assert run.code == 0, run.out + run.err
    assert run.out == "All checks passed.\n"  # the notes do not change the report's shape
    assert (
        "testguard: note: coverage 100% is above its recorded floor 66.67%:"
        " testguard baseline --prune raises it\n" in run.err
    )
    assert (
        "testguard: note: 3 tests collected, above the floor of 1 recorded in the baseline:"
        " testguard baseline --prune raises it\n" in run.err
    )

    raised = tg(root, "baseline")
    assert raised.code == 0, raised.err
    assert "lowered" not in raised.err
    assert figures(root) == {"collect:tests": 3, "coverage:total": 100}
    again = tg(root, "run")
    assert again.code == 0 and "note" not in again.err


def test_path_figures_that_could_rise_are_listed_and_prune_raises_them(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    root = make_project(tmp_path, calc_tests("add"), 'paths = { "pkg/**" = 10 }\n')
    assert tg(root, "baseline", "coverage").code == 0
    assert figures(root)["coverage:pkg/calc.py"] == 66.67
    retest(root, calc_tests("add", "sub"))
    run = tg(root, "coverage")
    assert run.code == 0, run.out
    assert (
        "testguard: note: coverage of 2 paths is above the recorded floor"
        " (pkg/** 83.33% > 66.67%, pkg/calc.py 83.33% > 66.67%): testguard baseline --prune raises them"
        in run.err
    )
    pruned = tg(root, "baseline", "--prune", "coverage")
    assert pruned.code == 0 and "3 figures raised" in pruned.err
    assert figures(root) == {"coverage:total": 83.33, "coverage:pkg/**": 83.33, "coverage:pkg/calc.py": 83.33}


def test_a_figure_that_would_vanish_is_a_lowering_unless_its_file_is_gone(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    root = make_project(tmp_path, calc_tests("add", "sub", "mul"), 'paths = { "pkg/**" = 10 }\n')
    write(root, {"pkg/extra.py": "def one():\n    return 1\n"})
    measure_coverage(root)
    assert tg(root, "baseline", "coverage").code == 0
    assert set(figures(root)) == {
        "coverage:total", "coverage:pkg/**", "coverage:pkg/calc.py", "coverage:pkg/extra.py"
    }
    # the file goes: its figure goes with it (the total still holds the line)
    (root / "pkg/extra.py").unlink()
    measure_coverage(root)
    gone = tg(root, "baseline", "coverage")
    assert gone.code == 0, gone.err
    assert "coverage:pkg/extra.py" not in figures(root)
    # the glob leaves the configuration: its floors would vanish, which is a lowering
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text().replace('paths = { "pkg/**" = 10 }', "")
    )
    refused = tg(root, "baseline", "coverage")
    assert refused.code == 1
    assert "  coverage:pkg/** 100 → not measured (removed)\n" in refused.err
    assert "  coverage:pkg/calc.py 100 → not measured (removed)\n" in refused.err
    assert "coverage:pkg/**" in figures(root)


def test_allow_lower_with_prune_is_a_usage_error(tmp_path: Path, tg: Callable[..., Run]) -> None:
    write(tmp_path, {"tests/test_a.py": "def test_a():\n    pass\n"})
    assert tg(tmp_path, "baseline").code == 0
    run = tg(tmp_path, "baseline", "--prune", "--allow-lower")
    assert run.code == 2
    assert "--allow-lower cannot be used with --prune" in run.err
