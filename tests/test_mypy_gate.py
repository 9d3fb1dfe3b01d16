"""The mypy gate on real projects: real mypy, a real virtualenv with a typed package, real git."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, git, git_init, try_repo, write
from testguard.checks.mypy.output import parse_output

TYPED_PACKAGE = {
    "tgtyped/__init__.py": 'def greet(name: str) -> str:\n    return "hi " + name\n',
    "tgtyped/py.typed": "",
    "tgtyped-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tgtyped\nVersion: 1.0\n",
    "tgtyped-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}


def build_wheel(directory: Path) -> Path:
    """A real wheel of a tiny typed package (py.typed), built with the standard library."""
    wheel = directory / "tgtyped-1.0-py3-none-any.whl"
    record = []
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in TYPED_PACKAGE.items():
            data = text.encode()
            archive.writestr(name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{name},sha256={digest},{len(data)}")
        record.append("tgtyped-1.0.dist-info/RECORD,,")
        archive.writestr("tgtyped-1.0.dist-info/RECORD", "\n".join(record) + "\n")
    return wheel


@pytest.fixture(scope="session")
def project_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with ``tgtyped`` pip-installed: a typed package testguard's environment lacks."""
    base = tmp_path_factory.mktemp("typed-venv")
    wheel = build_wheel(base)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-index", str(wheel)],
        check=True, capture_output=True,
    )
    return python


@pytest.fixture
def tgm(tg: Callable[..., Run], monkeypatch: pytest.MonkeyPatch,
        tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Run]:
    """``testguard`` in-process, with mypy's cache of the standard library shared across tests."""
    cache = tmp_path_factory.getbasetemp() / "mypy-cache"
    monkeypatch.setenv("MYPY_CACHE_DIR", str(cache))
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    return tg


def app_project(root: Path, python: Path, core: str, extra: dict[str, str] | None = None) -> None:
    write(root, {
        "pyproject.toml": f'[project]\nname = "app"\n\n[tool.testguard]\npython = "{python}"\n',
        "app/__init__.py": "",
        "app/core.py": core,
        **(extra or {}),
    })


def by_line(run: Run) -> dict[tuple[str, int], dict[str, Any]]:
    return {(f["path"], f["line"]): f for f in run.json()["findings"]}


CORE = """\
import tgtyped


def hello(n: int) -> str:
    return tgtyped.greet(n)


def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


ints: list[int] = [1, 2]
mean(ints)
reveal_type(ints)
"""


def test_types_of_a_package_installed_only_in_the_project_venv_are_checked(
    tmp_path: Path, project_python: Path, tgm: Callable[..., Run]
) -> None:
    assert importlib.util.find_spec("tgtyped") is None  # testguard's own environment lacks it
    app_project(tmp_path, project_python, CORE)

    run = tgm(tmp_path, "mypy", "--format", "json")

    assert run.code == 1, run.err
    found = by_line(run)
    assert not [f for f in found.values() if "import" in str(f["details"])]  # no import-not-found
    greet = found[("app/core.py", 5)]
    assert greet["title"] == "TG501 [arg-type]"
    assert greet["message"] == 'Argument 1 to "greet" has incompatible type "int"; expected "str"'
    assert (greet["col"], greet["end_line"], greet["end_col"]) == (26, 5, 27)
    assert greet["severity"] == "error"
    assert greet["details"] == {
        "mypy_code": "arg-type",
        "fingerprint": '[arg-type] Argument 1 to "greet" has incompatible type "int"; expected "str"',
    }
    # mypy's notes belong to their error: in its message, not reported on their own
    invariant = found[("app/core.py", 13)]
    assert invariant["title"] == "TG501 [arg-type]"
    assert invariant["message"].startswith('Argument 1 to "mean" has incompatible type "list[int]"')
    assert "is invariant" in invariant["message"]
    assert sum(1 for f in run.json()["findings"] if f["line"] == 13) == 1
    # a note with no error is a note, and does not block
    reveal = found[("app/core.py", 14)]
    assert reveal["severity"] == "note"
    assert reveal["message"].startswith("Revealed type is ")

    text = tgm(tmp_path, "mypy", "app/core.py")
    assert 'app/core.py:5:26: TG501 [arg-type] Argument 1 to "greet" has incompatible type' in text.out


def test_the_text_format_reads_exactly_like_the_json_format(
    tmp_path: Path, project_python: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """mypy before 1.11 has no JSON output: its text lines must give the same messages."""
    app_project(tmp_path, project_python, CORE)
    cache = tmp_path_factory.getbasetemp() / "mypy-cache"
    base = [sys.executable, "-m", "mypy", "--python-executable", str(project_python),
            "--cache-dir", str(cache), "app"]
    as_json = subprocess.run([*base, "-O", "json"], cwd=tmp_path, capture_output=True, text=True, check=False)
    as_text = subprocess.run(
        [*base, "--show-column-numbers", "--show-error-end", "--show-error-codes", "--no-pretty",
         "--no-error-summary", "--hide-error-context"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    from_json, _ = parse_output(as_json.stdout, json_output=True)
    from_text, other = parse_output(as_text.stdout, json_output=False)
    assert len(from_json) == 3
    assert from_text == from_json
    assert other == []


@pytest.mark.slow
def test_the_projects_own_older_mypy_runs_and_its_text_output_is_read(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, tgm: Callable[..., Run]
) -> None:
    """A venv with mypy 1.10 (no JSON output) and the typed package: that mypy runs, in text mode."""
    venv = tmp_path_factory.mktemp("old-mypy") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    wheel = build_wheel(venv.parent)
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "mypy==1.10.1", str(wheel)],
        capture_output=True, text=True, check=False,
    )
    if install.returncode != 0:
        pytest.skip(f"cannot install mypy 1.10.1 from the package index: {install.stderr.strip()[-300:]}")
    app_project(tmp_path, python, CORE)

    run = tgm(tmp_path, "mypy", "--format", "json")

    assert run.code == 1, run.err
    sections = run.json()["checks"]["mypy"]["sections"]["mypy"]
    assert sections["version"] == "1.10.1"
    assert sections["command"][:2] == [str(python), "-c"]  # runs mypy as -m would, project root last
    assert "runpy.run_module('mypy'" in sections["command"][2]
    assert "--show-error-end" in sections["command"]
    found = by_line(run)
    assert [(line, f["col"], f["end_col"], f["title"], f["severity"]) for (_, line), f in sorted(found.items())] == [
        (5, 26, 27, "TG501 [arg-type]", "error"),
        (13, 6, 10, "TG501 [arg-type]", "error"),
        (14, 13, 17, "TG501", "note"),
    ]
    assert "is invariant" in found[("app/core.py", 13)]["message"]


BASELINED = """\
def old_one() -> int:
    return "one"


def old_two() -> int:
    return "two"
"""


def test_baseline_only_new_errors_fail_moved_ones_stay_fixed_ones_are_reported(
    tmp_path: Path, project_python: Path, tgm: Callable[..., Run]
) -> None:
    app_project(tmp_path, project_python, BASELINED)
    assert tgm(tmp_path, "mypy").code == 1
    recorded = tgm(tmp_path, "baseline", "mypy")
    assert recorded.code == 0, recorded.err
    assert tgm(tmp_path, "mypy").code == 0

    core = tmp_path / "app" / "core.py"
    core.write_text('"""Lines above the old errors move them down."""\n\nimport os\n\n\n' + BASELINED
                    + '\n\ndef new_one() -> str:\n    return os.sep + 1\n')
    moved = tgm(tmp_path, "mypy", "--format", "json")
    assert moved.code == 1
    new = [f for f in moved.json()["findings"] if f["status"] == "new"]
    assert [(f["path"], f["line"], f["col"], f["title"]) for f in new] == [
        ("app/core.py", 15, 21, "TG501 [operator]")
    ]
    assert sorted(f["line"] for f in moved.json()["findings"] if f["status"] == "baselined") == [7, 11]

    core.write_text(BASELINED.replace('return "one"', "return 1"))
    fixed = tgm(tmp_path, "mypy")
    assert fixed.code == 0
    assert 'app/core.py: TG501 fixed: return "one"' in fixed.out


def test_a_staged_change_that_breaks_a_caller_in_an_unstaged_file_is_caught(
    tmp_path: Path, project_python: Path, tgm: Callable[..., Run]
) -> None:
    git_init(tmp_path)
    app_project(tmp_path, project_python, "def total(prices: list[int]) -> int:\n    return sum(prices)\n", {
        "app/use.py": "from app.core import total\n\n\ndef receipt() -> str:\n    return 'total: %d' % total([1, 2])\n\n\nTOTAL: int = total([3])\n",
    })
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "initial")
    assert tgm(tmp_path, "mypy", "app/core.py").code == 0

    (tmp_path / "app" / "core.py").write_text(
        "def total(prices: list[int]) -> str:\n    return f'{sum(prices)} EUR'\n"
    )
    git(tmp_path, "add", "app/core.py")
    # pre-commit passes the staged file only; the caller in app/use.py is still checked
    run = tgm(tmp_path, "mypy", "app/core.py")
    assert run.code == 1
    assert "app/use.py:8:14: TG501 [assignment] Incompatible types in assignment" in run.out

    # with --diff-base only errors on changed lines block: the caller's line did not change
    assert tgm(tmp_path, "mypy", "--diff-base", "HEAD").code == 0


def test_errors_in_files_outside_the_project_are_not_its_findings(
    tmp_path: Path, project_python: Path, tgm: Callable[..., Run]
) -> None:
    write(tmp_path, {"stubs/legacy.pyi": "def load() -> Undefined: ...\n"})
    project = tmp_path / "project"
    app_project(project, project_python, "import legacy\n\nDATA = legacy.load()\n", {
        "mypy.ini": "[mypy]\nmypy_path = ../stubs\n",
    })
    run = tgm(project, "mypy", "--format", "json")
    assert run.code == 0, run.out + run.err
    assert run.json()["findings"] == []
    assert run.json()["checks"]["mypy"]["sections"]["mypy"]["errors_outside_project"] == 1


@pytest.mark.slow
def test_the_pre_commit_hook_checks_against_the_projects_venv_and_catches_a_broken_caller(
    tmp_path: Path, project_python: Path
) -> None:
    """Real `pre-commit try-repo`: the hook's own environment lacks tgtyped, the project's .venv has it."""
    git_init(tmp_path)
    (tmp_path / ".venv").symlink_to(project_python.parent.parent)
    write(tmp_path, {
        ".gitignore": ".venv\n",
        "pyproject.toml": '[project]\nname = "app"\n',
        "app/__init__.py": "",
        "app/core.py": "import tgtyped\n\n\ndef hello(name: str) -> str:\n    return tgtyped.greet(name)\n",
        "app/use.py": "from app.core import hello\n\nGREETING: str = hello('x')\n",
    })
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "initial")
    (tmp_path / "app" / "core.py").write_text(
        "import tgtyped\n\n\ndef hello(name: str) -> int:\n    return len(tgtyped.greet(name))\n"
    )
    git(tmp_path, "add", "app/core.py")
    hook = try_repo(tmp_path, "mypy-gate")
    assert hook.returncode == 1, hook.stdout + hook.stderr
    assert "app/use.py:3:17: TG501 [assignment] Incompatible types in assignment" in hook.stdout
    assert "import-not-found" not in hook.stdout


CRASH_PLUGIN = """\
from mypy.plugin import Plugin


class Crash(Plugin):
    def get_function_hook(self, fullname):
        if fullname == "app.core.boom":
            def hook(ctx):
                raise RuntimeError("plugin bug")
            return hook
        return None


def plugin(version):
    return Crash
"""


@pytest.mark.parametrize(
    ("files", "python", "expected"),
    [
        ({}, "missing/bin/python", "the project interpreter 'missing/bin/python'"),
        ({"mypy.ini": "[mypy\nstrict = true\n"}, None,
         "mypy cannot use its configuration; fix it:\n    mypy.ini: File contains no section headers."),
        ({"mypy.ini": "[mypy]\nstrict = maybe\n"}, None,
         "mypy cannot use its configuration; fix it:\n    mypy.ini: [mypy]: strict: Not a boolean: maybe"),
        ({"mypy.ini": "[mypy]\nplugins = crash_plugin.py\n", "crash_plugin.py": CRASH_PLUGIN}, None,
         "mypy crashed"),
    ],
    ids=["missing-interpreter", "unreadable-config", "bad-config-value", "crash"],
)
def test_a_broken_setup_is_exit_2_with_a_message_never_a_pass(
    tmp_path: Path, project_python: Path, tgm: Callable[..., Run],
    files: dict[str, str], python: str | None, expected: str,
) -> None:
    app_project(tmp_path, Path(python) if python else project_python,
                "def boom() -> int:\n    return 1\n\n\nboom()\n", files)
    run = tgm(tmp_path, "mypy")
    assert run.code == 2
    assert expected in run.err
    assert "Traceback" not in run.err.split("mypy crashed")[0]
    if expected == "mypy crashed":
        assert "RuntimeError: plugin bug" in run.err


HANGING_PLUGIN = """\
import os
import time

with open("plugin.pid", "w") as handle:
    handle.write(str(os.getpid()))
time.sleep(600)
"""


def test_a_mypy_plugin_that_hangs_is_stopped_at_the_timeout_with_exit_2(
    tmp_path: Path, project_python: Path, tgm: Callable[..., Run]
) -> None:
    app_project(tmp_path, project_python, "X = 1\n",
                {"mypy.ini": "[mypy]\nplugins = hang_plugin.py\n", "hang_plugin.py": HANGING_PLUGIN})
    run = tgm(tmp_path, "mypy", "--timeout", "5")  # it waited forever
    assert run.code == 2, run.out + run.err
    assert "mypy did not finish within 5s and was stopped" in run.err
    assert "raise --timeout" in run.err and "Traceback" not in run.err
    pid = int((tmp_path / "plugin.pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # mypy is gone with the run


def test_a_mypy_py_in_the_project_root_does_not_run_instead_of_mypy(
    tmp_path: Path, project_python: Path, tgm: Callable[..., Run]
) -> None:
    """``python -m mypy`` in the project root ran the project's own mypy.py, which printed a
    line, exited 0, and the gate passed."""
    app_project(tmp_path, project_python, "def one() -> int:\n    return '1'\n",
                {"mypy.py": "print('type-check with: tox -e mypy')\n", "plugin_here.py": PLUGIN_MODULE,
                 "mypy.ini": "[mypy]\nplugins = plugin_here\n"})
    run = tgm(tmp_path, "mypy", "--format", "json")
    assert run.code == 1, run.out + run.err
    assert [(f["path"], f["line"]) for f in run.json()["findings"]] == [("app/core.py", 2)]
    assert (tmp_path / "plugin.loaded").is_file()  # a plugin named as a module of the project still loads


PLUGIN_MODULE = """\
from pathlib import Path

from mypy.plugin import Plugin

Path("plugin.loaded").write_text("yes")


def plugin(version):
    return Plugin
"""


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
@pytest.mark.parametrize("where", ["mypy.ini", "setup.cfg", "args:pipe.toml", "args:/dev/zero"])
def test_a_mypy_configuration_that_is_a_pipe_or_a_device_is_exit_2_not_a_hang(
    tmp_path: Path, project_python: Path, tgm: Callable[..., Run], where: str
) -> None:
    """testguard read it to see whether it names targets: a pipe waited forever, /dev/zero
    filled the memory."""
    app_project(tmp_path, project_python, "X = 1\n")
    name = where.removeprefix("args:")
    if where.startswith("args:"):
        with (tmp_path / "pyproject.toml").open("a") as handle:
            handle.write(f'\n[tool.testguard.mypy]\nargs = ["--config-file", "{name}"]\n')
    if not name.startswith("/"):
        os.mkfifo(tmp_path / name)
    run = tgm(tmp_path, "mypy")
    assert run.code == 2, run.out + run.err
    shown = name if name.startswith("/") else str(tmp_path / name)
    assert f"the mypy configuration {shown} is not a regular file (a pipe or a device)" in run.err


def test_a_file_name_that_is_not_utf8_is_named_with_what_to_do(
    tmp_path: Path, project_python: Path, tgm: Callable[..., Run]
) -> None:
    app_project(tmp_path, project_python, "X = 1\n")
    (tmp_path / "app" / os.fsdecode(b"legacy_\xff.py")).write_text("Y = 2\n")
    run = tgm(tmp_path, "mypy")
    assert "internal error" not in run.err and "mypy crashed" not in run.err, run.err
    if run.code == 2:  # mypy 2.x crashes in its cache on such a name; a later one may not
        assert "mypy crashes on a file name that is not UTF-8 (app/legacy_\\xff.py): rename the file" in run.err


@pytest.mark.parametrize("key", ["targets", "args"])
def test_a_nul_byte_in_the_mypy_arguments_is_exit_2_with_a_message(
    tmp_path: Path, project_python: Path, tgm: Callable[..., Run], key: str
) -> None:
    # TOML can spell a NUL (\u0000); no process can be given one in an argument.
    app_project(tmp_path, project_python, "X = 1\n")
    with (tmp_path / "pyproject.toml").open("a") as handle:
        handle.write(f'\n[tool.testguard.mypy]\n{key} = ["app/\\u0000"]\n')
    run = tgm(tmp_path, "mypy")
    assert run.code == 2, run.out + run.err
    assert "internal error" not in run.err, run.err
    assert "cannot run mypy" in run.err and "[tool.testguard.mypy]" in run.err, run.err


def test_args_win_over_the_projects_config_files(
    tmp_path: Path, project_python: Path, tgm: Callable[..., Run]
) -> None:
    """As on mypy's command line: ``--python-version 3.11`` in args overrides setup.cfg's 3.7."""
    app_project(tmp_path, project_python, "def one() -> int:\n    return 1\n",
                {"setup.cfg": "[mypy]\npython_version = 3.7\n"})
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.testguard.mypy]\nargs = ["--python-version", "3.11"]\n')
    run = tgm(tmp_path, "mypy")
    assert (run.code, run.out) == (0, "All checks passed.\n"), run.err
    # a problem with an option the args do not set is still the config's to fix
    (tmp_path / "setup.cfg").write_text("[mypy]\npython_version = 3.7\nstrict = maybe\n")
    run = tgm(tmp_path, "mypy")
    assert run.code == 2 and "strict: Not a boolean: maybe" in run.err
    assert "python_version" not in run.err


def test_targets_follow_the_test_discovery_of_the_other_checks(
    tmp_path: Path, project_python: Path, tgm: Callable[..., Run]
) -> None:
    """Tests in testing/ (pytest's testpaths) are type-checked like the package."""
    app_project(tmp_path, project_python, "def one() -> int:\n    return 1\n", {
        "testing/test_core.py": "from app.core import one\n\n\ndef test_one() -> None:\n    x: str = one()\n",
    })
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + '\n[tool.pytest.ini_options]\ntestpaths = ["testing"]\n')
    run = tgm(tmp_path, "mypy", "--format", "json")
    assert run.code == 1, run.err
    assert [(f["path"], f["line"]) for f in run.json()["findings"]] == [("testing/test_core.py", 5)]
    assert run.json()["checks"]["mypy"]["sections"]["mypy"]["targets"] == ["app", "testing"]


def test_a_test_directory_without_python_files_is_no_default_target(
    tmp_path: Path, project_python: Path, tgm: Callable[..., Run]
) -> None:
    """tests/ holding only data: mypy, given it, stopped with "There are no .py[i] files"
    and the gate was exit 2 over a directory the user never named."""
    app_project(tmp_path, project_python, "def one() -> int:\n    return '1'\n",
                {"tests/data/sample.json": "{}\n"})
    run = tgm(tmp_path, "mypy", "--format", "json")
    assert run.code == 1, run.err
    assert [(f["path"], f["line"]) for f in run.json()["findings"]] == [("app/core.py", 2)]
    assert run.json()["checks"]["mypy"]["sections"]["mypy"]["targets"] == ["app"]


def test_a_json_message_with_a_line_that_is_not_a_number_is_read_not_a_crash() -> None:
    # mypy = "..." in [tool.testguard.mypy] may name any program; its output is not trusted.
    lines = '{"file": "app/core.py", "line": "seven", "message": "odd"}\n{"file": "app/core.py", "line": [1]}\n'
    messages, other = parse_output(lines, json_output=True)
    assert [(m.file, m.line) for m in messages] == [("app/core.py", 0), ("app/core.py", 0)]
    assert other == []
