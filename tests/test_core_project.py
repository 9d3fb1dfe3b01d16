"""The shared core on real project layouts: interpreter, packages, test files, globs, custom rules."""

from __future__ import annotations

import os
import sys
import venv
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, git, git_init, write
from testguard.core.config import load_config
from testguard.core.findings import UsageError
from testguard.core.globs import GlobSet, dotted_match
from testguard.core.interpreter import find_interpreter
from testguard.core.project import (
    DEFAULT_TESTS,
    detect_packages,
    discover_files,
    find_root,
    first_party,
    source_roots,
)
from testguard.core import project as core_project


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("tests/**", "tests/a/test_x.py", True),
        ("tests/**", "src/tests_x.py", False),
        ("**/test_*.py", "test_a.py", True),
        ("**/test_*.py", "a/b/test_a.py", True),
        ("conftest.py", "a/b/conftest.py", True),
        ("*.py", "a/b.py", True),
        ("build", "build/x.py", True),
        ("build/**", "a/build/x.py", False),
        ("/setup.py", "a/setup.py", False),
        ("src/*/core/**", "src/pkg/core/a.py", True),
        ("src/*/core/**", "src/pkg/sub/core/a.py", False),
        ("test_[ab].py", "x/test_b.py", True),
        ("test_[!ab].py", "x/test_b.py", False),
    ],
)
def test_globs_behave_like_gitignore(pattern: str, path: str, matches: bool) -> None:
    assert GlobSet([pattern]).match(path) is matches


def test_dotted_globs_match_submodules() -> None:
    assert dotted_match("mypkg.clients.payments.api", ["mypkg.clients.payments.*"])
    assert dotted_match("smtplib.SMTP.send", ["smtplib.SMTP"])
    assert not dotted_match("smtplibx", ["smtplib"])


def test_root_is_nearest_pyproject_then_git(tmp_path: Path) -> None:
    write(tmp_path / "proj", {"pyproject.toml": "", "a/b/c.py": ""})
    assert find_root(tmp_path / "proj" / "a" / "b") == (tmp_path / "proj").resolve()
    other = tmp_path / "other"
    other.mkdir()
    git_init(other)
    (other / "x").mkdir()
    assert find_root(other / "x") == other.resolve()


def test_packages_from_project_name_src_layout_and_build_config(tmp_path: Path) -> None:
    write(tmp_path / "named", {"pyproject.toml": "[project]\nname = 'My-Pkg'\n", "src/my_pkg/__init__.py": ""})
    named = tmp_path / "named"
    assert detect_packages(named, load_config(named)) == ["my_pkg"]

    write(tmp_path / "flat", {"alpha/__init__.py": "", "tests/__init__.py": "", "docs/__init__.py": ""})
    flat = tmp_path / "flat"
    assert detect_packages(flat, load_config(flat)) == ["alpha"]
    assert "alpha" in first_party(flat, load_config(flat))
    assert "alpha.sub" in first_party(flat, load_config(flat))
    assert "beta" not in first_party(flat, load_config(flat))

    write(tmp_path / "declared", {
        "pyproject.toml": "[tool.setuptools]\npackage-dir = { '' = 'lib' }\n",
        "lib/gamma/__init__.py": "",
    })
    declared = tmp_path / "declared"
    config = load_config(declared)
    assert source_roots(declared, config)[0] == (declared / "lib").resolve()
    assert detect_packages(declared, config) == ["gamma"]


def test_every_package_of_a_src_layout_is_the_projects(tmp_path: Path) -> None:
    # attrs ships `attr` and `attrs` from src/: both are its code (the imports check and mypy
    # saw 6 of its 19 modules).  In a flat layout, the package named after the project is.
    write(tmp_path / "two", {
        "pyproject.toml": "[project]\nname = 'attrs'\n",
        "src/attr/__init__.py": "", "src/attrs/__init__.py": "", "bench/__init__.py": "",
    })
    two = tmp_path / "two"
    assert detect_packages(two, load_config(two)) == ["attr", "attrs"]
    write(tmp_path / "celery", {"celery/__init__.py": "", "t/__init__.py": "", "t/unit/__init__.py": ""})
    assert detect_packages(tmp_path / "celery", load_config(tmp_path / "celery")) == ["celery"]
    write(tmp_path / "flat", {
        "pyproject.toml": "[project]\nname = 'alpha'\n", "alpha/__init__.py": "", "tools/__init__.py": "",
    })
    flat = tmp_path / "flat"
    assert detect_packages(flat, load_config(flat)) == ["alpha"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("pytest.ini", "[pytest]\npython_files = check_*.py\ntestpaths = spec\n"),
        ("tox.ini", "[pytest]\npython_files = check_*.py\ntestpaths = spec\n"),
        ("setup.cfg", "[tool:pytest]\npython_files = check_*.py\ntestpaths = spec\n"),
        ("pyproject.toml", "[tool.pytest.ini_options]\npython_files = 'check_*.py'\ntestpaths = ['spec']\n"),
    ],
)
def test_test_files_follow_pytest_configuration(tmp_path: Path, name: str, content: str) -> None:
    write(tmp_path, {name: content})
    globs = core_project.test_globs(tmp_path, load_config(tmp_path))
    assert globs == ["**/conftest.py", "spec/**", "**/check_*.py"]
    assert core_project.test_globs(tmp_path / "nowhere", load_config(tmp_path / "nowhere")) == DEFAULT_TESTS


@pytest.mark.parametrize(
    ("testpaths", "expected"),
    [
        ('["tests"]', "tests/**"),  # a tests package: all of it is test code
        ('["mypkg"]', "mypkg/**/tests/**"),  # the package itself (pandas): only its tests dirs
        ('["src"]', "src/**/tests/**"),  # a source root
        ('["."]', "tests/**"),  # the whole project
        ('["spec"]', "spec/**"),
        ('["t/unit"]', "t/unit/**"),  # celery: a tests package in t/, not the product
    ],
)
def test_testpaths_that_hold_the_product_make_only_its_tests_test_code(
    tmp_path: Path, testpaths: str, expected: str
) -> None:
    write(tmp_path, {
        "pyproject.toml": f"[tool.pytest.ini_options]\ntestpaths = {testpaths}\n",
        "mypkg/__init__.py": "", "tests/__init__.py": "", "spec/x.py": "",
        "t/__init__.py": "", "t/unit/__init__.py": "",
        **({"src/other/__init__.py": ""} if "src" in testpaths else {}),
    })
    globs = core_project.test_globs(tmp_path, load_config(tmp_path))
    assert globs == ["**/conftest.py", expected, "**/test_*.py", "**/*_test.py"]


def test_a_cli_in_a_package_named_in_testpaths_is_not_test_code(tmp_path: Path, tg: Callable[..., Run]) -> None:
    exits = "import sys\n\n\ndef main():\n    sys.exit(1)\n"
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "mypkg"\n[tool.pytest.ini_options]\ntestpaths = ["mypkg"]\n',
        "mypkg/__init__.py": "", "mypkg/cli.py": exits, "mypkg/tests/__init__.py": "",
        "mypkg/tests/helpers.py": exits,
    })
    run = tg(tmp_path, "exits", "--format", "json")
    assert [(f["path"], f["code"]) for f in run.json()["findings"]] == [("mypkg/tests/helpers.py", "TG302")]


def test_an_untracked_virtualenv_is_not_the_projects_even_without_a_gitignore(tmp_path: Path) -> None:
    # python -m venv .venv in a project whose .gitignore does not name it (requests' sdist, say):
    # git lists every file of it as untracked; the walk would never have entered it.
    git_init(tmp_path)
    write(tmp_path, {
        "tests/test_tracked.py": "", "build/tests/test_committed.py": "",
        ".venv/lib/python3.11/site-packages/lib/tests/test_theirs.py": "",
        "venv/lib/tests/test_theirs.py": "", "node_modules/x/test_x.py": "",
        "tests/test_new.py": "",
    })
    git(tmp_path, "add", "tests/test_tracked.py", "build/tests/test_committed.py")
    found = discover_files(tmp_path, [], load_config(tmp_path))
    assert found.files == ["build/tests/test_committed.py", "tests/test_new.py", "tests/test_tracked.py"]


def test_git_files_honour_gitignore_and_nested_ignored_projects_are_walked(tmp_path: Path) -> None:
    git_init(tmp_path)
    write(tmp_path, {
        ".gitignore": "ignored/\nvendor/\n",
        "tests/test_tracked.py": "", "tests/test_untracked.py": "",
        "ignored/test_no.py": "", "vendor/sub/pyproject.toml": "", "vendor/sub/tests/test_v.py": "",
    })
    git(tmp_path, "add", "tests/test_tracked.py", ".gitignore")
    found = discover_files(tmp_path, [], load_config(tmp_path))
    assert found.files == ["tests/test_tracked.py", "tests/test_untracked.py"] and found.missing == []
    nested = tmp_path / "vendor" / "sub"
    assert discover_files(nested, [], load_config(nested)).files == ["tests/test_v.py"]


def test_an_untracked_virtual_environment_is_not_the_projects_code(tmp_path: Path) -> None:
    # `python3.11 -m venv .venv` with no .gitignore entry: git lists every file of the venv as
    # untracked, and the tests of installed packages failed the project's gate. The walk
    # (no git) never entered it; a tracked file below such a name is the project's own.
    git_init(tmp_path)
    write(tmp_path, {
        "tests/test_own.py": "",
        ".venv/lib/python3.11/site-packages/foo/tests/test_foo.py": "",
        "node_modules/pkg/test_js_tooling.py": "", "build/lib/test_copy.py": "",
        "src/app.egg-info/test_meta.py": "", "env/tracked/test_kept.py": "",
    })
    git(tmp_path, "add", "env/tracked/test_kept.py")
    found = discover_files(tmp_path, [], load_config(tmp_path))
    assert found.files == ["env/tracked/test_kept.py", "tests/test_own.py"]


def test_a_tracked_file_deleted_in_the_work_tree_is_not_a_finding(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # `rm tests/test_old.py` before `git rm`: the run failed with "TG001 file not found".
    git_init(tmp_path)
    write(tmp_path, {"pyproject.toml": '[project]\nname = "pkg"\n', "tests/test_old.py": "",
                     "tests/test_kept.py": "def test_ok():\n    pass\n"})
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "init")
    (tmp_path / "tests/test_old.py").unlink()
    assert discover_files(tmp_path, [], load_config(tmp_path)).files == ["tests/test_kept.py"]
    result = tg(tmp_path, "exits")
    assert (result.code, result.out) == (0, "All checks passed.\n")


def test_a_repository_inside_the_project_is_named_not_passed_over(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # git lists an untracked nested repository as `vendored/` and none of its files: its
    # tests were skipped without a word.
    git_init(tmp_path)
    write(tmp_path, {"pyproject.toml": '[project]\nname = "pkg"\n', "tests/test_ok.py": "",
                     "vendored/test_exit.py": "import sys\n\n\ndef test_a():\n    sys.exit(1)\n"})
    git_init(tmp_path / "vendored")
    result = tg(tmp_path, "exits")
    assert result.code == 0
    assert "vendored/: a git repository inside the project (not a submodule)" in result.err
    assert "name it as a path to check it" in result.err
    named = tg(tmp_path, "exits", "vendored")
    assert named.code == 1 and named.out.startswith("vendored/test_exit.py:5:5: TG302")


def test_a_symlinked_directory_given_by_name_is_walked(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # `testguard check tests_link` checked nothing and passed: the link was taken for a file,
    # which no test glob matched.
    write(tmp_path, {"pyproject.toml": '[project]\nname = "pkg"\n',
                     "real/test_exit.py": "import sys\n\n\ndef test_a():\n    sys.exit(1)\n"})
    (tmp_path / "tests").symlink_to("real")
    (tmp_path / "broken").symlink_to("nowhere")
    found = discover_files(tmp_path, ["tests", "broken"], load_config(tmp_path))
    assert found.files == ["tests/test_exit.py", "broken"]
    result = tg(tmp_path, "exits", "tests/")
    assert result.code == 1 and result.out.startswith("tests/test_exit.py:5:5: TG302 ")


@pytest.mark.parametrize(
    ("tests", "directory", "may_hold"),
    [
        (["tests/**"], "tests/secret", True),
        (["tests/**"], "tests", True),
        (["tests/**"], "pgdata", False),
        (["src/*/tests/**"], "src", True),
        (["src/*/tests/**"], "src/pkg/tests", True),
        (["src/*/tests/**"], "docs", False),
        (["**/test_*.py"], "anything/below", True),
        (["conftest.py"], "deep/dir", True),
        (["/spec/check_*.py"], "spec", True),
        (["/spec/check_*.py"], "other", False),
    ],
)
def test_which_directories_may_hold_test_files(
    tmp_path: Path, tests: list[str], directory: str, may_hold: bool
) -> None:
    config = load_config(tmp_path)
    config.tests = tests
    assert core_project.TestFileMatcher(tmp_path, config).may_hold_tests(directory) is may_hold


def _make_venv(where: Path) -> Path:
    venv.EnvBuilder(with_pip=False, symlinks=True).create(where)
    return where / "bin" / "python"


def test_interpreter_order_config_then_virtual_env_then_dot_venv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    project = tmp_path / "project"
    project.mkdir()
    dot_venv = _make_venv(project / ".venv")
    other = _make_venv(tmp_path / "other-env")
    config = load_config(project)
    assert find_interpreter(project, config) == dot_venv

    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "other-env"))
    assert find_interpreter(project, config) == other

    (project / "pyproject.toml").write_text("[tool.testguard]\npython = 'other/bin/python'\n")
    with pytest.raises(UsageError, match="does not exist"):
        find_interpreter(project, load_config(project))
    (project / "pyproject.toml").write_text(f"[tool.testguard]\npython = '{tmp_path / 'other-env'}'\n")
    assert find_interpreter(project, load_config(project)) == other
    (project / "pyproject.toml").write_text("[tool.testguard]\npython = 'no-such-python-anywhere'\n")
    with pytest.raises(UsageError, match="not on PATH"):
        find_interpreter(project, load_config(project))


def test_interpreter_falls_back_to_python3_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    found = find_interpreter(tmp_path, load_config(tmp_path))
    assert found.is_file() and os.access(found, os.X_OK)
    assert found.name.startswith("python")
    assert sys.executable  # the fallback of last resort exists


CUSTOM_RULE = """\
id: no-time-sleep
language: python
message: time.sleep in tests makes them slow and flaky; wait on a condition
severity: error
metadata:
  code: ACME001
rule:
  pattern: time.sleep($$$)
---
id: no-print
language: python
message: print in production code
severity: warning
files: ["src/**"]
rule:
  pattern: print($$$)
"""


def test_custom_ast_grep_rules_are_reported_under_their_codes(tmp_path: Path, tg: Callable[..., Run]) -> None:
    write(tmp_path, {
        "pyproject.toml": "[tool.testguard]\nrules = ['ci/testguard/*.yml']\n",
        "ci/testguard/bans.yml": CUSTOM_RULE,
        "tests/test_a.py": "import time\n\ndef test_a():\n    time.sleep(1)\n    print('x')\n",
        "src/app.py": "print('hello')\n",
    })
    run = tg(tmp_path, "check", "--format", "json")
    got = sorted((f["path"], f["line"], f["code"], f["severity"]) for f in run.json()["findings"])
    # no-print's `files` select production code: src/app.py, not the test
    assert got == [("src/app.py", 1, "no-print", "warning"), ("tests/test_a.py", 4, "ACME001", "error")]
    assert run.code == 1


@pytest.mark.parametrize(
    ("rule_text", "message"),
    [
        ("id: x\nrule: [\n", "is not valid YAML"),
        ("language: python\nrule: {pattern: f()}\n", "rule has no 'id'"),
        ("id: x\nlanguage: rust\nrule: {pattern: f()}\n", "only python is supported"),
        ("id: x\nrule: {kind: no_such_kind}\n", "is not a valid ast-grep rule"),
    ],
)
def test_broken_custom_rules_exit_2_with_the_file_named(
    tmp_path: Path, tg: Callable[..., Run], rule_text: str, message: str
) -> None:
    write(tmp_path, {
        "pyproject.toml": "[tool.testguard]\nrules = ['bans/*.yml']\n",
        "bans/bad.yml": rule_text,
        "tests/test_a.py": "x = 1\n",
    })
    run = tg(tmp_path, "check")
    assert run.code == 2
    assert "bans/bad.yml" in run.err and message in run.err


def test_rules_glob_that_matches_nothing(tmp_path: Path, tg: Callable[..., Run]) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.testguard]\nrules = ['nothing/*.yml']\n", "tests/test_a.py": ""})
    run = tg(tmp_path, "check")
    assert run.code == 2 and "matches no file" in run.err


def test_configured_interpreter_that_is_not_executable(tmp_path: Path, tg: Callable[..., Run]) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.testguard]\npython = 'notpy'\n", "notpy": "not python\n", "pkg/__init__.py": ""})
    for check in ("imports", "mypy", "collect"):
        run = tg(tmp_path, check)
        assert run.code == 2
        assert "notpy" in run.err and "is not executable" in run.err and "Traceback" not in run.err
