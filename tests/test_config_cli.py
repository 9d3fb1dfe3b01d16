"""Configuration validation and the command line, as a user meets them."""

from __future__ import annotations

import os
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
        ("[tool.testguard.imports]\ntimeout = -1\n", "'timeout' must be a number of seconds greater than 0"),
        ("[tool.testguard.coverage]\nfail-under = 120\n", "'fail-under' must be a number from 0 to 100"),
        ("[tool.testguard.mocks]\nallow = ['htp']\n", "'allow' must be a list of mock classes"),
        ("[tool.testguard.collect]\nmin-tests = 'lots'\n", "'min-tests' must be \"baseline\" or a whole number"),
        ("[tool.testguard]\nimports = 3\n", "[tool.testguard].imports must be a table"),
        ("[tool.testguard\n", "is not valid TOML"),
        ("[tool.testguard]\nexclude = ['build', '[z-a]']\n", "'exclude' must be a list of valid globs ('[z-a]': bad character range z-a)"),
        ("[tool.testguard]\ntests = ['tests/[9-0]*.py']\n", "'tests' must be a list of valid globs"),
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


def test_explicit_config_that_is_a_directory_says_so(tmp_path: Path, tg: Callable[..., Run]) -> None:
    (tmp_path / "conf").mkdir()
    run = tg(tmp_path, "exits", "--config", "conf")
    assert run.code == 2
    assert "is a directory, not a pyproject.toml file" in run.err


def test_explicit_config_that_is_a_pipe_says_so(tmp_path: Path, tg: Callable[..., Run]) -> None:
    os.mkfifo(tmp_path / "pipe.toml")
    run = tg(tmp_path, "exits", "--config", "pipe.toml")
    assert run.code == 2
    assert f"config file {tmp_path / 'pipe.toml'} is not a regular file" in run.err


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


def _parse_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                 *args: str) -> tuple[int, str]:
    """(exit code, stderr) of the real command line whose arguments argparse rejects, in-process."""
    from testguard import cli

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exited:
        cli.main(list(args))
    return int(str(exited.value.code)), capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("imports", "--timeout", "soon"), "argument --timeout: expected seconds, got 'soon'"),
        (("imports", "--timeout", "0"), "argument --timeout: the timeout must be a number of seconds greater than 0"),
        (("imports", "--timeout", "nan"), "argument --timeout: the timeout must be a number of seconds greater than 0 and at most 86400 (a day), not 'nan'"),
        (("imports", "--timeout", "inf"), "argument --timeout: the timeout must be"),
        (("imports", "--timeout", "1e300"), "argument --timeout: the timeout must be"),
        (("imports", "--timeout", "86401"), "argument --timeout: the timeout must be"),
        (("collect", "--timeout", "nan"), "argument --timeout: the timeout must be"),
        (("collect", "--timeout=-inf"), "argument --timeout: the timeout must be"),
        (("collect", "--timeout", "1e309"), "argument --timeout: the timeout must be"),
        (("imports", "--workers", "-1"), "argument --workers: the number of workers must be from 0 (one per core) to 256, not '-1'"),
        (("imports", "--workers", "99999999999999999999"), "argument --workers: the number of workers must be from 0"),
        (("imports", "--workers", "2.5"), "argument --workers: expected a whole number, got '2.5'"),
        (("imports", "--shard", "1/0"), "argument --shard: shard '1/0': need 1 <= I <= N <= 10000"),
        (("imports", "--shard", "5/4"), "argument --shard: shard '5/4'"),
        (("imports", "--shard", "1/99999999999999999999999"), "argument --shard: shard '1/99999999999999999999999'"),
        (("imports", "--shard", "half"), "argument --shard: expected I/N such as 1/4, got 'half'"),
    ],
)
def test_every_numeric_option_is_finite_and_in_range(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...], message: str,
) -> None:
    code, err = _parse_error(tmp_path, monkeypatch, capsys, *args)
    assert code == 2
    assert message in err, err


def test_a_nan_timeout_is_a_usage_error_of_the_real_command(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'pkg'\n", "pkg/__init__.py": ""})
    run = run_testguard(tmp_path, "imports", "--timeout", "nan")
    assert (run.code, run.out) == (2, "")
    assert "argument --timeout: the timeout must be" in run.err and "Traceback" not in run.err


def test_numeric_option_types_accept_their_bounds() -> None:
    from testguard.core.options import seconds, shard_spec, worker_count

    assert seconds("2.5") == 2.5
    assert seconds("86400") == 86400.0
    assert seconds("1e-3") == 0.001
    assert worker_count("0") == 0 and worker_count("256") == 256
    assert shard_spec("3/4") == (3, 4) and shard_spec("10000/10000") == (10000, 10000)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("[tool.testguard]\nmax-file-size = nan\n", "'max-file-size' must be a whole number of bytes from 1 to 1073741824 (1 GiB), not nan"),
        ("[tool.testguard]\nmax-file-size = inf\n", "'max-file-size' must be a whole number of bytes"),
        ("[tool.testguard]\nmax-file-size = 0\n", "'max-file-size' must be a whole number of bytes"),
        ("[tool.testguard]\nmax-file-size = 0.5\n", "'max-file-size' must be a whole number of bytes"),
        ("[tool.testguard]\nmax-file-size = 1e300\n", "'max-file-size' must be a whole number of bytes"),
        ("[tool.testguard.imports]\ntimeout = nan\n", "[tool.testguard.imports] 'timeout' must be a number of seconds greater than 0 and at most 86400 (a day), not nan"),
        ("[tool.testguard.imports]\ntimeout = inf\n", "'timeout' must be a number of seconds"),
        ("[tool.testguard.imports]\ntimeout = -inf\n", "'timeout' must be a number of seconds"),
        ("[tool.testguard.imports]\ntimeout = 1e300\n", "'timeout' must be a number of seconds"),
        ("[tool.testguard.imports]\ntimeout = '30'\n", "'timeout' must be a number of seconds"),
        ("[tool.testguard.imports]\nworkers = 100000\n", "'workers' must be a whole number from 0 (one per core) to 256, not 100000"),
        ("[tool.testguard.imports]\nworkers = 2.5\n", "'workers' must be a whole number from 0"),
        ("[tool.testguard.imports]\nworkers = nan\n", "'workers' must be a whole number from 0"),
        ("[tool.testguard.coverage]\nfail-under = nan\n", "'fail-under' must be a number from 0 to 100, not nan"),
        ("[tool.testguard.coverage]\nchanged-lines-fail-under = inf\n", "'changed-lines-fail-under' must be a number from 0 to 100"),
        ("[tool.testguard.coverage]\npaths = { 'src/**' = nan }\n", "'paths' must be a table whose floors are numbers from 0 to 100"),
        ("[tool.testguard.collect]\nmin-tests = -1\n", "'min-tests' must be \"baseline\" or a whole number"),
        ("[tool.testguard.collect]\nmin-tests = inf\n", "'min-tests' must be \"baseline\" or a whole number"),
    ],
)
def test_every_numeric_config_key_is_finite_and_in_range(
    tmp_path: Path, tg: Callable[..., Run], table: str, expected: str
) -> None:
    write(tmp_path, {"pyproject.toml": table, "tests/test_a.py": "x = 1\n"})
    run = tg(tmp_path, "exits")
    assert (run.code, run.out) == (2, "")
    assert expected in run.err, run.err
    assert str(tmp_path / "pyproject.toml") in run.err
    assert "internal error" not in run.err


def test_numeric_config_keys_at_their_bounds_are_accepted(tmp_path: Path) -> None:
    from testguard.checks import CHECKS
    from testguard.checks.imports.settings import SECTION as IMPORTS
    from testguard.core.config import load_config

    write(tmp_path, {"pyproject.toml": """\
        [tool.testguard]
        max-file-size = 1e7
        [tool.testguard.imports]
        timeout = 86400
        workers = 256
    """})
    config = load_config(tmp_path, sections=[check.config for check in CHECKS])
    assert config.max_file_size == 10_000_000 and isinstance(config.max_file_size, int)
    imports = IMPORTS.of(config)
    assert imports.timeout == 86400.0 and imports.workers == 256
