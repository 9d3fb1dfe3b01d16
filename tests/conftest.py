"""Shared test helpers: run the real testguard CLI on real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
HOOKS = REPO / "hooks"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def codes(self) -> list[str]:
        return [f["code"] for f in self.json()["findings"]]


def write(root: Path, files: dict[str, str | bytes]) -> None:
    """Writes each file (text is dedented) below root, creating directories."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content))


def testguard_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(HOOKS) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("GITHUB_ACTIONS", None)
    return env


def run_testguard(cwd: Path, *args: str, timeout: float = 600) -> Run:
    """The real command in a subprocess, as a user or pre-commit runs it."""
    proc = subprocess.run(
        [sys.executable, "-m", "testguard", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=testguard_env(),
        timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def tg(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Calls ``testguard.cli.main`` in-process with ``cwd`` as working directory."""
    from testguard import cli

    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)

    def call(cwd: Path, *args: str) -> Run:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = cli.main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return call


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
        env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
             "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"},
    )
    return proc.stdout


def git_init(root: Path) -> None:
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "t@example.invalid")
    git(root, "config", "user.name", "t")
    git(root, "config", "commit.gpgsign", "false")


SAMPLES = REPO / "tests" / "fixtures" / "samples"


def sample(name: str) -> str:
    """A sample test module kept as a fixture file (it imports mock libraries on purpose)."""
    return (SAMPLES / name).read_text()


@pytest.fixture
def run(tg: Callable[..., Run]) -> Callable[..., tuple[int, str, str]]:
    """Like ``tg``, as a (code, out, err) tuple; an internal error always fails the test."""

    def call(cwd: Path, *args: str) -> tuple[int, str, str]:
        result = tg(cwd, *args)
        assert "internal error" not in result.err
        return result.code, result.out, result.err

    return call


_PRE_COMMIT_HOME: list[Path] = []


def try_repo(project: Path, hook: str) -> subprocess.CompletedProcess[str]:
    """Real `pre-commit try-repo` of this checkout's hook on the staged files of ``project``.

    One PRE_COMMIT_HOME per test session, so the hook environment is built once.
    """
    if not _PRE_COMMIT_HOME:
        import tempfile

        _PRE_COMMIT_HOME.append(Path(tempfile.mkdtemp(prefix="pre-commit-home-")))
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "PYTHONPATH", "VIRTUAL_ENV")}
    env["PRE_COMMIT_HOME"] = str(_PRE_COMMIT_HOME[0])
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), hook, "--color", "never"],
        cwd=project, capture_output=True, text=True, env=env, timeout=900, check=False,
    )
