"""Properties of baseline matching (hypothesis; a real git repository, the in-process CLI).

Files hold repeated offending lines (``sys.exit(1)`` in a test) among repeated
harmless ones.  After the baseline is recorded and committed:

- a new copy inserted anywhere is exactly one new finding, at the inserted line (or
  at an identical neighbour, which no diff can tell from it), and the ``--diff-base``
  gate on that change fails;
- deleting and moving old lines never makes a finding new;
- after such edits, ``baseline --prune`` (which keeps the entries' line numbers and
  blob as they were) still lets no new copy pass: one new finding, and the
  ``--diff-base`` gate fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Run, git, git_init

HEADER = ["import sys", "", "", "def test_it():", "    x = 0"]
EXIT = "    sys.exit(1)"
HARMLESS = ["    x += 1", "", "    # note", "    assert x >= 0"]
BASELINE = ".testguard-baseline.json"

bodies = st.lists(st.sampled_from([EXIT, *HARMLESS]), min_size=1, max_size=24)
edits = st.lists(
    st.tuples(st.sampled_from(["delete", "move", "add"]), st.integers(0, 99), st.integers(0, 99)),
    min_size=1,
    max_size=4,
)

SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("properties")
    git_init(root)
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.testguard]\nchecks = ["exits"]\n')
    (root / ".gitignore").write_text(".testguard_cache/\n")
    (root / "tests").mkdir()
    yield root


def write_test(repo: Path, lines: list[str]) -> None:
    (repo / "tests" / "test_p.py").write_text("\n".join(lines) + "\n")


def record(repo: Path, tg: Callable[..., Run], lines: list[str], *how: str) -> str:
    """Writes the file, records the baseline, commits both; returns the commit (HEAD,
    which the change made after it is compared with)."""
    if not how:
        (repo / BASELINE).unlink(missing_ok=True)
    write_test(repo, lines)
    result = tg(repo, "baseline", "--no-cache", *how)
    assert result.code == 0, result.err
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline", "--allow-empty")
    return "HEAD"


def new_findings(repo: Path, tg: Callable[..., Run], *args: str) -> tuple[int, list[int]]:
    result = tg(repo, "exits", "--no-cache", "--format", "json", *args)
    assert result.code in (0, 1), result.err
    lines = [f["line"] for f in json.loads(result.out)["findings"] if f["status"] == "new"]
    return result.code, lines


def edited(lines: list[str], steps: list[tuple[str, int, int]]) -> list[str]:
    """Deletes, moves and adds harmless lines in the body (the header stays)."""
    head, body = lines[: len(HEADER)], list(lines[len(HEADER) :])
    for what, a, b in steps:
        if what == "add":
            body.insert(a % (len(body) + 1), HARMLESS[b % len(HARMLESS)])
        elif body:
            line = body.pop(a % len(body))
            if what == "move":
                body.insert(b % (len(body) + 1), line)
    return head + body


def assert_one_new_copy(
    repo: Path, tg: Callable[..., Run], old: list[str], before: str, where: int, exactly_there: bool = True
) -> None:
    """Inserts a copy of the offending line into the body; checks the properties."""
    at = len(HEADER) + where % (len(old) - len(HEADER) + 1)
    new = old[:at] + [EXIT] + old[at:]
    write_test(repo, new)

    code, lines = new_findings(repo, tg)
    assert code == 1 and len(lines) == 1, (lines, at + 1)
    reported = lines[0]
    if exactly_there:
        # The inserted line, or an identical neighbour: removing it gives the old file back.
        low, high = sorted((reported, at + 1))
        assert all(line == EXIT for line in new[low - 1 : high])
        assert new[: reported - 1] + new[reported:] == old

    code, lines = new_findings(repo, tg, "--diff-base", before)
    assert code == 1 and len(lines) == 1


@pytest.mark.slow
@SETTINGS
@given(body=bodies, where=st.integers(0, 99))
def test_an_inserted_copy_is_exactly_one_new_finding(repo: Path, tg: Callable[..., Run], body: list[str], where: int) -> None:
    old = HEADER + body
    before = record(repo, tg, old)
    assert_one_new_copy(repo, tg, old, before, where)


@pytest.mark.slow
@SETTINGS
@given(body=bodies, steps=edits)
def test_deleting_and_moving_old_lines_never_makes_a_finding_new(
    repo: Path, tg: Callable[..., Run], body: list[str], steps: list[tuple[str, int, int]]
) -> None:
    old = HEADER + body
    before = record(repo, tg, old)
    write_test(repo, edited(old, steps))
    assert new_findings(repo, tg) == (0, [])
    assert new_findings(repo, tg, "--diff-base", before) == (0, [])


@pytest.mark.slow
@settings(SETTINGS, max_examples=10)  # two records an example
@given(body=bodies, steps=edits, where=st.integers(0, 99))
def test_after_edits_and_prune_a_new_copy_is_still_new(
    repo: Path, tg: Callable[..., Run], body: list[str], steps: list[tuple[str, int, int]], where: int
) -> None:
    record(repo, tg, HEADER + body)
    moved = edited(HEADER + body, steps)
    before = record(repo, tg, moved, "--prune")  # line numbers stay those of the first version
    # Mapped from the first version, an identical line may be taken for the new one
    # (the count holds); --diff-base reports the one git shows added.
    assert_one_new_copy(repo, tg, moved, before, where, exactly_there=False)


def test_a_copy_above_an_entry_pruned_to_a_later_occurrence_is_the_only_new_one(
    repo: Path, tg: Callable[..., Run]
) -> None:
    """Found by the property above: pruning kept the entry of the third copy (occurrence
    2), and a copy added above it made both findings new (no entry of occurrence 0 sent
    the file to the line map)."""
    record(repo, tg, HEADER + [EXIT, EXIT, "    x += 1", EXIT])
    moved = HEADER + ["    x += 1", EXIT]
    before = record(repo, tg, moved, "--prune")
    assert_one_new_copy(repo, tg, moved, before, 0, exactly_there=False)
