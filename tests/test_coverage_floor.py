"""``testguard coverage``: real projects, real pytest runs under real coverage.py."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, git, git_init, measure_coverage, project_env, write

PY = sys.executable

CALC = """\
def add(a, b):
    return a + b


def sub(a, b):
    return a - b


def mul(a, b):
    return a * b
"""

TEXT = """\
def shout(s):
    return s.upper()
"""

TESTS = """\
from pkg.core.calc import add
from pkg.util.text import shout


def test_add():
    assert add(1, 2) == 3


def test_shout():
    assert shout("a") == "A"
"""

# calc.py: 6 statements, 2 missed (66.67%); text.py: 2 statements, none missed; total 75%.


pytestmark = pytest.mark.usefixtures("project_pytest_alone")



def make_project(root: Path, testguard: str = "", coverage: str = "", extra: dict[str, str] | None = None) -> Path:
    write(root, {
        "pyproject.toml": f'[tool.testguard]\npython = "{PY}"\n\n[tool.testguard.coverage]\n{testguard}\n'
        f'[tool.coverage.run]\nsource = ["pkg"]\n{coverage}',
        "pkg/__init__.py": "",
        "pkg/core/__init__.py": "",
        "pkg/core/calc.py": CALC,
        "pkg/util/__init__.py": "",
        "pkg/util/text.py": TEXT,
        "tests/test_calc.py": TESTS,
        **(extra or {}),
    })
    return root



def findings(run: Run, code: str | None = None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = run.json()["findings"]
    return [f for f in found if code is None or f["code"] == code]


def coverage_total(root: Path) -> str:
    proc = subprocess.run([PY, "-m", "coverage", "report", "--format=total"], cwd=root,
                          capture_output=True, text=True, env=project_env(), check=True)
    return proc.stdout.strip()


def test_total_below_floor_is_tg601_with_coverage_pys_own_figure(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, "fail-under = 80\n")
    measure_coverage(root)
    run = tg(root, "coverage", "--format", "json")
    assert run.code == 1, run.err
    [total] = findings(run, "TG601")
    # at the line that sets the floor: "fail-under = 80" in [tool.testguard.coverage]
    assert (total["path"], total["line"], total["col"], total["scope"]) == ("pyproject.toml", 5, 1, "project")
    assert f"total coverage {coverage_total(root)}% is below the floor of 80%" in total["message"]
    assert run.codes() == ["TG601"]
    assert run.json()["checks"]["coverage"]["figures"]["coverage:total"] == 75.0


def test_total_at_floor_passes_and_text_output_is_one_line_a_finding(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, "fail-under = 75\n")
    measure_coverage(root)
    run = tg(root, "coverage")
    assert run.code == 0, run.out + run.err
    assert run.out == "All checks passed.\n"


def test_a_failing_run_shows_the_table_worst_first_in_text(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, "fail-under = 80\n")
    measure_coverage(root)
    run = tg(root, "coverage")
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0].startswith("pyproject.toml:5:1: TG601 total coverage 75")
    header = lines.index("Coverage, worst first:")
    rows = [line.split() for line in lines[header + 3:] if line.startswith("pkg/")]
    assert rows[0][0] == "pkg/core/calc.py" and rows[0][3] == "66.67%"
    assert [float(r[3].rstrip("%")) for r in rows] == sorted(float(r[3].rstrip("%")) for r in rows)
    assert any(line.startswith("TOTAL") and line.endswith("FAIL") for line in lines)
    assert lines[-1] == "Found 1 error."


def test_a_path_below_its_own_floor_while_the_total_passes(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(
        tmp_path,
        'fail-under = 70\npaths = { "pkg/**" = 50, "pkg/core/**" = 90, "pkg/util/**" = 100 }\n',
    )
    measure_coverage(root)
    run = tg(root, "coverage", "--format", "json")
    assert run.code == 1
    [finding] = findings(run)
    assert finding["code"] == "TG602"
    assert finding["path"] == "pkg/core/calc.py"
    assert "coverage 67% is below the floor of 90% for 'pkg/core/**'" in finding["message"]
    text = tg(root, "coverage")
    assert text.out.splitlines()[0].startswith("pkg/core/calc.py:1:1: TG602 coverage 67%")


def test_the_most_specific_glob_wins(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # calc.py (67%) is governed by its own entry (60), not by pkg/core/** (90).
    root = make_project(tmp_path, 'paths = { "pkg/core/**" = 90, "pkg/core/calc.py" = 60, "*.py" = 99 }\n')
    measure_coverage(root)
    run = tg(root, "coverage", "--format", "json")
    assert run.code == 0, run.out
    table = run.json()["checks"]["coverage"]["sections"]["coverage_table"]
    calc = next(r for r in table if r["path"] == "pkg/core/calc.py")
    text = next(r for r in table if r["path"] == "pkg/util/text.py")
    assert (calc["floor"], calc["glob"], calc["passed"]) == (60.0, "pkg/core/calc.py", True)
    assert (text["floor"], text["glob"]) == (99.0, "*.py")


def test_report_table_is_sorted_worst_first_and_in_the_summary(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, 'paths = { "pkg/core/**" = 90 }\n')
    measure_coverage(root)
    summary = tmp_path / "summary.md"
    run = tg(root, "coverage", "--format", "json", "--summary", str(summary))
    table = run.json()["checks"]["coverage"]["sections"]["coverage_table"]
    assert [r["path"] for r in table[:2]] == ["pkg/core/calc.py", "pkg/util/text.py"]
    assert table[0] == {
        "path": "pkg/core/calc.py", "statements": 6, "missed": 2, "branches": 0,
        "missed_branches": 0, "percent": 66.67, "floor": 90.0, "glob": "pkg/core/**",
        "passed": False,
    }
    assert table[-1]["path"] == "TOTAL" and table[-1]["percent"] == 75.0
    markdown = summary.read_text()
    calc_row = next(line for line in markdown.splitlines() if "pkg/core/calc.py" in line and "█" in line)
    assert "66.7%" in calc_row and "90.0%" in calc_row and "❌" in calc_row


def test_branch_coverage_counts_as_coverage_py_counts_it(tmp_path: Path, tg: Callable[..., Run]) -> None:
    extra = {
        "pkg/core/sign.py": "def sign(x):\n    if x < 0:\n        return -1\n    return 1\n",
        "tests/test_sign.py": "from pkg.core.sign import sign\n\n\ndef test_sign():\n    assert sign(-5) == -1\n",
    }
    root = make_project(tmp_path, "fail-under = 100\n", "branch = true\n", extra)
    measure_coverage(root)
    run = tg(root, "coverage", "--format", "json")
    [total] = findings(run, "TG601")
    assert f"total coverage {coverage_total(root)}% is below" in total["message"]
    assert "branches" in total["message"]


def test_parallel_data_is_combined_without_touching_the_projects_files(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, "fail-under = 80\n")
    measure_coverage(root, "--parallel-mode")
    before = sorted(p.name for p in root.glob(".coverage*"))
    assert before and all(name.startswith(".coverage.") for name in before)
    run = tg(root, "coverage", "--format", "json")
    [total] = findings(run, "TG601")
    assert "75%" in total["message"] and "parallel" in total["message"]
    assert sorted(p.name for p in root.glob(".coverage*")) == before


def test_coverage_json_and_xml_reports_are_read_when_that_is_what_exists(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, 'fail-under = 80\npaths = { "pkg/core/**" = 90 }\n')
    measure_coverage(root)
    for fmt in ("json", "xml"):
        subprocess.run([PY, "-m", "coverage", fmt, "-q"], cwd=root, check=True, env=project_env())
    (root / ".coverage").rename(tmp_path / "stash")
    from_json = tg(root, "coverage", "--format", "json")
    assert sorted(from_json.codes()) == ["TG601", "TG602"]
    (root / "coverage.json").unlink()
    from_xml = tg(root, "coverage", "--format", "json")
    assert sorted(from_xml.codes()) == ["TG601", "TG602"]
    assert "coverage.xml" in findings(from_xml, "TG601")[0]["message"]


def test_run_measures_the_tests_in_the_projects_interpreter(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, 'fail-under = 80\nrun = "pytest -q -p no:cacheprovider"\n')
    run = tg(root, "coverage", "--format", "json")
    assert run.codes() == ["TG601"], run.err
    assert (root / ".coverage").is_file()
    assert run.json()["checks"]["coverage"]["sections"]["coverage"]["tests_exit_code"] == 0


def feature_branch(root: Path) -> None:
    """Base commit on main; a feature that adds code, half of it tested."""
    git_init(root)
    (root / ".gitignore").write_text(".coverage\n.testguard_cache/\n__pycache__/\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")
    calc = CALC + (
        "\n\ndef div(a, b):\n"        # 13 (def runs at import)
        "    if b == 0:\n"             # 14
        "        raise ZeroDivisionError('b')\n"  # 15 never runs
        "    return a / b\n"           # 16
        "\n\ndef neg(a):\n"            # 19
        "    b = -a\n"                 # 20 never runs
        "    return b\n"               # 21 never runs
    )
    (root / "pkg/core/calc.py").write_text(calc)
    (root / "tests/test_div.py").write_text(
        "from pkg.core.calc import div\n\n\ndef test_div():\n    assert div(4, 2) == 2\n"
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "feature")


def test_changed_lines_below_floor_with_annotations_on_exactly_the_uncovered_lines(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    root = make_project(tmp_path, "changed-lines-fail-under = 90\n")
    feature_branch(root)
    measure_coverage(root)
    run = tg(root, "coverage", "--format", "json", "--diff-base", "main")
    assert run.code == 1, run.err
    [changed] = findings(run, "TG603")
    # changed statements: def div, if, raise, return, def neg, b = -a, return b -> 4 of 7
    assert "since main is 57%, below the floor of 90% (3 of 7 statements missed in 1 file)" in changed["message"]
    uncovered = [(f["path"], f["line"], f["end_line"], f["severity"]) for f in findings(run, "TG604")]
    assert uncovered == [
        ("pkg/core/calc.py", 15, 15, "warning"),
        ("pkg/core/calc.py", 20, 21, "warning"),
    ]
    # sub() and mul() are not covered either, but they did not change: no TG604 there.
    assert run.codes().count("TG604") == 2


def test_changed_lines_above_floor_pass(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, "changed-lines-fail-under = 50\n")
    feature_branch(root)
    measure_coverage(root)
    run = tg(root, "coverage", "--format", "json", "--diff-base", "main")
    assert "TG603" not in run.codes()
    assert run.code == 0  # TG604 is a warning


def test_ratchet_refuses_a_drop_below_the_recorded_figure(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, 'paths = { "pkg/util/**" = 10 }\n')
    measure_coverage(root)
    recorded = tg(root, "baseline", "coverage")
    assert recorded.code == 0, recorded.err
    figures = json.loads((root / ".testguard-baseline.json").read_text())["figures"]
    assert figures["coverage:total"] == 75 and figures["coverage:pkg/util/**"] == 100
    # the shout test goes: text.py drops to 50%, the total to 62.5% (5 of 8)
    (root / "tests/test_calc.py").write_text(TESTS.split("def test_shout")[0])
    measure_coverage(root)
    run = tg(root, "coverage", "--format", "json")
    assert run.code == 1
    messages = {(f["code"], f["path"]): f["message"] for f in findings(run)}
    # a ratchet points at the figure it fell below, in the baseline file
    assert "total coverage fell to 62.50% from the recorded 75.00%" in messages[("TG601", ".testguard-baseline.json")]
    assert "coverage of 'pkg/util/**' fell to 50.00% from the recorded 100.00%" in messages[("TG602", ".testguard-baseline.json")]
    baseline_lines = (root / ".testguard-baseline.json").read_text().splitlines()
    for f in findings(run):
        if f["path"] == ".testguard-baseline.json":
            assert f'"coverage:' in baseline_lines[f["line"] - 1]
    assert "fell to 50.00% from the recorded 100.00%" in messages[("TG602", "pkg/util/text.py")]


def test_ratchet_lets_coverage_rise(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path)
    measure_coverage(root)
    assert tg(root, "baseline", "coverage").code == 0
    (root / "tests/test_more.py").write_text(
        "from pkg.core.calc import mul, sub\n\n\ndef test_more():\n    assert sub(3, 1) == 2\n    assert mul(2, 2) == 4\n"
    )
    measure_coverage(root)
    run = tg(root, "coverage")
    assert run.code == 0, run.out


def test_a_rise_note_never_starts_a_workflow_command(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # The glob is the config's, which a pull request can change.  The Actions runner reads
    # stderr too, and honours the legacy `##[command]` anywhere in a line: `[error]` is a
    # glob class here (one of e, r, o), so the glob matches pkg/core/##e.py.
    def calls(*values: int) -> str:
        body = "".join(f"    assert module['f']({v}) == {2 - bool(v)}\n" for v in values)
        return f"import runpy\n\n\ndef test_hash():\n    module = runpy.run_path('pkg/core/##e.py')\n{body}"

    root = make_project(tmp_path, 'paths = { "pkg/core/##[error]*" = 10 }\n', extra={
        "pkg/core/##e.py": "def f(x):\n    if x:\n        return 1\n    return 2\n",
        "tests/test_hash.py": calls(0),
    })
    measure_coverage(root)
    assert tg(root, "baseline", "coverage").code == 0
    (root / "tests/test_hash.py").write_text(calls(0, 1))
    measure_coverage(root)
    run = tg(root, "coverage")
    assert "is above the recorded floor (pkg/core/##" in run.err, run.err
    assert "##[" not in run.err, run.err


# --- bad input -----------------------------------------------------------------


def test_no_coverage_data_says_how_to_produce_it(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, "fail-under = 80\n")
    run = tg(root, "coverage")
    assert run.code == 2
    assert "no coverage data" in run.err and "coverage run -m pytest" in run.err and 'run = "pytest -q"' in run.err
    assert "Traceback" not in run.err


def test_data_from_another_machine_needs_paths_remapping(tmp_path: Path, tg: Callable[..., Run]) -> None:
    ci = make_project(tmp_path / "ci", "fail-under = 80\n")
    measure_coverage(ci)
    here = tmp_path / "here"
    shutil.copytree(ci, here)
    shutil.rmtree(ci)
    run = tg(here, "coverage")
    assert run.code == 2
    assert "measured on another machine" in run.err and "[paths]" in run.err
    with (here / "pyproject.toml").open("a") as handle:
        handle.write(f'\n[tool.coverage.paths]\nsource = ["pkg/", "{ci}/pkg/"]\n')
    remapped = tg(here, "coverage", "--format", "json")
    assert remapped.codes() == ["TG601"], remapped.err
    assert "75%" in findings(remapped)[0]["message"]


def test_data_written_by_another_coverage_version_is_a_clear_error(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, "fail-under = 80\n")
    measure_coverage(root)
    with sqlite3.connect(root / ".coverage") as db:
        db.execute("update coverage_schema set version = 99")
    run = tg(root, "coverage")
    assert run.code == 2
    assert "cannot read .coverage" in run.err and "Traceback" not in run.err


@pytest.fixture
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real interpreter without coverage.py or pytest: a venv without pip."""
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([PY, "-m", "venv", "--without-pip", str(venv)], check=True)
    return venv / "bin" / "python"


def test_unreadable_data_and_no_coverage_in_the_projects_interpreter(
    tmp_path: Path, tg: Callable[..., Run], bare_python: Path
) -> None:
    root = make_project(tmp_path, "fail-under = 80\n")
    measure_coverage(root)
    with sqlite3.connect(root / ".coverage") as db:
        db.execute("update coverage_schema set version = 99")
    run = tg(root, "coverage", "--python", str(bare_python))
    assert run.code == 2
    assert "has no coverage.py to read it" in run.err


def test_run_without_coverage_in_the_projects_interpreter(
    tmp_path: Path, tg: Callable[..., Run], bare_python: Path
) -> None:
    root = make_project(tmp_path, 'fail-under = 80\nrun = "pytest -q"\n')
    run = tg(root, "coverage", "--python", str(bare_python))
    assert run.code == 2
    assert "coverage.py is not installed in the project's interpreter" in run.err


def test_a_diff_base_that_does_not_exist(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, "changed-lines-fail-under = 90\n")
    feature_branch(root)
    measure_coverage(root)
    run = tg(root, "coverage", "--diff-base", "no-such-branch")
    assert run.code == 2
    assert "no-such-branch" in run.err and "Traceback" not in run.err


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("coverage.json", '{"files": {}, "totals": {"percent_covered": 100.0}}'),
        ("coverage.xml", '<coverage line-rate="1"><packages/></coverage>'),
    ],
)
def test_data_that_measured_no_file_fails_as_coverage_py_does(
    tmp_path: Path, tg: Callable[..., Run], name: str, content: str
) -> None:
    # A run that measured nothing (the wrong --cov, everything omitted) is no 100%: coverage.py
    # says "No data to report" and fails; so does the floor.
    root = make_project(tmp_path, f'data-file = "{name}"\nfail-under = 80\n')
    (root / name).write_text(content)
    run = tg(root, "coverage")
    assert run.code == 2, run.out
    assert f"{name} measured no file (coverage.py would say 'No data to report')" in run.err


def test_a_data_file_that_is_no_database_is_said_so(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, "fail-under = 80\n")
    (root / ".coverage").write_text("not sqlite at all\n")
    run = tg(root, "coverage")
    assert run.code == 2
    assert ".coverage is not a coverage.py data file (" in run.err and "another version" not in run.err


def test_a_broken_json_report_is_a_clear_error(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, 'data-file = "coverage.json"\n')
    (root / "coverage.json").write_text("{not json")
    run = tg(root, "coverage")
    assert run.code == 2 and "coverage.json is not valid JSON" in run.err


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("coverage.json", '{"files": {"pkg/a.py": {"executed_lines": [1e999]}}}', "not a coverage.py JSON report"),
        ("coverage.json", '{"files": {"pkg/a.py": {"summary": {"num_branches": 1e999}}}}',
         "not a coverage.py JSON report"),
        ("coverage.json", '{"files": ' + "[" * 100_000 + "]" * 100_000 + "}", "not valid JSON"),
        ("coverage.xml", '<coverage branch-rate="1" branches-valid="many"></coverage>',
         "unexpected value in the Cobertura report"),
    ],
    ids=["infinite-line", "infinite-branches", "nested-too-deeply", "xml-branches-valid"],
)
def test_a_damaged_report_is_a_clear_error_not_an_internal_one(
    tmp_path: Path, tg: Callable[..., Run], name: str, content: str, says: str
) -> None:
    root = make_project(tmp_path, f'data-file = "{name}"\n')
    (root / name).write_text(content)
    run = tg(root, "coverage")
    assert run.code == 2 and f"{name}" in run.err and says in run.err, run.err
    assert "internal error" not in run.err


def test_a_changed_file_too_deeply_nested_to_parse_is_no_internal_error(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    # Its changed lines that are no statement of their own are looked up in the source;
    # Python runs out of memory parsing it (MemoryError, not SyntaxError).
    root = make_project(tmp_path, 'data-file = "coverage.json"\nchanged-lines-fail-under = 50\n', extra={
        "pkg/deep.py": "y = 1\n",
        "coverage.json": '{"files": {"pkg/deep.py": {"executed_lines": [1], "missing_lines": []}}}',
    })
    git_init(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")
    (root / "pkg" / "deep.py").write_text("y = 1\n# note\n" + "-" * 200_000 + "1\n")
    run = tg(root, "coverage", "--diff-base", "main")
    assert "internal error" not in run.err
    assert run.code == 0, run.out + run.err


def test_the_projects_own_coverage_reads_data_this_one_cannot(tmp_path: Path) -> None:
    """The fallback for data from another coverage.py: ``<python> -m coverage json``."""
    from testguard.checks.coverage.data import project_settings, read_with_project_coverage

    root = make_project(tmp_path, 'paths = { "pkg/core/**" = 90 }\n')
    measure_coverage(root)
    settings = project_settings(root, None)
    loaded = read_with_project_coverage(root, Path(PY), settings.data_file, [], settings, "wrong schema")
    assert loaded.source == ".coverage (read by the project's coverage.py)"
    calc = loaded.files["pkg/core/calc.py"]
    assert (len(calc.statements), sorted(calc.missing)) == (6, [6, 10])
    assert loaded.total().percent == 75.0


def test_a_changed_continuation_line_counts_for_its_statement(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, "changed-lines-fail-under = 100\n", extra={
        "pkg/util/total.py": "def total(items):\n    return sum(\n        items\n    )\n",
    })
    git_init(root)
    (root / ".gitignore").write_text(".coverage\n__pycache__/\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    # only the middle line of the (untested) return statement changes
    (root / "pkg/util/total.py").write_text("def total(items):\n    return sum(\n        items or []\n    )\n")
    measure_coverage(root)
    run = tg(root, "coverage", "--format", "json", "--diff-base", "HEAD")
    assert "1 of 1 statements missed" in findings(run, "TG603")[0]["message"]
    [line] = findings(run, "TG604")
    assert (line["path"], line["line"], line["end_line"]) == ("pkg/util/total.py", 2, 3)


def test_the_table_says_what_blocks_in_the_words_of_the_exit_code(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, 'fail-under = 80\npaths = { "pkg/core/**" = 90 }\n')
    (root / "tests/test_calc.py").write_text(TESTS.split("def test_shout")[0])  # text.py: 50%
    measure_coverage(root)
    assert tg(root, "baseline", "coverage").code == 0
    entries = json.loads((root / ".testguard-baseline.json").read_text())["findings"]
    # a project's finding is recorded for the project, wherever its floor is written
    assert {(e["code"], e["path"]) for e in entries} == {("TG601", ""), ("TG602", "pkg/core/calc.py")}
    run = tg(root, "coverage")
    assert run.code == 0, run.out
    assert "FAIL" not in run.out
    # a new floor that fails shows the table: its row blocks, the baselined ones say so
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text().replace(
        '"pkg/core/**" = 90', '"pkg/core/**" = 90, "pkg/util/**" = 100'
    ))
    run = tg(root, "coverage")
    assert run.code == 1, run.out
    rows = {line.split()[0]: line.split()[-1] for line in run.out.splitlines() if line.startswith(("pkg/", "TOTAL"))}
    assert rows["pkg/util/text.py"] == "FAIL"
    assert rows["pkg/core/calc.py"] == "baselined"
    assert rows["TOTAL"] == "baselined"
    summary = tmp_path / "summary.md"
    tg(root, "coverage", "--summary", str(summary))
    table = [line.split("|") for line in summary.read_text().splitlines() if "█" in line or "░" in line]
    verdicts = {cells[1].strip()[len("<code>"):-len("</code>")]: cells[-2].strip() for cells in table}
    assert verdicts == {"pkg/util/text.py": "❌", "pkg/core/calc.py": "baselined", "TOTAL": "baselined",
                        "pkg/__init__.py": "✅", "pkg/core/__init__.py": "✅", "pkg/util/__init__.py": "✅"}


CRASHING_TEST = "import ctypes\n\nctypes.string_at(0)  # the test run segfaults: coverage.py saves nothing\n"


def test_run_that_saves_no_data_never_reads_an_earlier_runs_data(tmp_path: Path, tg: Callable[..., Run]) -> None:
    """A .coverage left by an earlier run (75%, at the floor) must not stand in for a run that
    crashed before coverage.py could save: that run measured nothing."""
    root = make_project(tmp_path, 'fail-under = 75\nrun = "pytest -q -p no:cacheprovider"\n')
    measure_coverage(root)
    stale = (root / ".coverage").read_bytes()
    (root / "tests/test_crash.py").write_text(CRASHING_TEST)
    run = tg(root, "coverage")
    assert run.code == 2, run.out + run.err
    assert "wrote no coverage data" in run.err
    assert "killed by signal 11 (SIGSEGV)" in run.err
    assert "earlier run" in run.err and "Traceback" not in run.err
    assert (root / ".coverage").read_bytes() == stale  # the user's file is left as it was


def test_run_in_parallel_mode_reads_only_the_files_this_run_wrote(tmp_path: Path, tg: Callable[..., Run]) -> None:
    """Parallel data files and a combined .coverage from earlier runs (all tests: 100%) are not
    this run's measurement: this run (75%) is below the floor of 80."""
    extra_test = "from pkg.core.calc import mul, sub\n\n\ndef test_more():\n    assert sub(3, 1) == 2 and mul(2, 2) == 4\n"
    root = make_project(tmp_path, 'fail-under = 80\nrun = "pytest -q -p no:cacheprovider"\n',
                        "parallel = true\n", {"tests/test_more.py": extra_test})
    measure_coverage(root)
    subprocess.run([PY, "-m", "coverage", "combine", "--keep"], cwd=root, check=True,
                   capture_output=True, env=project_env())
    measure_coverage(root)  # one more parallel file of the full run, not combined
    (root / "tests/test_more.py").unlink()
    run = tg(root, "coverage", "--format", "json")
    assert run.code == 1, run.out + run.err
    [total] = findings(run, "TG601")
    assert "total coverage 75% is below the floor of 80%" in total["message"]
    assert "1 parallel .coverage.* files" in total["message"]


@pytest.mark.parametrize("program", ["/bin/false", "/bin/true"])
def test_run_with_an_interpreter_that_is_no_python_says_so(
    tmp_path: Path, tg: Callable[..., Run], program: str
) -> None:
    """/bin/false was said to lack coverage.py ('install it there'); /bin/true ended the message
    with a colon and nothing after it."""
    root = make_project(tmp_path, 'fail-under = 80\nrun = "pytest -q"\n')
    run = tg(root, "coverage", "--python", program)
    assert run.code == 2
    assert "coverage.py is not installed" not in run.err and "Traceback" not in run.err
    if program == "/bin/false":
        assert f"the project's interpreter {program} cannot import coverage.py (exit code 1)" in run.err
    else:
        assert "wrote no coverage data (exit code 0) and printed nothing" in run.err
