"""Rule selection (--select/--ignore/--extend-select, config keys, per-file-ignores),
--statistics and --exit-zero, on real files with the real CLI."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, git, git_init, sample, write

MIXED = sample("selection_mixed.py")


def project(root: Path, pyproject: str = "", extra: dict[str, str | bytes] | None = None) -> Path:
    files: dict[str, str | bytes] = {"tests/test_mixed.py": MIXED, "pyproject.toml": pyproject}
    write(root, {**files, **(extra or {})})
    return root


def codes(run: Run) -> list[str]:
    assert "internal error" not in run.err
    return sorted(set(run.codes()))


def test_no_selection_reports_every_rule(tmp_path: Path, tg: Callable[..., Run]) -> None:
    run = tg(project(tmp_path), "check", "--format", "json")
    assert run.code == 1
    assert codes(run) == ["TG201", "TG204", "TG301", "TG302"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--select", "TG3"), ["TG301", "TG302"]),
        (("--select", "TG30"), ["TG301", "TG302"]),
        (("--select", "TG301"), ["TG301"]),
        (("--select", "TG3", "--ignore", "TG302"), ["TG301"]),
        # the more specific selector wins, whichever option names it
        (("--ignore", "TG3", "--select", "TG301,TG2"), ["TG201", "TG204", "TG301"]),
        (("--select", "ALL", "--ignore", "TG2"), ["TG301", "TG302"]),
        (("--ignore", "ALL", "--extend-select", "TG204"), ["TG204"]),
        # the same selector in both: ignore wins, as in ruff
        (("--select", "TG301", "--ignore", "TG301"), []),
        (("--ignore", "tg2"), ["TG301", "TG302"]),
    ],
)
def test_command_line_selection_by_code_and_prefix(
    tmp_path: Path, tg: Callable[..., Run], args: tuple[str, ...], expected: list[str]
) -> None:
    run = tg(project(tmp_path), "check", "--format", "json", *args)
    assert codes(run) == expected
    assert run.code == (1 if expected else 0)


@pytest.mark.parametrize(
    ("table", "args", "expected"),
    [
        ('select = ["TG3"]', (), ["TG301", "TG302"]),
        ('ignore = ["TG2"]', (), ["TG301", "TG302"]),
        ('select = ["TG3"]\nextend-select = ["TG201"]', (), ["TG201", "TG301", "TG302"]),
        # the command line's --select starts over: the config's select and ignore are dropped
        ('select = ["TG3"]\nignore = ["TG301"]', ("--select", "TG2"), ["TG201", "TG204"]),
        ('ignore = ["TG302"]', ("--select", "TG3"), ["TG301", "TG302"]),
        # without --select, the command line adjusts what the config selected
        ('select = ["TG3"]', ("--extend-select", "TG204"), ["TG204", "TG301", "TG302"]),
        ('select = ["TG3"]', ("--ignore", "TG301"), ["TG302"]),
        ('ignore = ["TG3"]', ("--extend-select", "TG302"), ["TG201", "TG204", "TG302"]),
    ],
)
def test_config_keys_and_command_line_precedence(
    tmp_path: Path, tg: Callable[..., Run], table: str, args: tuple[str, ...], expected: list[str]
) -> None:
    run = tg(project(tmp_path, f"[tool.testguard]\n{table}\n"), "check", "--format", "json", *args)
    assert codes(run) == expected


def test_per_file_ignores_drop_codes_in_matching_files_only(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(
        tmp_path,
        '[tool.testguard]\nper-file-ignores = { "tests/legacy/**" = ["TG2", "TG301"] }\n',
        {"tests/legacy/test_old.py": MIXED},
    )
    run = tg(root, "check", "--format", "json")
    found = sorted((f["path"], f["code"]) for f in run.json()["findings"])
    assert ("tests/legacy/test_old.py", "TG302") in found
    assert not [f for f in found if f[0].startswith("tests/legacy/") and f[1] != "TG302"]
    assert ("tests/test_mixed.py", "TG201") in found
    assert ("tests/test_mixed.py", "TG301") in found


@pytest.mark.parametrize(
    ("table", "args", "named"),
    [
        ("", ("--select", "TG3,TG9"), "--select 'TG9'"),
        ("", ("--ignore", "E501"), "--ignore 'E501'"),
        ("", ("--extend-select", "TG2x"), "--extend-select 'TG2x'"),
        ("", ("--select", ""), "--select '' names no rule code"),
        ("", ("--ignore", ",,"), "--ignore ',,' names no rule code"),
        ('select = ["TG0000"]', (), "[tool.testguard] select 'TG0000'"),
        ('per-file-ignores = { "tests/**" = ["XX1"] }', (), "per-file-ignores 'tests/**': 'XX1'"),
        ('per-file-ignores = { "tests/**" = "TG2" }', (), "'per-file-ignores' must be a table"),
        # an empty selector is a prefix of every code: it must not switch every rule off
        ('ignore = [""]', (), "[tool.testguard] ignore '' names no known rule code"),
        ('select = [" "]', (), "[tool.testguard] select ' ' names no known rule code"),
        ('per-file-ignores = { "tests/**" = [""] }', (), "per-file-ignores 'tests/**': ''"),
        ('per-file-ignores = { "tests/[z-a]*.py" = ["TG3"] }', (), "keys are valid globs ('tests/[z-a]*.py': bad character range z-a)"),
    ],
)
def test_a_selector_naming_no_known_code_exits_2_naming_it(
    tmp_path: Path, tg: Callable[..., Run], table: str, args: tuple[str, ...], named: str
) -> None:
    run = tg(project(tmp_path, f"[tool.testguard]\n{table}\n"), "check", *args)
    assert run.code == 2
    assert run.out == ""
    assert named in run.err
    assert "Traceback" not in run.err


def test_custom_rule_codes_are_selectable(tmp_path: Path, tg: Callable[..., Run]) -> None:
    rule = (
        "id: no-print\nlanguage: python\nmessage: no print in tests\nseverity: error\n"
        "metadata: { code: ORG001 }\nrule:\n  pattern: print($$$A)\n"
    )
    root = project(
        tmp_path, "[tool.testguard]\nrules = ['rules/*.yml']\n",
        {"rules/print.yml": rule, "tests/test_print.py": "def test_p():\n    print('x')\n"},
    )
    assert "ORG001" in codes(tg(root, "check", "--format", "json"))
    assert codes(tg(root, "check", "--format", "json", "--select", "ORG")) == ["ORG001"]
    assert "ORG001" not in codes(tg(root, "check", "--format", "json", "--ignore", "ORG001"))


UNRUNNABLE = """\
[tool.testguard]
packages = ["pkg"]
python = "no/such/python"
"""


def test_a_check_with_no_selected_rule_does_not_run(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # imports and mypy need the project's interpreter, which does not exist: run, they fail (exit 2)
    root = project(tmp_path, UNRUNNABLE, {"pkg/__init__.py": "import time\ntime.sleep(3600)\n"})
    failing = tg(root, "run", "--checks", "imports,mypy,exits")
    assert failing.code == 2
    assert "no/such/python" in failing.err
    for args in (("--select", "TG3"), ("--ignore", "TG1,TG5")):
        run = tg(root, "run", "--checks", "imports,mypy,exits", "--format", "json", *args)
        assert run.code == 1, run.err
        assert codes(run) == ["TG301", "TG302"]
        assert "imports: skipped, none of its rules is selected" in run.err
        assert "mypy: skipped, none of its rules is selected" in run.err
    config_only = project(tmp_path / "cfg", UNRUNNABLE + 'ignore = ["TG1", "TG5"]\n', {"pkg/__init__.py": ""})
    assert tg(config_only, "mypy").code == 0


def test_run_reports_every_check_it_could_run_and_exits_2_for_one_it_could_not(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    # No coverage data: the coverage check cannot run.  The exit ban still reports, and no
    # format says "All checks passed." or lets the run pass.
    root = project(tmp_path, "[tool.testguard.coverage]\nfail-under = 80\n")
    run = tg(root, "run", "--checks", "exits,coverage")
    assert run.code == 2
    assert "testguard: error: coverage could not run: no coverage data in" in run.err
    assert "TG301" in run.out
    assert run.out.splitlines()[-1] == "coverage could not run (exit 2); Found 3 errors."
    as_json = tg(root, "run", "--checks", "exits,coverage", "--format", "json", "--exit-zero")
    assert as_json.code == 2
    assert as_json.json()["checks"]["coverage"]["error"].startswith("no coverage data in")
    assert codes(as_json)[:2] == ["TG301", "TG302"]
    github = tg(root, "run", "--checks", "exits,coverage", "--format", "github")
    assert github.out.startswith("::error title=testguard coverage::coverage could not run: no coverage data")
    # A check named alone stops at its error, as before.
    alone = tg(root, "coverage")
    assert alone.code == 2 and alone.out == ""


def test_baseline_entries_of_unselected_rules_are_not_fixed(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path)
    git_init(root)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "init")
    assert tg(root, "baseline", "mocks", "exits").code == 0
    git(root, "add", "-A")
    git(root, "commit", "-qm", "baseline")
    run = tg(root, "check", "--select", "TG3")
    assert run.code == 0
    assert "fixed" not in run.out
    assert "(0 new, 3 baselined)" in run.out
    write(root, {"pyproject.toml": '[tool.testguard]\nper-file-ignores = { "tests/**" = ["TG2"] }\n'})
    per_file = tg(root, "check")
    assert per_file.code == 0
    assert "fixed" not in per_file.out


def test_statistics_count_code_name_by_count(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path, extra={"tests/test_more.py": "import sys\n\ndef test_a():\n    sys.exit(1)\n"})
    run = tg(root, "check", "--statistics")
    assert run.code == 1
    assert run.out.splitlines() == [
        "3  TG302  exit-in-test",
        "1  TG201  mock-import",
        "1  TG204  mock-object",
        "1  TG301  exit-at-module-level",
        "Found 6 errors.",
    ]
    as_json = tg(root, "check", "--statistics", "--format", "json", "--select", "TG3").json()
    assert as_json == [
        {"count": 3, "code": "TG302", "name": "exit-in-test"},
        {"count": 1, "code": "TG301", "name": "exit-at-module-level"},
    ]
    wrong = tg(root, "check", "--statistics", "--format", "sarif")
    assert wrong.code == 2 and "--statistics" in wrong.err


def test_exit_zero_reports_but_exits_0_unless_testguard_failed(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path)
    run = tg(root, "check", "--exit-zero")
    assert run.code == 0
    assert "TG301" in run.out and "Found 5 errors." in run.out
    assert tg(root, "check", "--exit-zero", "--select", "TG9").code == 2
    write(root, {"pyproject.toml": "[tool.testguard]\nbogus = 1\n"})
    assert tg(root, "check", "--exit-zero").code == 2


def test_statistics_in_github_actions_is_text(
    tmp_path: Path, tg: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    run = tg(root, "check", "--statistics", "--select", "TG301")
    assert run.code == 1, run.err
    assert run.out == "1  TG301  exit-at-module-level\nFound 1 error.\n"


def test_no_import_workers_for_a_hanging_import_when_tg1_is_not_selected(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    table = (
        f'[tool.testguard]\npackages = ["pkg"]\npython = "{Path(sys.executable).as_posix()}"\n'
        "[tool.testguard.imports]\ntimeout = 0.5\n"
    )
    root = project(tmp_path, table, {"pkg/__init__.py": "import time\ntime.sleep(3600)\n"})
    hung = tg(root, "run", "--checks", "imports,exits", "--format", "json")
    assert "TG104" in codes(hung)  # the import hangs: the check ran and timed it out
    run = tg(root, "run", "--checks", "imports,exits", "--format", "json", "--select", "TG3")
    assert codes(run) == ["TG301", "TG302"]
    assert "imports: skipped, none of its rules is selected" in run.err
    green = tg(root, "imports", "--ignore", "TG1")
    assert green.code == 0
    assert green.out == "All checks passed.\n"
