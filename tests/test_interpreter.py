"""Finding the project's interpreter when a candidate is there but cannot be used.

The case from the container image: the project's ``.venv`` was made on the host
and its ``bin/python`` resolves into a directory the user running testguard
cannot read. Root ignores permission bits, so as root the testguard subprocess
runs without the capabilities that let it (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH).
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import conftest
from conftest import Run, write


@pytest.fixture
def locked_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory nobody but root's override can read (given back at teardown)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    yield locked
    locked.chmod(0o755)


def _project_with_unreachable_venv(root: Path, locked: Path) -> None:
    write(root, {
        "pyproject.toml": '[project]\nname = "shop"\n[tool.testguard]\npackages = ["shop"]\n',
        "shop/__init__.py": "",
        "shop/broken.py": "import shop.not_there\n",
    })
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root / ".venv")
    (locked / "python").symlink_to(sys.executable)
    python = root / ".venv" / "bin" / "python"
    python.unlink()
    python.symlink_to(locked / "python")
    locked.chmod(0)


def _run_restricted(cwd: Path, path: str, *args: str) -> Run:
    env = conftest.testguard_env()
    env.pop("VIRTUAL_ENV", None)
    env["PATH"] = path
    proc = subprocess.run(
        [*conftest.without_root_powers(), sys.executable, "-m", "testguard", *args],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def test_unreachable_venv_interpreter_is_skipped_with_one_line(tmp_path: Path, locked_dir: Path) -> None:
    project = tmp_path / "project"
    _project_with_unreachable_venv(project, locked_dir)
    # the next candidate: the first python3 on PATH
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)

    run = _run_restricted(project, f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin", "imports", "--format", "json")

    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    skipped = [line for line in run.err.splitlines() if "skipping the interpreter" in line]
    assert len(skipped) == 1, run.err
    assert "'.venv/bin/python'" in skipped[0] and "permission denied" in skipped[0]
    assert str(locked_dir / "python") in skipped[0]  # where it resolves to
    # the run went on with the next candidate: it imported the package and found the break
    assert (run.code, run.codes()) == (1, ["TG101"]), run.out + run.err


def test_configured_interpreter_that_cannot_be_reached_is_exit_2(tmp_path: Path, locked_dir: Path) -> None:
    project = tmp_path / "project"
    _project_with_unreachable_venv(project, locked_dir)
    run = _run_restricted(project, os.environ.get("PATH", ""), "imports", "--python", ".venv/bin/python")
    assert run.code == 2, run.out + run.err
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    assert "'.venv/bin/python'" in run.err and "cannot be used: permission denied" in run.err


def test_venv_interpreter_that_points_nowhere_is_skipped_with_one_line(
    tmp_path: Path, tg: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "shop"\n[tool.testguard]\npackages = ["shop"]\n',
        "shop/__init__.py": "",
    })
    venv.EnvBuilder(with_pip=False, symlinks=True).create(tmp_path / ".venv")
    python = tmp_path / ".venv" / "bin" / "python"
    python.unlink()
    python.symlink_to(tmp_path / "host-only" / "python3.12")
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    run = tg(tmp_path, "imports")
    assert run.code == 0, run.out + run.err
    skipped, used = run.err.splitlines()
    assert skipped == (
        "testguard: warning: skipping the interpreter '.venv/bin/python': it points to"
        f" {str(tmp_path / 'host-only' / 'python3.12')!r}, which does not exist; trying the next candidate"
    )
    # then the check says which one it took instead
    assert used.startswith("imports: 1 module with ") and "(found: " in used and "(found: .venv)" not in used


def _shop(root: Path, testguard: str = "") -> Path:
    write(root, {
        "pyproject.toml": f'[project]\nname = "shop"\n\n[tool.testguard]\n{testguard}',
        "shop/__init__.py": "",
        "shop/cart.py": "TOTAL = 0\n",
    })
    return root


def test_each_dynamic_check_says_what_it_used_and_run_what_it_skipped(
    tmp_path: Path, tg: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _shop(tmp_path / "shop")
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root / ".venv")
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    run = tg(root, "run")
    assert (run.code, run.out) == (0, "All checks passed.\n")  # stdout keeps its shape
    lines = run.err.splitlines()
    assert f"imports: 2 modules with {root / '.venv' / 'bin' / 'python'} (found: .venv)" in lines
    assert (
        "mypy: skipped, not configured (add a [tool.testguard.mypy] table, or a mypy"
        " configuration: mypy.ini, [tool.mypy])" in lines
    )
    assert "coverage: skipped, not configured (add a [tool.testguard.coverage] table)" in lines
    assert "collect: skipped, not configured (add a [tool.testguard.collect] table)" in lines
    # a check named on the command line is not "skipped" by run's selection
    assert not any("skipped" in line for line in tg(root, "imports").err.splitlines())


def test_a_python3_from_path_is_named_as_such(
    tmp_path: Path, tg: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _shop(tmp_path / "shop", 'checks = ["imports", "exits"]\n')
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "python3").symlink_to(sys.executable)
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.setenv("PATH", str(shims))
    run = tg(root, "run")
    assert run.code == 0, run.err
    lines = run.err.splitlines()
    assert f"imports: 2 modules with {shims / 'python3'} (found: python3 on PATH: no .venv, venv or $VIRTUAL_ENV)" in lines
    assert "mypy: skipped, not in [tool.testguard] checks (pyproject.toml)" in lines
    assert "mocks: skipped, not in [tool.testguard] checks (pyproject.toml)" in lines


@pytest.mark.parametrize("check", ["imports", "mypy"])
def test_a_configured_interpreter_path_with_a_nul_byte_is_exit_2(
    tmp_path: Path, tg: Callable[..., Run], check: str
) -> None:
    # TOML can spell a NUL (\u0000); the operating system cannot take it in a path.
    _shop(tmp_path, 'python = "bin/py\\u0000thon"\n')
    run = tg(tmp_path, check)
    assert run.code == 2, run.out + run.err
    assert "internal error" not in run.err, run.err
    assert "'bin/py\\x00thon'" in run.err and "does not exist" in run.err, run.err
