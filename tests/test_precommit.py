"""The hooks as pre-commit runs them: real `pre-commit try-repo` on a real git repository."""

from __future__ import annotations

from collections.abc import Callable
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


def test_given_files_that_pass_print_nothing(tmp_path: Path, run: Callable[..., tuple[int, str, str]]) -> None:
    write(tmp_path, {
        "pyproject.toml": "[project]\nname = 'shop'\n",
        "tests/test_a.py": "def test_a():\n    assert True\n",
        "tests/test_b.py": "import sys\n\nsys.exit(1)\n",
    })
    assert run(tmp_path, "exits", "tests/test_a.py") == (0, "", "")
    # the count says which files it speaks for: pre-commit may print several
    code, out, _ = run(tmp_path, "exits", "tests/test_a.py", "tests/test_b.py")
    assert code == 1
    assert out.splitlines()[-1] == "Found 1 error in 2 files."
    # the whole project (no files given) still gets its verdict
    assert run(tmp_path, "exits")[1].splitlines()[-1] == "Found 1 error."
    assert run(tmp_path, "exits", "--format", "github", "tests/test_a.py") == (0, "", "")


# pre-commit's xargs never passes more than 2**17 bytes of arguments to one process
# (pre_commit/xargs.py, _get_platform_max_length), whatever the number of CPUs: staged
# files whose names add up to more are always split over several processes.
MAX_ARGUMENT_BYTES = 2**17


@pytest.mark.slow
def test_a_hook_split_over_processes_never_contradicts_itself(tmp_path: Path) -> None:
    git_init(tmp_path)
    deep = "tests/" + "".join(f"{c * 199}/" for c in "abcdefghijklmn")
    names = [f"{deep}test_{i:03}.py" for i in range(60)]
    assert sum(len(n) + 1 for n in names) > MAX_ARGUMENT_BYTES
    files: dict[str, str] = {n: "def test_ok():\n    assert True\n" for n in names}
    files[names[17]] = "import sys\n\nsys.exit(1)\n"
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'shop'\n", **files})
    git(tmp_path, "add", ".")
    failing = try_repo(tmp_path, "no-exit-in-tests")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert f"{names[17]}:3:1: TG301 " in failing.stdout
    assert "All checks passed" not in failing.stdout
    verdicts = [line for line in failing.stdout.splitlines() if line.startswith("Found ")]
    # only the process that found something speaks, for its own files
    assert len(verdicts) == 1 and verdicts[0].startswith("Found 1 error in "), failing.stdout
    assert int(verdicts[0].split(" in ")[1].split()[0]) < len(names)
