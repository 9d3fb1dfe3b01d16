"""The hooks as pre-commit runs them: real `pre-commit try-repo` on a real git repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import git, git_init, try_repo, write


@pytest.mark.slow
def test_no_exit_in_tests_fails_on_staged_exit_then_passes_after_fix(tmp_path: Path) -> None:
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
    failing = try_repo(tmp_path, "no-exit-in-tests")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "tests/test_cart.py:4:5: TG301 sys.exit() at module level" in failing.stdout
    assert "shop/__init__.py" not in failing.stdout  # production code is not test code

    (tmp_path / "tests" / "test_cart.py").write_text(
        "import sys\n\nimport pytest\n\npytestmark = pytest.mark.skipif(sys.platform == 'win32', reason='posix only')\n\n"
        "def test_total():\n    assert 1 + 1 == 2\n"
    )
    git(tmp_path, "add", "tests/test_cart.py")
    passing = try_repo(tmp_path, "no-exit-in-tests")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout
