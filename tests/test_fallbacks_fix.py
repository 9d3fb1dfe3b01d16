"""`--fix` / `--diff` for TG401-TG403: the fallback becomes the bare first-party import.
Real files; the fixed tests run with pytest against the real first-party module."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO, Run, git, git_init, try_repo, without_root_powers, write
from conftest import testguard_env as _testguard_env  # not a test, despite its name

PYPROJECT = '[project]\nname = "mypkg"\n\n[tool.testguard]\npackages = ["mypkg"]\n'
MODULES = {
    "mypkg/__init__.py": "",
    "mypkg/ratelimit.py": "class Limiter:\n    def allow(self) -> bool:\n        return True\n",
    "mypkg/fast.py": "def double(x: int) -> int:\n    return 2 * x\n",
}

FALLBACK = '''\
"""Rate limiting tests."""  # a comment that stays

import unittest

import pytest

# the import under test
try:
    from mypkg.ratelimit import Limiter  # the real one
    RATE_LIMITING_AVAILABLE = True
except ImportError:
    Limiter = None
    RATE_LIMITING_AVAILABLE = False

fast = pytest.importorskip("mypkg.fast")


@pytest.mark.skipif(not RATE_LIMITING_AVAILABLE, reason="no rate limiting")
def test_limit() -> None:
    assert Limiter().allow()


class TestLimiter(unittest.TestCase):
    @unittest.skipUnless(RATE_LIMITING_AVAILABLE, "no rate limiting")
    def test_allow(self) -> None:
        self.assertTrue(Limiter().allow())


def test_fast() -> None:
    if not RATE_LIMITING_AVAILABLE:
        pytest.skip("no rate limiting")
    assert fast.double(2) == 4   # keep   this    spacing
'''

FIXED = '''\
"""Rate limiting tests."""  # a comment that stays

import unittest

import pytest

# the import under test
from mypkg.ratelimit import Limiter  # the real one

import mypkg.fast as fast


def test_limit() -> None:
    assert Limiter().allow()


class TestLimiter(unittest.TestCase):
    def test_allow(self) -> None:
        self.assertTrue(Limiter().allow())


def test_fast() -> None:
    assert fast.double(2) == 4   # keep   this    spacing
'''


def project(root: Path, tests: dict[str, str]) -> Path:
    write(root, {"pyproject.toml": PYPROJECT, **MODULES, **tests})
    return root


def pytest_in(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest on the project, importing the project's real modules (no testguard involved)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", *args],
        cwd=root, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
    )


def test_fix_makes_the_bare_import_and_the_tests_pass(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path, {"tests/test_limit.py": FALLBACK})
    run = tg(root, "fallbacks", "--fix")
    assert run.code == 0, run.out + run.err
    assert (root / "tests/test_limit.py").read_text() == FIXED
    assert run.out.splitlines()[-1] == "Found 5 errors (5 fixed, 0 remaining)."
    assert tg(root, "fallbacks").code == 0
    tested = pytest_in(root, "tests/test_limit.py")
    assert tested.returncode == 0, tested.stdout
    assert "3 passed" in tested.stdout


def test_fixed_test_fails_when_the_module_is_broken(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path, {"tests/test_limit.py": FALLBACK})
    write(root, {"mypkg/ratelimit.py": "from mypkg.missing import Gone\n"})
    before = pytest_in(root, "tests/test_limit.py")
    assert before.returncode == 0 and "skipped" in before.stdout  # the lie: green, skipped
    assert tg(root, "fallbacks", "--fix").code == 0
    after = pytest_in(root, "tests/test_limit.py")
    assert after.returncode != 0
    assert "mypkg.missing" in after.stdout


def test_diff_shows_the_fix_writes_nothing_and_exits_1(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path, {"tests/test_limit.py": FALLBACK})
    run = tg(root, "fallbacks", "--diff")
    assert run.code == 1
    assert run.out.startswith("--- a/tests/test_limit.py\n+++ b/tests/test_limit.py\n")
    assert "-try:\n" in run.out and "+import mypkg.fast as fast\n" in run.out
    assert "Would fix 5 errors." in run.err
    assert (root / "tests/test_limit.py").read_text() == FALLBACK
    clean = project(tmp_path / "clean", {"tests/test_ok.py": "from mypkg.fast import double\n"})
    assert tg(clean, "fallbacks", "--diff").code == 0


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        # the flag is used for something else than a skip
        ("try:\n    import mypkg.fast\n    HAS = True\nexcept ImportError:\n    HAS = False\n\n"
         "def test_x():\n    print(HAS)\n", "'HAS' is used elsewhere (line 8)"),
        # the handler does real work
        ("try:\n    import mypkg.fast\nexcept ImportError:\n    import mypkg.ratelimit as fast\n",
         "does more than set a flag"),
        # the skip tests more than the flag
        ("import sys\nimport pytest\ntry:\n    import mypkg.fast\n    HAS = True\nexcept ImportError:\n"
         "    HAS = False\n\n@pytest.mark.skipif(not HAS or sys.platform == 'win32', reason='x')\n"
         "def test_x():\n    pass\n", "tests more than 'HAS'"),
        # an optional third-party import in the same try stays optional
        ("try:\n    import json\n    import mypkg.fast\nexcept ImportError:\n    pass\n",
         "the try also imports what is not first-party (line 2)"),
        # importorskip inside a test
        ("import pytest\n\ndef test_x():\n    fast = pytest.importorskip('mypkg.fast')\n    assert fast\n",
         "does not stand at module level"),
    ],
)
def test_unsafe_fallbacks_stay_and_say_why(
    tmp_path: Path, tg: Callable[..., Run], source: str, reason: str
) -> None:
    root = project(tmp_path, {"tests/test_x.py": source})
    run = tg(root, "fallbacks", "--fix")
    assert run.code == 1
    assert (root / "tests/test_x.py").read_text() == source
    assert "(not fixed: " in run.out and reason in run.out
    assert "(0 fixed," not in run.out


def test_fix_keeps_what_is_not_selected(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path, {"tests/test_limit.py": FALLBACK})
    run = tg(root, "fallbacks", "--fix", "--select", "TG402")
    assert run.code == 0
    text = (root / "tests/test_limit.py").read_text()
    assert "import mypkg.fast as fast" in text
    assert "try:" in text and "RATE_LIMITING_AVAILABLE" in text


def test_example_project_fix_shows_the_hidden_import_failure(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = tmp_path / "shop"
    shutil.copytree(REPO / "examples" / "shop", root)
    hidden = pytest_in(root, "tests/test_notifications.py")
    assert hidden.returncode == 0 and "skipped" in hidden.stdout
    run = tg(root, "fallbacks", "--fix")
    assert "Found 2 errors (2 fixed, 0 remaining)." in run.out
    shown = pytest_in(root, "tests/test_notifications.py")
    assert shown.returncode != 0
    assert "cannot import name 'TaxTable'" in shown.stdout


@pytest.mark.slow
def test_precommit_hook_with_fix_modifies_the_file(tmp_path: Path) -> None:
    root = project(tmp_path, {"tests/test_limit.py": FALLBACK})
    git_init(root)
    git(root, "add", "-A")
    ran = try_repo(root, "no-import-fallback", ["--fix"])
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "files were modified by this hook" in ran.stdout
    assert (root / "tests/test_limit.py").read_text() == FIXED
    git(root, "add", "-A")
    again = try_repo(root, "no-import-fallback", ["--fix"])
    assert again.returncode == 0, again.stdout + again.stderr


def test_diff_applies_as_a_patch_to_the_same_result_as_fix(tmp_path: Path, tg: Callable[..., Run]) -> None:
    source = "import pytest\r\n\r\ntry:\r\n\tfrom mypkg.fast import double\t# tab\r\nexcept ImportError:\r\n\tpass\r\n"
    shown = project(tmp_path / "shown", {"tests/test_t.py": ""})
    fixed = project(tmp_path / "fixed", {"tests/test_t.py": ""})
    for root in (shown, fixed):
        (root / "tests/test_t.py").write_bytes(source.encode())
    git_init(shown)
    diff = tg(shown, "fallbacks", "--diff")
    assert diff.code == 1
    (tmp_path / "fix.patch").write_bytes(diff.out.encode())
    git(shown, "apply", str(tmp_path / "fix.patch"))
    assert tg(fixed, "fallbacks", "--fix").code == 0
    after = (fixed / "tests/test_t.py").read_bytes()
    assert after == b"import pytest\r\n\r\nfrom mypkg.fast import double\t# tab\r\n"
    assert (shown / "tests/test_t.py").read_bytes() == after


def test_fix_inside_a_tab_indented_function_with_crlf(tmp_path: Path, tg: Callable[..., Run]) -> None:
    source = (
        "def test_both():\r\n\tif True:\r\n\t\ttry:\r\n\t\t\tfrom mypkg.fast import double\r\n"
        "\t\t\timport mypkg.ratelimit\r\n\t\texcept ImportError:\r\n\t\t\treturn\r\n"
        "\t\tassert double(1) == 2\r\n"
    )
    root = project(tmp_path, {"tests/test_t.py": ""})
    (root / "tests/test_t.py").write_bytes(source.encode())
    run = tg(root, "fallbacks", "--fix")
    assert "not fixed: the except block does more than set a flag" in run.out
    (root / "tests/test_t.py").write_bytes(source.replace("\t\t\treturn", "\t\t\tpass").encode())
    assert tg(root, "fallbacks", "--fix").code == 0
    assert (root / "tests/test_t.py").read_bytes() == (
        b"def test_both():\r\n\tif True:\r\n\t\tfrom mypkg.fast import double\r\n"
        b"\t\timport mypkg.ratelimit\r\n\t\tassert double(1) == 2\r\n"
    )
    tested = pytest_in(root, "tests/test_t.py")
    assert tested.returncode == 0, tested.stdout


SIMPLE_FALLBACK = "try:\n    import mypkg.fast\n    FAST = True\nexcept ImportError:\n    FAST = False\n"


def test_fix_through_a_symlink_fixes_its_target_and_keeps_the_link(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path, {"shared/fallback.py": SIMPLE_FALLBACK})
    link = root / "tests/test_linked.py"
    link.parent.mkdir()
    link.symlink_to("../shared/fallback.py")
    run = tg(root, "fallbacks", "--fix", "tests/test_linked.py")
    assert run.code == 0, run.out + run.err
    assert link.is_symlink()
    assert (root / "shared/fallback.py").read_text() == "import mypkg.fast\n"


def test_a_file_that_cannot_be_written_keeps_its_findings_and_the_others_are_fixed(tmp_path: Path) -> None:
    prefix = without_root_powers()
    root = project(tmp_path, {
        "tests/locked/test_in_locked_dir.py": SIMPLE_FALLBACK,
        "tests/test_read_only.py": SIMPLE_FALLBACK,
        "tests/test_writable.py": SIMPLE_FALLBACK,
    })
    (root / "tests/test_read_only.py").chmod(0o444)
    (root / "tests/locked").chmod(0o555)
    try:
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "testguard", "fallbacks", "--fix", "--format", "json"],
            cwd=root, capture_output=True, text=True, env=_testguard_env(),
        )
    finally:
        (root / "tests/locked").chmod(0o755)
    assert "internal error" not in proc.stderr
    assert proc.returncode == 1, proc.stdout + proc.stderr
    findings = Run(proc.returncode, proc.stdout, proc.stderr).json()["findings"]
    assert sorted(f["path"] for f in findings) == ["tests/locked/test_in_locked_dir.py", "tests/test_read_only.py"]
    assert all("not fixed: cannot write" in f["message"] for f in findings)
    assert (root / "tests/locked/test_in_locked_dir.py").read_text() == SIMPLE_FALLBACK
    assert (root / "tests/test_read_only.py").read_text() == SIMPLE_FALLBACK
    assert (root / "tests/test_writable.py").read_text() == "import mypkg.fast\n"


def test_fix_keeps_a_utf8_byte_order_mark(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path, {"tests/test_bom.py": b"\xef\xbb\xbf" + SIMPLE_FALLBACK.encode()})
    run = tg(root, "fallbacks", "--fix")
    assert run.code == 0, run.out + run.err
    assert (root / "tests/test_bom.py").read_bytes() == b"\xef\xbb\xbfimport mypkg.fast\n"


def test_fix_of_statements_sharing_a_line_keeps_each_once(tmp_path: Path, tg: Callable[..., Run]) -> None:
    source = (
        "try:\n    import mypkg; import mypkg.fast  # both\nexcept ImportError:\n    pass\n"
        "try:\n    import mypkg.ratelimit; LIMITS = True\nexcept ImportError:\n    LIMITS = False\n"
    )
    root = project(tmp_path, {"tests/test_t.py": source})
    run = tg(root, "fallbacks", "--fix")
    assert run.code == 0, run.out + run.err
    assert (root / "tests/test_t.py").read_text() == (
        "import mypkg\nimport mypkg.fast  # both\nimport mypkg.ratelimit\n"
    )


def test_an_import_in_nested_fallbacks_is_not_fixed_by_the_inner_one_alone(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    source = "try:\n    try:\n        import mypkg\n    except ImportError:\n        pass\nexcept Exception:\n    pass\n"
    root = project(tmp_path, {"tests/test_t.py": source})
    run = tg(root, "fallbacks", "--fix")
    assert run.code == 1, run.out + run.err
    assert "(not fixed: " in run.out
    assert run.out.splitlines()[-1] == "Found 1 error."
    assert (root / "tests/test_t.py").read_text() == source


def test_a_file_and_a_symlink_to_it_are_fixed_once(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = project(tmp_path, {"real/test_target.py": SIMPLE_FALLBACK})
    (root / "tests").mkdir()
    (root / "tests/test_link.py").symlink_to("../real/test_target.py")
    shown = tg(root, "fallbacks", "--diff")
    assert shown.out.count("+++ ") == 1, shown.out
    run = tg(root, "fallbacks", "--fix")
    assert run.code == 0, run.out + run.err
    assert run.out.splitlines()[-1] == "Found 2 errors (2 fixed, 0 remaining)."
    assert (root / "tests/test_link.py").is_symlink()
    assert (root / "real/test_target.py").read_text() == "import mypkg.fast\n"


def test_a_symlink_to_a_file_outside_the_project_is_not_fixed(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # git tracks the link, not its target: a fix written there would change a file
    # outside the repository that no diff of the project shows.
    outside = tmp_path / "elsewhere" / "shared_fallback.py"
    write(outside.parent, {outside.name: SIMPLE_FALLBACK})
    root = project(tmp_path / "project", {"tests/test_own.py": SIMPLE_FALLBACK})
    (root / "tests/test_linked.py").symlink_to(outside)
    shown = tg(root, "fallbacks", "--diff")
    assert shown.out.count("+++ ") == 1 and "test_own.py" in shown.out, shown.out
    run = tg(root, "fallbacks", "--fix")
    assert run.code == 1, run.out + run.err
    assert "tests/test_linked.py:" in run.out and "outside the project" in run.out
    assert run.out.splitlines()[-1] == "Found 2 errors (1 fixed, 1 remaining)."
    assert outside.read_text() == SIMPLE_FALLBACK
    assert (root / "tests/test_own.py").read_text() == "import mypkg.fast\n"


def test_a_file_that_is_not_utf8_says_why_it_is_not_fixed(tmp_path: Path, tg: Callable[..., Run]) -> None:
    latin = b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + SIMPLE_FALLBACK.encode()
    root = project(tmp_path, {"tests/test_latin.py": latin})
    run = tg(root, "fallbacks", "--fix")
    assert run.code == 1
    assert "(not fixed: it is not UTF-8" in run.out
    assert (root / "tests/test_latin.py").read_bytes() == latin


def test_diff_refuses_report_files_it_would_not_write(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # --diff prints diffs and writes nothing: `--diff --report json:fixes.json` left no file.
    root = project(tmp_path, {"tests/test_t.py": SIMPLE_FALLBACK})
    refused = tg(root, "fallbacks", "--diff", "--report", "json:fixes.json")
    assert refused.code == 2 and "--report does not apply" in refused.err
    assert not (root / "fixes.json").exists()
    shown = tg(root, "fallbacks", "--diff", "--format", "github")
    assert shown.code == 1 and "+import mypkg.fast" in shown.out
