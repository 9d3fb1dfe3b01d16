"""Hostile input to the static pipeline: files that do not parse, a cache fooled by mtimes,
directories that cannot be read.  Each must be a finding or a clear message, never a pass."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import Run, git, git_init, run_testguard, try_repo, write
from conftest import testguard_env as _testguard_env  # not a test, despite its name

BROKEN = {
    "unclosed": "def test_a(:\n    pass\n",
    # tree-sitter's Python grammar still parses the Python 2 print statement; CPython does not.
    "python2": 'def test_a():\n    print "hello"\n',
    "dedent": "def test_a():\n        x = 1\n    y = 2\n",
    "return-outside": "x = 1\nreturn x\n",
}


@pytest.mark.parametrize("command", ["mocks", "exits", "fallbacks", "check"])
@pytest.mark.parametrize("broken", sorted(BROKEN))
def test_a_given_test_file_that_does_not_parse_is_tg001_from_every_static_check(
    tmp_path: Path, tg: Callable[..., Run], command: str, broken: str
) -> None:
    write(tmp_path, {
        "pyproject.toml": "[project]\nname = 'shop'\n",
        "tests/test_broken.py": BROKEN[broken],
        "tests/test_fine.py": "def test_ok():\n    assert True\n",
    })
    run = tg(tmp_path, command, "--format", "json", "tests/test_broken.py", "tests/test_fine.py")
    assert run.code == 1, run.out + run.err
    findings = run.json()["findings"]
    assert [(f["path"], f["code"]) for f in findings] == [("tests/test_broken.py", "TG001")]
    assert findings[0]["message"].startswith("syntax error: ")


def test_given_files_are_compiled_even_when_the_cache_of_a_project_scan_has_them(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    files: dict[str, str | bytes] = {
        f"tests/test_{i:02}.py": f"def test_{i}():\n    assert {i} == {i}\n" for i in range(40)
    }
    files["pyproject.toml"] = "[project]\nname = 'shop'\n"
    files["tests/test_broken.py"] = BROKEN["python2"]
    write(tmp_path, files)
    tg(tmp_path, "exits")  # fills the cache; a project scan only parses files a rule can match
    given = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "tests").glob("test_*.py"))
    assert len(given) > 32  # past the size where a run with given files uses the cache
    run = tg(tmp_path, "exits", "--format", "json", *given)
    assert run.code == 1, run.out + run.err
    assert [(f["path"], f["code"]) for f in run.json()["findings"]] == [("tests/test_broken.py", "TG001")]
    again = tg(tmp_path, "exits", "--format", "json", *given)  # now from the cache
    assert again.json()["findings"] == run.json()["findings"]


@pytest.mark.parametrize("command", ["exits", "check", "run"])
def test_a_test_file_broken_since_the_diff_base_is_tg001_in_a_project_scan(
    tmp_path: Path, tg: Callable[..., Run], command: str
) -> None:
    git_init(tmp_path)
    write(tmp_path, {
        "pyproject.toml": "[project]\nname = 'shop'\n",
        "tests/test_cart.py": "def test_total():\n    assert 1 + 1 == 2\n",
    })
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "initial")
    git(tmp_path, "checkout", "-qb", "feature")
    write(tmp_path, {
        "tests/test_cart.py": "def test_total():\n    print 1 + 1\n",
        "tests/test_new.py": "def test_new(:\n    pass\n",
    })
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "break two test files")
    run = tg(tmp_path, command, "--format", "json", "--diff-base", "main")
    assert run.code == 1, run.out + run.err
    got = sorted((f["path"], f["line"], f["code"]) for f in run.json()["findings"])
    assert got == [("tests/test_cart.py", 2, "TG001"), ("tests/test_new.py", 1, "TG001")]


def test_a_changed_file_that_no_longer_parses_is_tg001_wherever_the_error_points(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    # The change is on line 3; CPython reports the unclosed bracket on line 2, which nobody touched.
    git_init(tmp_path)
    write(tmp_path, {
        "pyproject.toml": "[project]\nname = 'shop'\n",
        "tests/test_cart.py": "def test_total():\n    assert max(1,\n               2) == 2\n",
    })
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "initial")
    write(tmp_path, {"tests/test_cart.py": "def test_total():\n    assert max(1,\n               2 == 2\n"})
    run = tg(tmp_path, "exits", "--format", "json", "--diff-base", "HEAD")
    assert run.code == 1, run.out + run.err
    assert [(f["line"], f["code"]) for f in run.json()["findings"]] == [(2, "TG001")]


@pytest.mark.slow
def test_no_mocks_hook_fails_on_a_staged_test_file_that_does_not_parse(tmp_path: Path) -> None:
    git_init(tmp_path)
    write(tmp_path, {
        "pyproject.toml": "[project]\nname = 'shop'\n",
        "tests/test_cart.py": "def test_total():\n    assert 1 + 1 == 2\n",
    })
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "initial")
    (tmp_path / "tests" / "test_cart.py").write_text("def test_total(:\n    assert 1 + 1 == 2\n")
    git(tmp_path, "add", "tests/test_cart.py")
    failing = try_repo(tmp_path, "no-mocks")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "tests/test_cart.py:1:16: TG001 syntax error: " in failing.stdout
    assert "All checks passed." not in failing.stdout


def test_cache_sees_new_content_behind_an_unchanged_size_and_mtime(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    clean, dirty = "import sys\nsys.exot(1)\n", "import sys\nsys.exit(1)\n"
    assert len(clean) == len(dirty)
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'shop'\n", "tests/test_a.py": clean})
    target = tmp_path / "tests" / "test_a.py"
    before = os.stat(target)
    first = tg(tmp_path, "exits", "--format", "json")
    assert first.code == 0 and (tmp_path / ".testguard_cache").is_dir()

    target.write_text(dirty)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(target)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    second = tg(tmp_path, "exits", "--format", "json")
    assert second.code == 1, second.out
    assert [(f["line"], f["code"]) for f in second.json()["findings"]] == [(2, "TG301")]


def test_a_cache_dir_that_exists_gets_no_markers_that_would_hide_it(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    # The cache's `*` .gitignore and CACHEDIR.TAG (backup tools skip a tagged directory) go
    # only where testguard made the directory: `cache-dir = "."` must not hide the project.
    git_init(tmp_path)
    files = {f"tests/test_{n}.py": "def test_ok():\n    assert True\n" for n in range(40)}
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'shop'\n[tool.testguard]\ncache-dir = '.'\n", **files})
    assert tg(tmp_path, "exits").code == 0
    assert list(tmp_path.glob("static-*.json"))  # the cache was written, here
    assert not (tmp_path / ".gitignore").exists() and not (tmp_path / "CACHEDIR.TAG").exists()
    assert "tests/test_0.py" in git(tmp_path, "status", "--porcelain", "--untracked-files=all")
    # A directory it makes itself gets both.
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'shop'\n[tool.testguard]\ncache-dir = 'build/tg'\n")
    assert tg(tmp_path, "exits").code == 0
    assert (tmp_path / "build" / "tg" / ".gitignore").read_text().endswith("*\n")
    assert (tmp_path / "build" / "tg" / "CACHEDIR.TAG").is_file()


# Root reads every directory whatever its mode.  Dropping the two capabilities that let it
# (from the bounding set, so the exec'd interpreter never gets them) makes the mode count,
# while the interpreter, which lives in root's own home here, stays readable to its owner.
_SETPRIV = next((p for p in ("/usr/bin/setpriv", "/bin/setpriv") if os.path.exists(p)), None)
_NO_OVERRIDE = ["--bounding-set=-dac_override,-dac_read_search", "--"]


def _unprivileged(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    if _SETPRIV is None:
        pytest.skip("running as root without setpriv (util-linux): root reads any directory")
    return [_SETPRIV, *_NO_OVERRIDE, *command]


def run_unprivileged(cwd: Path, *args: str) -> Run:
    proc = subprocess.run(
        _unprivileged([sys.executable, "-m", "testguard", *args]),
        cwd=cwd, capture_output=True, text=True, env=_testguard_env(), timeout=600, check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Callable[[str], None]]:
    """Makes a directory unreadable (mode 000) and proves the test's processes cannot read it."""
    made: list[Path] = []

    def lock(relative: str) -> None:
        directory = tmp_path / relative
        directory.chmod(0)
        made.append(directory)
        probe = subprocess.run(
            _unprivileged([sys.executable, "-c", "import os, sys; os.listdir(sys.argv[1])", str(directory)]),
            capture_output=True, text=True, check=False,
        )
        if probe.returncode == 0 or "PermissionError" not in probe.stderr:
            pytest.skip(f"cannot make a directory unreadable here: {probe.stderr.strip() or 'it was read'}")

    yield lock
    for directory in made:
        directory.chmod(0o755)


UNREADABLE_PROJECT: dict[str, str | bytes] = {
    "pyproject.toml": "[project]\nname = 'shop'\n",
    "tests/test_ok.py": "def test_ok():\n    assert True\n",
    "tests/test_exit.py": "import sys\nsys.exit(1)\n",
    "tests/secret/test_hidden.py": "import sys\nsys.exit(1)\n",
}
UNREADABLE_MESSAGE = (
    "cannot read directory: Permission denied; the test files in it are not checked"
    " — make it readable, or add it to 'exclude' in [tool.testguard]"
)


@pytest.mark.parametrize("layout", ["git", "git-monorepo", "plain"])
def test_an_unreadable_directory_among_the_tests_is_tg001_and_the_rest_is_checked(
    tmp_path: Path, locked: Callable[[str], None], layout: str
) -> None:
    sub = "services/app/" if layout == "git-monorepo" else ""
    write(tmp_path, {sub + name: text for name, text in UNREADABLE_PROJECT.items()})
    if layout.startswith("git"):
        git_init(tmp_path)
        git(tmp_path, "add", sub + "pyproject.toml", sub + "tests/test_ok.py")  # the rest is untracked
    locked(sub + "tests/secret")
    run = run_unprivileged(tmp_path / sub, "exits", "--format", "json")
    assert run.code == 1, run.err
    got = [(f["path"], f["code"], f["message"]) for f in run.json()["findings"]]
    assert ("tests/secret", "TG001", UNREADABLE_MESSAGE) in got
    assert ("tests/test_exit.py", "TG301") in [(p, c) for p, c, _ in got]


def test_unreadable_paths_given_on_the_command_line(tmp_path: Path, locked: Callable[[str], None]) -> None:
    write(tmp_path, UNREADABLE_PROJECT)
    locked("tests/secret")
    run = run_unprivileged(tmp_path, "exits", "--format", "json", "tests", "tests/secret/test_hidden.py")
    assert run.code == 1 and "internal error" not in run.err, run.err
    got = {f["path"]: f["message"] for f in run.json()["findings"] if f["code"] == "TG001"}
    assert got == {
        "tests/secret": UNREADABLE_MESSAGE,
        "tests/secret/test_hidden.py": "cannot read file: Permission denied; not checked",
    }


def test_an_unreadable_directory_that_cannot_hold_tests_or_is_excluded_is_no_finding(
    tmp_path: Path, locked: Callable[[str], None]
) -> None:
    write(tmp_path, {
        "pyproject.toml": "[project]\nname = 'shop'\n[tool.testguard]\ntests = ['tests/**']\nexclude = ['tests/private']\n",
        "tests/test_ok.py": "def test_ok():\n    assert True\n",
        "pgdata/base/x.py": "",
        "tests/private/test_p.py": "",
    })
    locked("pgdata")
    locked("tests/private")
    run = run_unprivileged(tmp_path, "exits")
    assert (run.code, run.out) == (0, "All checks passed.\n"), run.out + run.err


def _cached_exits(tmp_path: Path, tg: Callable[..., Run], count: int) -> tuple[list[Any], Path, Any]:
    """``count`` test files with one exit each, run once: their findings, the cache file
    that run wrote, and its parsed content."""
    write(tmp_path, {
        "pyproject.toml": "[project]\nname = 'shop'\n",
        **{f"tests/test_{name}.py": f"import sys\nsys.exit({n})\n" for n, name in enumerate("abc"[:count], 1)},
    })
    expected = tg(tmp_path, "exits", "--format", "json").json()["findings"]
    assert len(expected) == count
    (cache_file,) = (tmp_path / ".testguard_cache").glob("static-*.json")
    return expected, cache_file, json.loads(cache_file.read_text())


def test_a_malformed_or_deeply_nested_cache_is_ignored(tmp_path: Path, tg: Callable[..., Run]) -> None:
    expected, cache_file, data = _cached_exits(tmp_path, tg, 2)
    data["files"]["tests/test_a.py"]["results"] = [{"no": "keys"}]
    data["files"]["tests/test_b.py"]["results"] = [{**expected[1], "severity": "fatal"}]
    cache_file.write_text(json.dumps(data))
    again = tg(tmp_path, "exits", "--format", "json")
    assert "internal error" not in again.err and again.json()["findings"] == expected

    cache_file.write_text("[" * 100_000 + "]" * 100_000)
    deep = tg(tmp_path, "exits", "--format", "json")
    assert "internal error" not in deep.err and deep.json()["findings"] == expected


def test_a_cache_entry_with_fields_of_the_wrong_type_is_scanned_again(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    # Valid JSON of this machine's cache, damaged inside: a finding whose path is a number,
    # whose line is text, or that belongs to another file is not a result of that file.
    expected, cache_file, data = _cached_exits(tmp_path, tg, 3)
    files = data["files"]
    files["tests/test_a.py"]["results"][0]["path"] = 1
    files["tests/test_b.py"]["results"][0]["line"] = "2"
    files["tests/test_c.py"]["results"][0]["path"] = "tests/test_other.py"
    cache_file.write_text(json.dumps(data))
    again = tg(tmp_path, "exits", "--format", "json")
    assert "internal error" not in again.err
    assert again.json()["findings"] == expected


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_a_named_pipe_among_the_tests_is_tg001_not_a_hang(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'shop'\n", "tests/test_ok.py": "x = 1\n"})
    os.mkfifo(tmp_path / "tests" / "test_pipe.py")
    run = run_testguard(tmp_path, "exits", "--format", "json", "tests/test_pipe.py", "tests/test_ok.py", timeout=120)
    assert run.code == 1, run.err
    assert [(f["path"], f["message"]) for f in run.json()["findings"]] == [
        ("tests/test_pipe.py", "not a regular file; not checked")
    ]


def test_a_cache_written_elsewhere_is_never_trusted(
    tmp_path: Path, tg: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pull request can commit .testguard_cache/ with every result emptied; the CI
    # machine must scan the files rather than believe it.
    import json

    project = tmp_path / "project"
    write(project, {"pyproject.toml": "[project]\nname = 'shop'\n", "tests/test_a.py": "import sys\nsys.exit(1)\n"})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "author-machine"))
    assert tg(project, "exits").code == 1
    (cache_file,) = (project / ".testguard_cache").glob("static-*.json")
    forged = json.loads(cache_file.read_text())
    forged["files"]["tests/test_a.py"]["results"] = []
    cache_file.write_text(json.dumps(forged))
    assert tg(project, "exits").code == 0  # the author's own machine trusts its own cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "ci-machine"))
    again = tg(project, "exits", "--format", "json")
    assert again.code == 1 and [f["code"] for f in again.json()["findings"]] == ["TG301"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"# coding: rot13\nvzcbeg flf\n", "'rot13' in coding cookie is not a text encoding; not checked"),
        (b"# -*- coding: hex -*-\nimport sys\n", "'hex' in coding cookie is not a text encoding; not checked"),
        (b"\xef\xbb\xbf# -*- coding: latin-1 -*-\nimport sys\nsys.exit(1)\n",
         "a UTF-8 byte order mark with a coding cookie for 'latin-1' (CPython refuses the file); not checked"
         " — remove one of them"),
    ],
    ids=["rot13", "hex", "bom-and-latin-1"],
)
@pytest.mark.parametrize("given", [True, False], ids=["given", "project"])
def test_a_coding_cookie_cpython_refuses_is_tg001_and_the_rest_is_checked(
    tmp_path: Path, tg: Callable[..., Run], content: bytes, expected: str, given: bool
) -> None:
    """A codec that is no text encoding ended the run with an internal error (LookupError);
    a BOM with a latin-1 cookie was read as UTF-8, though CPython will not import it."""
    write(tmp_path, {
        "pyproject.toml": "[project]\nname = 'shop'\n",
        "tests/test_coded.py": content,
        "tests/test_exit.py": "import sys\nsys.exit(1)\n",
    })
    with pytest.raises(SyntaxError):
        compile(content, "test_coded.py", "exec")
    paths = ["tests/test_coded.py", "tests/test_exit.py"] if given else []
    run = tg(tmp_path, "check", "--format", "json", *paths)
    assert run.code == 1 and "internal error" not in run.err, run.err
    got = {f["path"]: (f["code"], f["message"]) for f in run.json()["findings"]}
    assert got == {"tests/test_coded.py": ("TG001", expected), "tests/test_exit.py": ("TG301", got["tests/test_exit.py"][1])}


def test_source_nested_too_deeply_says_why_it_cannot_be_parsed(tmp_path: Path, tg: Callable[..., Run]) -> None:
    """CPython 3.11 gives up on ``----...1`` with a bare MemoryError: the finding said
    "cannot parse: ; not checked"."""
    source = "import sys\nx = " + "-" * 100_000 + "1\n"
    try:
        compile(source, "test_deep.py", "exec")
    except MemoryError as exc:
        if str(exc):
            pytest.skip(f"this CPython says why: {exc}")
    else:
        pytest.skip("this CPython parses it")
    write(tmp_path, {"pyproject.toml": "[project]\nname = 'shop'\n", "tests/test_deep.py": source})
    run = tg(tmp_path, "check", "--format", "json", "tests/test_deep.py")
    assert run.code == 1, run.err
    assert [(f["code"], f["message"]) for f in run.json()["findings"]] == [
        ("TG001", "cannot parse: CPython's parser gave up (MemoryError): nested too deeply; not checked")
    ]
