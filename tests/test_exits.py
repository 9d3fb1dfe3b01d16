"""The exit ban on real test files: every exit the spec defines, nothing allowed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, write

BAD = '''\
import os
import sys
import sys as s
import os as o
from sys import exit as bye
from os import _exit
import pytest
from pytest import exit as stop

sys.exit(1)


class TestThing:
    quit()


def test_exits():
    s.exit(2)
    bye()
    exit()
    o._exit(3)
    _exit(4)
    os.abort()
    os.kill(os.getpid(), 9)
    raise SystemExit(5)


@pytest.fixture
def fixture_exit():
    raise SystemExit


def helper():
    pytest.exit("stop")
    stop("again")
'''

EXPECTED = [
    (10, 1, "TG301"),
    (14, 5, "TG301"),
    (18, 5, "TG302"),
    (19, 5, "TG302"),
    (20, 5, "TG302"),
    (21, 5, "TG302"),
    (22, 5, "TG302"),
    (23, 5, "TG302"),
    (24, 5, "TG302"),
    (25, 5, "TG302"),
    (30, 5, "TG302"),
    (34, 5, "TG303"),
    (35, 5, "TG303"),
]

ALLOWED = '''\
import sys
import unittest

import pytest


def test_raises():
    with pytest.raises(SystemExit):
        sys.exit(1)
    with pytest.raises((ValueError, SystemExit)):
        sys.exit(1)


class T(unittest.TestCase):
    def test_assert_raises(self):
        with self.assertRaises(SystemExit):
            sys.exit(1)
        self.assertRaises(SystemExit, sys.exit, 1)


def test_try():
    try:
        sys.exit(1)
    except SystemExit:
        pass
    try:
        sys.exit(1)
    except BaseException:
        pass
    try:
        sys.exit(1)
    except:
        pass


def test_not_calls():
    handler = sys.exit
    text = "sys.exit(1)"  # sys.exit(1)
    """
    os._exit(0)
    """


def exit():
    return "my own exit"


def test_own_exit():
    exit()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
'''


def project(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'demo'\n", **files})
    return tmp_path


def findings(run: Run) -> list[tuple[int, int, str]]:
    return [(f["line"], f["col"], f["code"]) for f in run.json()["findings"]]


def test_every_exit_is_reported_with_code_and_location(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path, {"tests/test_bad.py": BAD})
    run = tg(root, "exits", "--format", "json")
    assert run.code == 1
    assert findings(run) == EXPECTED
    messages = {f["line"]: f["message"] for f in run.json()["findings"]}
    assert "sys.exit()" in messages[19]  # the alias is resolved: bye is sys.exit
    assert "`test_exits`" in messages[18]


def test_allowed_patterns_are_not_reported(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path, {"tests/test_ok.py": ALLOWED})
    run = tg(root, "exits", "--format", "json")
    assert run.json()["findings"] == []
    assert run.code == 0


CAUGHT_OR_NOT = '''\
import os
import sys

import pytest
from _pytest import outcomes


def test_pytest_exit_caught_by_what_it_raises():
    with pytest.raises(pytest.exit.Exception):
        pytest.exit("caught")
    with pytest.raises(outcomes.Exit):
        pytest.exit("caught")
    try:
        pytest.exit("caught")
    except Exception:
        pass


def test_what_a_handler_does_not_catch():
    with pytest.raises(SystemExit):
        pytest.exit("not a SystemExit")
    with pytest.raises(SystemExit):
        os._exit(1)
    try:
        os.abort()
    except BaseException:
        pass
    try:
        sys.exit(1)
    except Exception:
        pass
'''


def test_a_handler_allows_only_the_exits_it_catches(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # pytest.exit() raises _pytest.outcomes.Exit, an Exception; os._exit() and os.abort() end
    # the process, which no handler survives; SystemExit is no Exception.
    root = project(tmp_path, {"tests/test_caught.py": CAUGHT_OR_NOT})
    run = tg(root, "exits", "--format", "json")
    assert findings(run) == [(21, 9, "TG303"), (23, 9, "TG302"), (25, 9, "TG302"), (29, 9, "TG302")]


def test_production_code_is_not_checked(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path, {"demo/__init__.py": "", "demo/cli.py": "import sys\nsys.exit(1)\n"})
    run = tg(root, "exits")
    assert run.code == 0
    assert run.out.strip().splitlines()[-1] == "All checks passed."


def test_text_output_is_path_line_col_code_message(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path, {"tests/conftest.py": "import sys\nsys.exit(1)\n"})
    run = tg(root, "exits")
    lines = run.out.strip().splitlines()
    assert lines[0].startswith("tests/conftest.py:2:1: TG301 sys.exit() at module level")
    assert lines[-1] == "Found 1 error."
    assert run.code == 1


def test_given_paths_as_pre_commit_passes_them(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(
        tmp_path,
        {"tests/test_a.py": "import sys\nsys.exit(1)\n", "tests/test_b.py": "import os\nos._exit(1)\n"},
    )
    run = tg(root, "exits", "--format", "json", "tests/test_b.py")
    assert [(f["path"], f["code"]) for f in run.json()["findings"]] == [("tests/test_b.py", "TG301")]


def test_inline_and_file_suppressions(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(
        tmp_path,
        {
            "tests/test_inline.py": "import sys\nsys.exit(1)  # testguard: ignore[TG301]\nsys.exit(2)  # testguard: ignore[TG2]\n",
            "tests/test_file.py": "# testguard: ignore-file[TG3]\nimport sys\nsys.exit(1)\n",
            "tests/test_bare.py": "import sys\nsys.exit(1)  # testguard: ignore\n",
            "tests/test_multiline.py": "import sys\nsys.exit(  # testguard: ignore[TG301]\n    1,\n)\n",
        },
    )
    run = tg(root, "exits", "--format", "json")
    got = sorted((f["path"], f["line"], f["code"]) for f in run.json()["findings"])
    assert got == [
        ("tests/test_bare.py", 2, "TG002"),
        ("tests/test_bare.py", 2, "TG301"),
        ("tests/test_inline.py", 3, "TG301"),
    ]


def test_suppression_text_inside_a_string_is_not_a_suppression(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path, {"tests/test_s.py": 'import sys\nX = "# testguard: ignore[TG301]"; sys.exit(1)\n'})
    run = tg(root, "exits", "--format", "json")
    assert run.codes() == ["TG301"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x00\x01binary", "binary file"),
        (b"# -*- coding: latin-1 -*-\nimport sys\nname = '\xe9'\nsys.exit(1)\n", None),
        (b"\xef\xbb\xbfimport sys\r\nsys.exit(1)\r\n", None),
        (b"import sys\nname = '\xe9'\nsys.exit(1)\n", "not valid utf-8"),
        (b"# coding: klingon\nimport sys\n", "unknown encoding"),
        (b"import sys\ndef f(:\n    sys.exit(1)\n", "syntax error"),
        (b"", None),
    ],
)
def test_bad_files_give_tg001_and_the_rest_is_checked(
    tmp_path: Path, tg: Callable[..., Run], content: bytes, expected: str | None
) -> None:
    root = project(tmp_path, {"tests/test_x.py": content, "tests/test_other.py": "import os\nos._exit(1)\n"})
    run = tg(root, "exits", "--format", "json")
    assert run.err == ""
    by_path = {f["path"]: f for f in run.json()["findings"]}
    assert by_path["tests/test_other.py"]["code"] == "TG301"
    if expected is None:
        # decoded correctly (cookie, BOM, CRLF, empty): its exit, if any, is found at the right line
        found = by_path.get("tests/test_x.py")
        if b"sys.exit" in content:
            assert found is not None and found["code"] == "TG301"
            assert found["line"] == content.replace(b"\r\n", b"\n").count(b"\n")
        else:
            assert found is None
    else:
        assert by_path["tests/test_x.py"]["code"] == "TG001"
        assert expected in by_path["tests/test_x.py"]["message"].lower()


def test_missing_huge_and_symlinked_files(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path, {"tests/test_real.py": "import sys\nsys.exit(1)\n"})
    (root / "tests" / "test_broken.py").symlink_to(root / "nowhere.py")
    (root / "tests" / "test_link.py").symlink_to(root / "tests" / "test_real.py")
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n[tool.testguard]\nmax-file-size = 100\n")
    (root / "tests" / "test_huge.py").write_text("x = 1\n" * 100)
    run = tg(
        root, "exits", "--format", "json",
        "tests/test_real.py", "tests/test_broken.py", "tests/test_link.py",
        "tests/test_huge.py", "tests/test_gone.py",
    )
    assert run.err == ""
    got = {f["path"]: (f["code"], f["message"]) for f in run.json()["findings"]}
    assert got["tests/test_real.py"][0] == "TG301"
    assert got["tests/test_link.py"][0] == "TG301"
    assert got["tests/test_broken.py"][0] == "TG001" and "broken symbolic link" in got["tests/test_broken.py"][1]
    assert got["tests/test_huge.py"][0] == "TG001" and "too large" in got["tests/test_huge.py"][1]
    assert got["tests/test_gone.py"][0] == "TG001" and "not found" in got["tests/test_gone.py"][1]


def test_pytest_python_files_decide_what_is_a_test(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname='demo'\n[tool.pytest.ini_options]\npython_files = ['check_*.py']\ntestpaths = ['spec']\n",
            "spec/check_a.py": "import sys\nsys.exit(1)\n",
            "other/check_b.py": "import sys\nsys.exit(1)\n",
            "other/test_c.py": "import sys\nsys.exit(1)\n",
        },
    )
    run = tg(root, "exits", "--format", "json")
    assert sorted(f["path"] for f in run.json()["findings"]) == ["other/check_b.py", "spec/check_a.py"]


def test_cache_gives_the_same_answer_and_sees_edits(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path, {"tests/test_a.py": "import sys\nsys.exit(1)\n"})
    first = tg(root, "exits", "--format", "json").json()["findings"]
    assert (root / ".testguard_cache").is_dir()
    second = tg(root, "exits", "--format", "json").json()["findings"]
    assert first == second and len(first) == 1
    (root / "tests" / "test_a.py").write_text("import sys\n\n\nsys.exit(1)\nsys.exit(2)\n")
    third = tg(root, "exits", "--format", "json").json()["findings"]
    assert [f["line"] for f in third] == [4, 5]


CLI_COMMANDS = '''\
import sys
import click
import click as c
import typer
import typer as t
from click import command as cmd, group
from click.testing import CliRunner

app = typer.Typer()
other_app = t.Typer(name="other")
registry = c.Group("registry")


@click.command()
def plain():
    sys.exit(2)


@c.command
def bare_alias():
    raise SystemExit(3)


@cmd("named")
@click.option("--n", default=1)
def through_from_import(n):
    exit(4)


@group()
def cli():
    sys.exit(5)


@cli.command()
def sub():
    sys.exit(6)


@cli.group()
def nested():
    quit()


@nested.command()
def deeper():
    sys.exit(7)


@registry.command()
def registered():
    sys.exit(8)


@app.command()
def typer_command():
    raise SystemExit(1)


@app.callback()
def typer_callback():
    sys.exit(1)


@other_app.command()
def aliased_typer():
    sys.exit(1)


def test_runner_catches_the_exit():
    assert CliRunner().invoke(plain).exit_code == 2
'''

NOT_COMMANDS = '''\
import os
import sys
import click
import pytest
from somewhere import app


class Registry:
    def command(self):
        return lambda f: f


registry = Registry()


@app.command()
def imported_object_is_not_known():
    sys.exit(1)


@registry.command()
def any_object_with_a_command_method():
    sys.exit(1)


@click.option("--n")
def option_is_not_a_command(n):
    sys.exit(1)


@click.command()
def hard_exit_kills_the_runner_too():
    os._exit(1)


@click.command()
def ends_the_session():
    pytest.exit("stop")


@click.command()
def command_with_a_helper():
    def helper():
        sys.exit(1)
    helper()
'''


def test_exits_inside_cli_commands_are_not_findings(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path, {"tests/test_cli.py": CLI_COMMANDS})
    run = tg(root, "exits", "--format", "json")
    assert (run.code, findings(run)) == (0, [])


def test_only_decorators_that_resolve_to_click_or_typer_count(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path, {"tests/test_not_cli.py": NOT_COMMANDS})
    run = tg(root, "exits", "--format", "json")
    assert findings(run) == [
        (18, 5, "TG302"),
        (23, 5, "TG302"),
        (28, 5, "TG302"),
        (33, 5, "TG302"),
        (38, 5, "TG303"),
        (44, 9, "TG302"),
    ]
