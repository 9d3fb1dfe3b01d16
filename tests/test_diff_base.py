"""``--diff-base REF``: only findings on lines changed since the merge-base (real git repos)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from testguard.core.findings import UsageError
from testguard.core.gitdiff import changed_lines

from conftest import git

Run = Callable[..., tuple[int, str, str]]

LEGACY = """\
import sys


def test_one():
    sys.exit(1)


def test_two():
    sys.exit(2)
"""


def write(repo: Path, name: str, text: str) -> None:
    target = repo / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def make_repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write(root, "pyproject.toml", '[project]\nname = "demo"\n\n[tool.testguard]\nchecks = ["exits"]\n')
    write(root, ".gitignore", ".testguard_cache/\nignored_*.py\n")
    for name, text in files.items():
        write(root, name, text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


def locations(out: str) -> list[str]:
    return [line.split(": ")[0] for line in out.splitlines() if ": TG" in line]


@pytest.fixture
def feature(tmp_path: Path) -> Path:
    """main holds the legacy test file; the branch ``feature`` is checked out on top."""
    repo = make_repo(tmp_path / "proj", {"tests/test_legacy.py": LEGACY})
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


def test_only_changed_lines_are_reported(feature: Path, run: Run) -> None:
    code, out, _ = run(feature, "exits")
    assert code == 1 and len(locations(out)) == 2

    write(feature, "tests/test_legacy.py", LEGACY + "\n\ndef test_three():\n    sys.exit(3)\n")
    git(feature, "commit", "-qam", "add a test")
    code, out, _ = run(feature, "exits", "--diff-base", "main")
    assert code == 1
    assert locations(out) == ["tests/test_legacy.py:13:5"]

    code, out, _ = run(feature, "exits", "--diff-base", "main", "--format", "json")
    findings = json.loads(out)["findings"]
    assert [f["line"] for f in findings] == [13]
    assert findings[0]["details"]["changed"] is True


def test_nothing_changed_is_clean(feature: Path, run: Run) -> None:
    code, out, _ = run(feature, "exits", "--diff-base", "main")
    assert code == 0 and locations(out) == []


def test_a_modified_line_counts_and_a_line_next_to_a_deletion_does_not(feature: Path, run: Run) -> None:
    text = LEGACY.replace("sys.exit(1)", "sys.exit(10)").replace("\n\ndef test_two", "\ndef test_two")
    write(feature, "tests/test_legacy.py", text)
    git(feature, "commit", "-qam", "edit")
    code, out, _ = run(feature, "exits", "--diff-base", "main")
    assert code == 1 and locations(out) == ["tests/test_legacy.py:5:5"]


def test_uncommitted_and_staged_changes_count(feature: Path, run: Run) -> None:
    write(feature, "tests/test_legacy.py", LEGACY.replace("sys.exit(2)", "sys.exit(22)"))
    code, out, _ = run(feature, "exits", "--diff-base", "main")
    assert locations(out) == ["tests/test_legacy.py:9:5"]  # unstaged
    git(feature, "add", "-A")
    code, out, _ = run(feature, "exits", "--diff-base", "main")
    assert code == 1 and locations(out) == ["tests/test_legacy.py:9:5"]  # staged


def test_new_files_are_reported_whole(feature: Path, run: Run) -> None:
    write(feature, "tests/test_committed.py", LEGACY)
    git(feature, "add", "-A")
    git(feature, "commit", "-qm", "new file")
    write(feature, "tests/test_untracked.py", LEGACY)
    write(feature, "tests/ignored_test.py", LEGACY)  # .gitignore'd: not part of the change
    code, out, _ = run(feature, "exits", "--diff-base", "main")
    assert code == 1
    assert sorted(locations(out)) == [
        "tests/test_committed.py:5:5", "tests/test_committed.py:9:5",
        "tests/test_untracked.py:5:5", "tests/test_untracked.py:9:5",
    ]


def test_renames_are_followed(feature: Path, run: Run) -> None:
    git(feature, "mv", "tests/test_legacy.py", "tests/test_renamed.py")
    write(feature, "tests/test_renamed.py", LEGACY + "\n\ndef test_three():\n    sys.exit(3)\n")
    git(feature, "commit", "-qam", "rename and add a test")
    code, out, _ = run(feature, "exits", "--diff-base", "main")
    assert code == 1
    assert locations(out) == ["tests/test_renamed.py:13:5"]

    changed = changed_lines(feature, "main")
    assert changed.lines("tests/test_renamed.py") == {10, 11, 12, 13}
    assert "tests/test_legacy.py" not in changed.files


def test_merge_base_not_the_tip_of_ref(feature: Path, run: Run) -> None:
    """Changes made on main after the branch point are not the branch's changes."""
    git(feature, "checkout", "-q", "main")
    write(feature, "tests/test_main_only.py", LEGACY)
    git(feature, "add", "-A")
    git(feature, "commit", "-qm", "main moves on")
    git(feature, "checkout", "-q", "feature")
    write(feature, "tests/test_legacy.py", "import sys\n" + LEGACY)
    git(feature, "commit", "-qam", "feature")
    changed = changed_lines(feature, "main")
    assert changed.files == {"tests/test_legacy.py"}
    assert len(changed.lines("tests/test_legacy.py") or ()) == 1  # one inserted import line
    code, out, _ = run(feature, "exits", "--diff-base", "main")
    assert code == 0 and locations(out) == []


def test_changed_lines_api(feature: Path) -> None:
    write(feature, "notes.txt", "one\n")
    git(feature, "add", "-A")
    git(feature, "commit", "-qm", "notes")
    git(feature, "checkout", "-q", "-b", "work")
    # An added line that reads like a diff header must not be taken for one.
    write(feature, "notes.txt", "one\n++ b/evil.py\n--- a/x\n")
    write(feature, "fresh.py", "x = 1\n")
    changed = changed_lines(feature, "feature")
    assert changed.files == {"notes.txt", "fresh.py"}
    assert changed.lines("notes.txt") == {2, 3}
    assert changed.lines("fresh.py") is None
    assert changed.lines("tests/test_legacy.py") == set()
    assert changed.covers("notes.txt", 1, 2) and not changed.covers("notes.txt", 1, 1)
    assert changed.covers("fresh.py", 40, 40)
    assert not changed.covers("evil.py", 1, 1)


def test_path_with_spaces_and_unicode(feature: Path, run: Run) -> None:
    name = "tests/test_ünï cödé.py"
    write(feature, name, LEGACY)
    git(feature, "add", "-A")
    git(feature, "commit", "-qm", "odd name")
    write(feature, name, LEGACY.replace("sys.exit(2)", "sys.exit(4)"))
    changed = changed_lines(feature, "feature")
    assert changed.lines(name) == {9}
    odd = 'data/we"ird\tname.txt'
    write(feature, odd, "x\n")
    changed = changed_lines(feature, "main")
    assert changed.lines(name) is None
    assert changed.lines(odd) is None  # untracked
    git(feature, "add", "-A")
    assert changed_lines(feature, "main").lines(odd) is None  # staged: git quotes the name


def test_project_in_a_subdirectory_of_the_repo(tmp_path: Path, run: Run) -> None:
    repo = tmp_path / "mono"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo, "svc/pyproject.toml", '[project]\nname = "svc"\n\n[tool.testguard]\nchecks = ["exits"]\n')
    write(repo, "svc/tests/test_a.py", LEGACY)
    write(repo, "other/tests/test_b.py", LEGACY)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    write(repo, "svc/tests/test_a.py", LEGACY.replace("sys.exit(1)", "sys.exit(11)"))
    write(repo, "other/tests/test_b.py", LEGACY.replace("sys.exit(1)", "sys.exit(11)"))
    code, out, _ = run(repo / "svc", "exits", "--diff-base", "HEAD")
    assert code == 1 and locations(out) == ["tests/test_a.py:5:5"]


def test_with_a_baseline_only_new_changed_findings_block(feature: Path, run: Run) -> None:
    assert run(feature, "baseline")[0] == 0
    write(feature, "tests/test_legacy.py", LEGACY + "\n\ndef test_three():\n    sys.exit(3)\n")
    code, out, _ = run(feature, "exits", "--diff-base", "main")
    assert code == 1 and locations(out) == ["tests/test_legacy.py:13:5"]


def test_unknown_ref_says_to_fetch_it(feature: Path, run: Run) -> None:
    code, out, err = run(feature, "exits", "--diff-base", "origin/nope")
    assert code == 2 and out == ""
    assert "--diff-base origin/nope: unknown revision" in err
    assert "git fetch origin nope" in err and "fetch-depth: 0" in err


def test_not_a_git_repository(tmp_path: Path, run: Run) -> None:
    plain = tmp_path / "plain"
    write(plain, "pyproject.toml", '[project]\nname = "x"\n\n[tool.testguard]\nchecks = ["exits"]\n')
    write(plain, "tests/test_a.py", LEGACY)
    # Keep git from finding a repository above tmp_path.
    (plain / ".git").write_text("gitdir: /nonexistent\n")
    code, _, err = run(plain, "exits", "--diff-base", "main")
    assert code == 2 and "not inside a git work tree" in err


def test_shallow_clone_without_a_merge_base(tmp_path: Path, run: Run) -> None:
    origin = make_repo(tmp_path / "origin", {"tests/test_legacy.py": LEGACY})
    write(origin, "tests/test_main.py", "def test_ok():\n    pass\n")
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "main moves on")
    git(origin, "checkout", "-q", "-b", "feature", "HEAD~1")
    write(origin, "tests/test_feature.py", LEGACY)
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "feature work")

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", origin.as_uri(), str(clone))
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"

    code, _, err = run(clone, "exits", "--diff-base", "origin/main")
    assert code == 2
    assert "unknown revision" in err and "git fetch --unshallow" in err

    git(clone, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    code, _, err = run(clone, "exits", "--diff-base", "origin/main")
    assert code == 2
    assert "no merge-base" in err and "shallow" in err
    assert "git fetch --unshallow" in err and "fetch-depth: 0" in err

    git(clone, "fetch", "-q", "--unshallow", "origin", "main:refs/remotes/origin/main")
    code, out, _ = run(clone, "exits", "--diff-base", "origin/main")
    assert code == 1
    assert sorted(locations(out)) == ["tests/test_feature.py:5:5", "tests/test_feature.py:9:5"]


def test_unrelated_histories(feature: Path) -> None:
    git(feature, "checkout", "-q", "--orphan", "island")
    git(feature, "commit", "-qm", "island", "--allow-empty")
    with pytest.raises(UsageError, match="no common ancestor"):
        changed_lines(feature, "main")


PATCHED_TEST = '@mock.patch("pkg.mod.f")\ndef test_{name}(f):\n    pass\n'
PATCHED = "from unittest import mock\n\n\n" + "\n\n".join(
    PATCHED_TEST.format(name=n) for n in ("a", "b", "c")
)


def test_a_new_copy_of_baselined_lines_fails_the_gate(tmp_path: Path, run: Run) -> None:
    """Issue 11: a fourth identical patch above three baselined ones passed as baselined."""
    repo = make_repo(tmp_path / "proj", {"tests/test_x.py": PATCHED, "pkg/__init__.py": "", "pkg/mod.py": "def f():\n    return 1\n"})
    write(repo, "pyproject.toml", '[project]\nname = "demo"\n\n[tool.testguard]\nchecks = ["mocks"]\npackages = ["pkg"]\n')
    assert run(repo, "baseline")[0] == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline")
    before = git(repo, "rev-parse", "HEAD").strip()
    write(repo, "tests/test_x.py", PATCHED.replace("\n\n\n", "\n\n\n" + PATCHED_TEST.format(name="new") + "\n\n", 1))
    git(repo, "commit", "-qam", "one more patch")

    code, out, _ = run(repo, "mocks", "--diff-base", before)
    assert code == 1
    assert locations(out) == ["tests/test_x.py:4:2"]
    assert "Found 1 error." in out


def test_the_new_copy_is_the_one_git_sees_changed(feature: Path, run: Run) -> None:
    """The baseline's line map and git's diff from the merge-base can disagree on which of
    two identical lines is the added one: the gate reports the one git shows changed."""
    recorded = "import sys\n\n\ndef test_one():\n    x = 0\n    sys.exit(1)\n    y = 1\n"
    write(feature, "tests/test_legacy.py", recorded)
    assert run(feature, "baseline")[0] == 0
    git(feature, "add", "-A")
    git(feature, "commit", "-qm", "baseline")
    moved = "import sys\n\n\ndef test_one():\n    sys.exit(1)\n    x = 0\n    y = 1\n"
    write(feature, "tests/test_legacy.py", moved)  # a move: still baselined
    git(feature, "commit", "-qam", "move")
    assert run(feature, "exits")[0] == 0
    base = git(feature, "rev-parse", "HEAD").strip()
    # Against the recorded content, the copy at line 5 is the added one; against the
    # merge-base, git shows line 7 added.
    write(feature, "tests/test_legacy.py", moved.replace("    x = 0\n", "    x = 0\n    sys.exit(1)\n"))
    code, out, _ = run(feature, "exits")
    assert code == 1 and "(1 new, 1 baselined)" in out
    assert locations(out) == ["tests/test_legacy.py:5:5"]
    code, out, _ = run(feature, "exits", "--diff-base", base)
    assert code == 1 and locations(out) == ["tests/test_legacy.py:7:5"]


def repo_of_another_user(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A legacy repository owned by another user, with no global or system git config that
    would mark it safe: git refuses it as of "dubious ownership"."""
    import os

    if os.geteuid() != 0:
        pytest.skip("making a repository owned by another user needs root (chown)")
    repo = make_repo(tmp_path / name, {"tests/test_legacy.py": LEGACY})
    for path in [repo, *repo.rglob("*")]:
        os.lchown(path, 54321, 54321)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    return repo


def test_a_repository_git_refuses_is_said_with_gits_fix(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkout owned by another user: git's "dubious ownership" and its safe.directory fix."""
    repo = repo_of_another_user(tmp_path, "theirs", monkeypatch)
    code, out, err = run(repo, "exits", "--diff-base", "main")
    assert code == 2 and out == ""
    assert "not inside a git work tree" not in err
    assert "dubious ownership" in err
    assert f"git config --global --add safe.directory {repo}" in err
    assert len([line for line in err.splitlines() if line.startswith("testguard: error:")]) == 1
    # without --diff-base the run goes on, and says why .gitignore is not honoured
    code, out, err = run(repo, "exits")
    assert code == 1 and "tests/test_legacy.py:5:5: TG302" in out
    assert "git refused to list the project's files" in err and "safe.directory" in err
    # a baseline is still written, and the warning says what it lacks
    code, _, err = run(repo, "baseline")
    assert code == 0 and "git refused to record the files' contents for the baseline" in err


def test_a_repository_with_no_commit_says_so_not_to_fetch(tmp_path: Path, run: Run) -> None:
    repo = tmp_path / "fresh"
    write(repo, "pyproject.toml", '[project]\nname = "x"\n\n[tool.testguard]\nchecks = ["exits"]\n')
    write(repo, "tests/test_a.py", LEGACY)
    git(repo, "init", "-q", "-b", "main")
    code, out, err = run(repo, "exits", "--diff-base", "main")
    assert code == 2 and out == ""
    assert "HEAD has no commit yet; commit something first" in err
    assert "fetch" not in err


def test_gits_refusal_quoting_the_path_never_becomes_a_workflow_command(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_of_another_user(tmp_path, "theirs ##[error]pwned", monkeypatch)
    for args in (("exits", "--format", "github"), ("exits", "--diff-base", "main"), ("baseline",)):
        _, _, err = run(repo, *args)
        assert "dubious ownership" in err and "pwned" in err
        assert "##[" not in err, err
