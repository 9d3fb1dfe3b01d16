"""Configuration validation and the command line, as a user meets them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, run_testguard, write
from testguard import __version__


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("[tool.testguard]\npackage = ['x']\n", "unknown key 'package' in [tool.testguard] (did you mean 'packages'?)"),
        ("[tool.testguard]\npackages = 'x'\n", "'packages' must be a list of strings, not 'x'"),
        ("[tool.testguard.imports]\ntimout = 3\n", "unknown key 'timout' in [tool.testguard.imports] (did you mean 'timeout'?)"),
        ("[tool.testguard.imports]\ntimeout = -1\n", "'timeout' must be a number greater than 0"),
        ("[tool.testguard.coverage]\nfail-under = 120\n", "'fail-under' must be a number from 0 to 100"),
        ("[tool.testguard.mocks]\nallow = ['htp']\n", "'allow' must be a list of mock classes"),
        ("[tool.testguard.collect]\nmin-tests = 'lots'\n", "'min-tests' must be \"baseline\" or a whole number"),
        ("[tool.testguard]\nimports = 3\n", "[tool.testguard].imports must be a table"),
        ("[tool.testguard\n", "is not valid TOML"),
    ],
)
def test_bad_config_exits_2_naming_key_and_file(
    tmp_path: Path, tg: Callable[..., Run], table: str, expected: str
) -> None:
    write(tmp_path, {"pyproject.toml": table, "tests/test_a.py": "x = 1\n"})
    run = tg(tmp_path, "exits")
    assert run.code == 2
    assert run.out == ""
    assert expected in run.err
    assert str(tmp_path / "pyproject.toml") in run.err
    assert "Traceback" not in run.err


def test_valid_config_with_every_documented_key(tmp_path: Path, tg: Callable[..., Run]) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": """\
                [tool.testguard]
                packages = ["mypkg"]
                first-party = ["mypkg"]
                tests = ["tests/**", "**/test_*.py", "**/*_test.py", "**/conftest.py"]
                exclude = ["build/**"]
                python = ".venv/bin/python"
                baseline = ".testguard-baseline.json"

                [tool.testguard.imports]
                timeout = 30
                exclude = ["mypkg.__main__"]

                [tool.testguard.mocks]
                allow = ["http"]
                allow-targets = ["smtplib.SMTP", "mypkg.clients.payments.*"]

                [tool.testguard.mypy]
                args = ["--strict"]

                [tool.testguard.coverage]
                fail-under = 85
                changed-lines-fail-under = 90
                paths = { "src/mypkg/security/**" = 95, "src/mypkg/core/**" = 90 }

                [tool.testguard.collect]
                min-tests = "baseline"
            """,
            "tests/test_a.py": "x = 1\n",
        },
    )
    run = tg(tmp_path, "exits")
    assert run.code == 0, run.err


def test_explicit_config_file_that_does_not_exist(tmp_path: Path, tg: Callable[..., Run]) -> None:
    run = tg(tmp_path, "exits", "--config", "nope.toml")
    assert run.code == 2 and "does not exist" in run.err


def test_version_and_help_list_every_check(tmp_path: Path) -> None:
    version = run_testguard(tmp_path, "--version")
    assert version.code == 0 and version.out.strip() == f"testguard {__version__}"
    help_run = run_testguard(tmp_path, "--help")
    assert help_run.code == 0
    for name in ("imports", "mocks", "exits", "fallbacks", "mypy", "coverage", "collect", "check", "run", "baseline"):
        assert f"\n  {name} " in help_run.out, name


def test_unknown_option_is_a_usage_error(tmp_path: Path) -> None:
    run = run_testguard(tmp_path, "exits", "--frobnicate")
    assert run.code == 2 and "unrecognized arguments: --frobnicate" in run.err


def test_output_file_and_extra_reports(tmp_path: Path, tg: Callable[..., Run]) -> None:
    write(tmp_path, {"pyproject.toml": "", "tests/test_a.py": "import sys\nsys.exit(1)\n"})
    run = tg(tmp_path, "exits", "--output", "out/report.txt", "--report", "json:out/r.json", "--summary", "sum.md")
    assert run.code == 1 and run.out == ""
    assert "tests/test_a.py:2:1: TG301" in (tmp_path / "out" / "report.txt").read_text()
    assert '"TG301"' in (tmp_path / "out" / "r.json").read_text()
    assert "TG301" in (tmp_path / "sum.md").read_text()


def test_python_m_testguard_runs_in_a_subprocess(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "", "tests/test_a.py": "import sys\nsys.exit(1)\n"})
    run = run_testguard(tmp_path, "exits")
    assert run.code == 1
    assert run.out.splitlines()[0].startswith("tests/test_a.py:2:1: TG301 ")


@pytest.mark.parametrize(
    ("value", "message"),
    [("soon", "expected seconds, got 'soon'"), ("0", "the timeout must be greater than 0")],
)
@pytest.mark.parametrize("check", ["imports", "collect"])
def test_timeout_option_is_validated(tmp_path: Path, check: str, value: str, message: str) -> None:
    run = run_testguard(tmp_path, check, "--timeout", value)
    assert run.code == 2
    assert message in run.err and "Traceback" not in run.err


def test_seconds_argument_type() -> None:
    import argparse

    from testguard.core.options import seconds

    assert seconds("2.5") == 2.5
    with pytest.raises(argparse.ArgumentTypeError, match="expected seconds, got 'soon'"):
        seconds("soon")
    with pytest.raises(argparse.ArgumentTypeError, match="greater than 0"):
        seconds("-1")
