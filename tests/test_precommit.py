"""The hooks as pre-commit runs them: real `pre-commit try-repo` on a real git repository."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, git, git_init, write


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(project: Path, hook: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "PYTHONPATH", "VIRTUAL_ENV")}
    env["PRE_COMMIT_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), hook, "--color", "never"],
        cwd=project, capture_output=True, text=True, env=env, timeout=900,
    )


@pytest.mark.slow
def test_no_exit_in_tests_fails_on_staged_exit_then_passes_after_fix(tmp_path: Path, pre_commit_home: Path) -> None:
    git_init(tmp_path)
    write(tmp_path, {
        "pyproject.toml": "[project]\nname = 'shop'\n",
        "shop/__init__.py": "import sys\n\ndef main():\n    sys.exit(0)\n",
        "tests/test_cart.py": "def test_total():\n    assert 1 + 1 == 2\n",
    })
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "initial")

    (tmp_path / "tests" / "test_cart.py").write_text(
        "import sys\n\nif sys.platform == 'win32':\n    sys.exit(1)\n\ndef test_total():\n    assert 1 + 1 == 2\n"
    )
    git(tmp_path, "add", "tests/test_cart.py")
    failing = try_repo(tmp_path, "no-exit-in-tests", pre_commit_home)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "tests/test_cart.py:4:5: TG301 sys.exit() at module level" in failing.stdout
    assert "shop/__init__.py" not in failing.stdout  # production code is not test code

    (tmp_path / "tests" / "test_cart.py").write_text(
        "import sys\n\nimport pytest\n\npytestmark = pytest.mark.skipif(sys.platform == 'win32', reason='posix only')\n\n"
        "def test_total():\n    assert 1 + 1 == 2\n"
    )
    git(tmp_path, "add", "tests/test_cart.py")
    passing = try_repo(tmp_path, "no-exit-in-tests", pre_commit_home)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout
