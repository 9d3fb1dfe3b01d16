"""The baseline: adopt once, then only new findings fail (real git repos, the real CLI)."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from testguard.core.baseline import Baseline, LineReader, keyed, ratchet, render
from testguard.core.findings import CheckResult, Finding, Status

from conftest import git, run_testguard, sample

HOOKS = Path(__file__).resolve().parents[1] / "hooks"
BASELINE = ".testguard-baseline.json"

Run = Callable[..., tuple[int, str, str]]

TWO_EXITS = """\
import os
import sys


def test_one():
    sys.exit(1)


def test_two():
    os._exit(3)
"""


def make_repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    # Only the exit ban: the tests do not depend on which other checks are installed.
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.testguard]\nchecks = ["exits"]\n')
    (root / ".gitignore").write_text(".testguard_cache/\n")
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


def finding_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if ": TG" in line and " fixed: " not in line]


def fixed_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if " fixed: " in line]


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "proj", {"tests/test_legacy.py": TWO_EXITS, "tests/test_clean.py": "def test_ok():\n    assert True\n"})


def test_baseline_then_clean_run(legacy: Path, run: Run) -> None:
    code, out, _ = run(legacy, "exits")
    assert code == 1 and len(finding_lines(out)) == 2

    code, _, err = run(legacy, "baseline", "exits")
    assert code == 0
    assert f"Baseline {BASELINE}: 2 findings recorded (exits 2)." in err

    code, out, _ = run(legacy, "exits")
    assert code == 0
    assert finding_lines(out) == []
    assert "(0 new, 2 baselined)" in out


def test_file_format_is_sorted_one_entry_per_line(legacy: Path, run: Run) -> None:
    run(legacy, "baseline", "exits")
    text = (legacy / BASELINE).read_text()
    assert text.endswith("}\n")
    data = json.loads(text)
    assert data["version"] == 2 and data["tool"] == "testguard"
    assert [(e["code"], e["line_text"], e["line"]) for e in data["findings"]] == [
        ("TG302", "os._exit(3)", 10), ("TG302", "sys.exit(1)", 6)
    ]
    entry_lines = [line for line in text.splitlines() if line.strip().startswith('{"check"')]
    assert len(entry_lines) == 2
    # The line numbers refer to this content: git's blob of the file as recorded.
    blob = git(legacy, "rev-parse", "HEAD:tests/test_legacy.py").strip()
    assert data["files"] == {"exits": {"tests/test_legacy.py": blob}}
    assert f'      "tests/test_legacy.py": "{blob}"\n' in text  # one file a line
    # Recording twice gives the same bytes: stable for review.
    run(legacy, "baseline", "exits")
    assert (legacy / BASELINE).read_text() == text


def test_one_new_finding_fails_with_exactly_that_finding(legacy: Path, run: Run) -> None:
    run(legacy, "baseline", "exits")
    path = legacy / "tests/test_legacy.py"
    path.write_text(path.read_text() + "\n\ndef test_three():\n    raise SystemExit(2)\n")

    code, out, _ = run(legacy, "exits")
    assert code == 1
    lines = finding_lines(out)
    assert len(lines) == 1
    assert lines[0].startswith("tests/test_legacy.py:14:5: TG302 ")
    assert "(1 new, 2 baselined)" in out


def test_twenty_lines_inserted_at_the_top_keep_findings_baselined(legacy: Path, run: Run) -> None:
    run(legacy, "baseline", "exits")
    path = legacy / "tests/test_legacy.py"
    header = "".join(f"# line {i}\n" for i in range(20))
    path.write_text(header + path.read_text())

    code, out, _ = run(legacy, "exits")
    assert code == 0, out
    assert finding_lines(out) == [] and fixed_lines(out) == []
    assert "(0 new, 2 baselined)" in out


def test_fixed_finding_is_reported_and_prune_removes_only_it(legacy: Path, run: Run) -> None:
    (legacy / "tests/test_other.py").write_text("import sys\n\n\ndef test_x():\n    sys.exit(9)\n")
    run(legacy, "baseline", "exits")
    before = (legacy / BASELINE).read_text().splitlines()
    assert len([line for line in before if '"check"' in line]) == 3

    path = legacy / "tests/test_legacy.py"
    path.write_text(path.read_text().replace("    os._exit(3)", "    assert True"))
    code, out, _ = run(legacy, "exits")
    assert code == 0
    assert fixed_lines(out) == [
        "tests/test_legacy.py: TG302 fixed: os._exit(3) (run 'testguard baseline --prune')"
    ]

    code, _, err = run(legacy, "baseline", "--prune", "exits")
    assert code == 0
    assert "1 fixed entry removed" in err
    after = (legacy / BASELINE).read_text().splitlines()
    removed = [line for line in before if line not in after]
    assert len(removed) == 1 and '"os._exit(3)"' in removed[0]
    assert len(after) == len(before) - 1

    code, out, _ = run(legacy, "exits")
    assert code == 0 and fixed_lines(out) == [] and "(0 new, 2 baselined)" in out


def test_prune_never_adds_new_findings(legacy: Path, run: Run) -> None:
    run(legacy, "baseline", "exits")
    before = (legacy / BASELINE).read_text()
    path = legacy / "tests/test_legacy.py"
    path.write_text(path.read_text() + "\n\ndef test_new():\n    quit()\n")

    code, _, err = run(legacy, "baseline", "--prune")
    assert code == 0 and "0 fixed entries removed" in err
    assert (legacy / BASELINE).read_text() == before
    code, out, _ = run(legacy, "exits")
    assert code == 1 and len(finding_lines(out)) == 1


def test_prune_without_a_baseline_is_a_usage_error(legacy: Path, run: Run) -> None:
    code, _, err = run(legacy, "baseline", "--prune")
    assert code == 2 and "run `testguard baseline` first" in err


def test_identical_offending_lines_are_tracked_separately(tmp_path: Path, run: Run) -> None:
    body = "import sys\n\n\ndef test_a():\n    sys.exit(1)\n\n\ndef test_b():\n    sys.exit(1)\n"
    repo = make_repo(tmp_path / "proj", {"tests/test_same.py": body})
    run(repo, "baseline", "exits")
    data = json.loads((repo / BASELINE).read_text())
    assert sorted(e["occurrence"] for e in data["findings"]) == [0, 1]

    path = repo / "tests/test_same.py"
    path.write_text(body + "\n\ndef test_c():\n    sys.exit(1)\n")
    code, out, _ = run(repo, "exits")
    assert code == 1
    assert [line.split(": ")[0] for line in finding_lines(out)] == ["tests/test_same.py:13:5"]

    path.write_text("import sys\n\n\ndef test_a():\n    sys.exit(1)\n")
    code, out, _ = run(repo, "exits")
    assert code == 0
    assert fixed_lines(out) == ["tests/test_same.py: TG302 fixed: sys.exit(1) (run 'testguard baseline --prune')"]


def test_staged_files_only_do_not_report_other_files_as_fixed(legacy: Path, run: Run) -> None:
    run(legacy, "baseline", "exits")
    (legacy / "tests/test_new.py").write_text("import sys\n\n\ndef test_n():\n    sys.exit(5)\n")
    # As pre-commit calls it: only the staged files.
    code, out, _ = run(legacy, "exits", "tests/test_new.py", "tests/test_clean.py")
    assert code == 1
    assert len(finding_lines(out)) == 1 and fixed_lines(out) == []
    # The file with the baselined findings staged alone: still baselined.
    code, out, _ = run(legacy, "exits", "tests/test_legacy.py")
    assert code == 0 and "(0 new, 2 baselined)" in out
    # A directory limits the scope the same way.
    code, out, _ = run(legacy, "exits", "tests")
    assert code == 1 and len(finding_lines(out)) == 1 and fixed_lines(out) == []


def test_deleted_file_entries_are_reported_fixed_as_gone(legacy: Path, run: Run) -> None:
    run(legacy, "baseline", "exits")
    git(legacy, "rm", "-q", "tests/test_legacy.py")
    code, out, _ = run(legacy, "exits")
    assert code == 0
    fixed = fixed_lines(out)
    assert len(fixed) == 2
    assert all("(file no longer exists)" in line for line in fixed)
    code, _, err = run(legacy, "baseline", "--prune")
    assert code == 0 and "2 fixed entries removed" in err
    assert json.loads((legacy / BASELINE).read_text())["findings"] == []


def test_broken_baseline_is_a_clear_error(legacy: Path, run: Run) -> None:
    run(legacy, "baseline", "exits")
    text = (legacy / BASELINE).read_text()
    (legacy / BASELINE).write_text("<<<<<<< HEAD\n" + text + "=======\n>>>>>>> feature\n")
    code, out, err = run(legacy, "exits")
    assert code == 2 and out == ""
    assert "is not valid JSON (it has merge conflict markers)" in err
    assert "re-create it with `testguard baseline`" in err
    # Re-recording everything repairs it.
    code, _, _ = run(legacy, "baseline")
    assert code == 0
    assert run(legacy, "exits")[0] == 0


def test_a_baseline_that_is_no_file_is_refused_never_read_or_replaced(legacy: Path, tmp_path: Path) -> None:
    # A pipe would block a read forever, a device never end; the atomic rename of a write
    # put a regular file in place of /dev/null.  A pipe stands for both here.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    with (legacy / "pyproject.toml").open("a") as handle:
        handle.write(f'baseline = "{pipe}"\n')
    for args in (("exits",), ("baseline",), ("baseline", "exits")):
        result = run_testguard(legacy, *args, timeout=120)
        assert result.code == 2, (args, result.err)
        assert f"baseline {pipe} is a pipe or a device, not a file; point 'baseline'" in result.err
    assert stat.S_ISFIFO(pipe.lstat().st_mode)


def test_a_symlinked_baseline_is_written_through_the_link(legacy: Path, tmp_path: Path, run: Run) -> None:
    shared = tmp_path / "shared" / "baseline.json"
    shared.parent.mkdir()
    shared.write_text("")
    (legacy / BASELINE).symlink_to(shared)
    assert run(legacy, "baseline")[0] == 0
    assert (legacy / BASELINE).is_symlink()
    assert json.loads(shared.read_text())["tool"] == "testguard"
    assert run(legacy, "exits")[0] == 0


def test_not_a_baseline_and_bad_entries(legacy: Path, run: Run) -> None:
    (legacy / BASELINE).write_text('{"name": "something else"}\n')
    code, _, err = run(legacy, "exits")
    assert code == 2 and "is not a testguard baseline" in err

    (legacy / BASELINE).write_text(
        json.dumps({"version": 1, "tool": "testguard", "findings": [{"check": "exits", "code": "TG302"}]})
    )
    code, _, err = run(legacy, "exits")
    assert code == 2 and 'finding #1 has no string "path"' in err


@pytest.mark.parametrize("figure", ["NaN", "Infinity", "-Infinity", '"85"', "true"])
def test_a_figure_that_is_not_a_finite_number_is_a_clear_error(legacy: Path, run: Run, figure: str) -> None:
    # A NaN floor would never fail: it must not be read as one.
    (legacy / BASELINE).write_text(
        '{"version": 1, "tool": "testguard", "findings": [], "figures": {"coverage:total": %s}}\n' % figure
    )
    code, _, err = run(legacy, "exits")
    assert code == 2 and "figure 'coverage:total' must be a finite number" in err


@pytest.mark.parametrize("figure", ["1" + "0" * 400, "-1" + "0" * 400])
def test_a_figure_too_large_for_a_float_is_a_clear_error(legacy: Path, run: Run, figure: str) -> None:
    (legacy / BASELINE).write_text(
        '{"version": 1, "tool": "testguard", "findings": [], "figures": {"coverage:total": %s}}\n' % figure
    )
    code, out, err = run(legacy, "exits")
    assert code == 2 and out == ""
    assert "figure 'coverage:total' must be a finite number" in err and "internal error" not in err


@pytest.mark.parametrize("where", ["version", "figure"])
def test_a_number_too_long_to_read_is_a_clear_error(legacy: Path, run: Run, where: str) -> None:
    # Python refuses to convert an integer of more than 4300 digits (a ValueError, not a
    # JSONDecodeError): the file is damaged, not testguard.
    huge = "1" * 5000
    version, figure = (huge, "1") if where == "version" else ("2", huge)
    (legacy / BASELINE).write_text(
        '{"version": %s, "tool": "testguard", "findings": [], "figures": {"coverage:total": %s}}\n'
        % (version, figure)
    )
    code, out, err = run(legacy, "exits")
    assert code == 2 and out == ""
    assert f"baseline {legacy / BASELINE} is not valid JSON" in err and "internal error" not in err
    code, _, err = run(legacy, "baseline")  # repaired by a full re-record
    assert code == 0 and "2 findings recorded" in err


def test_baseline_from_a_newer_testguard(legacy: Path, run: Run) -> None:
    newer = json.dumps({"version": 99, "tool": "testguard", "findings": [], "figures": {}}) + "\n"
    (legacy / BASELINE).write_text(newer)
    code, _, err = run(legacy, "exits")
    assert code == 2
    assert "written by a newer testguard" in err and "upgrade testguard" in err
    # Never overwritten by an older testguard, even by a full re-record.
    code, _, err = run(legacy, "baseline")
    assert code == 2 and (legacy / BASELINE).read_text() == newer


def test_no_baseline_option_ignores_it(legacy: Path, run: Run) -> None:
    run(legacy, "baseline", "exits")
    code, out, _ = run(legacy, "exits", "--no-baseline")
    assert code == 1 and len(finding_lines(out)) == 2
    # --fail-on any: the baselined findings block, so the text lists them (the exit code says 1)
    code, out, _ = run(legacy, "exits", "--fail-on", "any")
    assert code == 1 and len(finding_lines(out)) == 2
    assert out.splitlines()[-1] == "Found 2 errors (0 new, 2 baselined)."


def test_named_checks_replace_only_their_entries_and_figures(legacy: Path, run: Run) -> None:
    other = {
        "check": "mocks", "code": "TG201", "path": "tests/test_clean.py",
        "line_text": "from unittest import mock", "occurrence": 0, "message": "m",
    }
    stale = {
        "check": "exits", "code": "TG301", "path": "tests/test_gone.py",
        "line_text": "sys.exit()", "occurrence": 0, "message": "m",
    }
    (legacy / BASELINE).write_text(json.dumps({
        "version": 1, "tool": "testguard", "findings": [other, stale],
        "figures": {"coverage:total": 81.5, "collect:tests": 120},
    }))
    code, _, err = run(legacy, "baseline", "exits")
    assert code == 0
    assert "3 findings recorded (exits 2, mocks 1) and 2 figures" in err
    data = json.loads((legacy / BASELINE).read_text())
    assert other in data["findings"] and stale not in data["findings"]
    assert data["figures"] == {"collect:tests": 120, "coverage:total": 81.5}
    loaded = Baseline.load(legacy / BASELINE, legacy)
    assert loaded is not None
    assert loaded.figure("coverage:total") == 81.5 and loaded.figure("coverage:src/a.py") is None


def test_figures_only_rise() -> None:
    recorded = {"coverage:total": 80.0, "coverage:src/a.py": 90.0, "collect:tests": 100.0}
    measured = {"coverage:total": 84.5, "coverage:src/a.py": 70.0, "collect:tests": 100.0, "coverage:src/new.py": 50.0}
    raised, count = ratchet(recorded, measured)
    assert raised == {"coverage:total": 84.5, "coverage:src/a.py": 90.0, "collect:tests": 100.0}
    assert count == 1


def test_figures_round_trip_through_the_file(tmp_path: Path) -> None:
    result = CheckResult(check="coverage", figures={"coverage:total": 87.5, "coverage:src/pkg/a.py": 91.0})
    counted = CheckResult(check="collect", figures={"collect:tests": 1234})
    figures = {**result.figures, **counted.figures}
    path = tmp_path / BASELINE
    path.write_text(render([], figures))
    loaded = Baseline.load(path, tmp_path)
    assert loaded is not None
    assert loaded.figures == {"coverage:total": 87.5, "coverage:src/pkg/a.py": 91.0, "collect:tests": 1234.0}
    assert '"collect:tests": 1234\n' in path.read_text() or '"collect:tests": 1234,' in path.read_text()


def test_fingerprint_separates_findings_on_one_line(tmp_path: Path) -> None:
    """Two mypy errors of the same code on one line differ by their (normalised) message."""
    (tmp_path / "m.py").write_text("x: int = f(y)\n")
    def error(message: str) -> Finding:
        return Finding("m.py", 1, 1, "TG501", message, "mypy", details={"fingerprint": message})
    result = CheckResult("mypy", [error('Name "f" is not defined'), error('Name "y" is not defined')])
    path = tmp_path / BASELINE
    entries = [e for _, e in keyed(result.findings, "mypy", LineReader(tmp_path))]
    assert all(e.line_text == "x: int = f(y)" for e in entries)  # read from the file
    path.write_text(render(entries[:1], {}))
    baseline = Baseline.load(path, tmp_path)
    assert baseline is not None
    fresh = CheckResult("mypy", [error('Name "f" is not defined'), error('Name "y" is not defined')])
    baseline.apply([fresh])
    assert [f.status for f in fresh.findings] == [Status.BASELINED, Status.NEW]


CRASHING = (
    "import signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_DFL);"  # die, as a crash would
    " from testguard.cli import main; sys.exit(main())"
)


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
@pytest.mark.parametrize("how", ["killed", "write-error"])
def test_crash_mid_write_leaves_the_old_file_intact(tmp_path: Path, how: str) -> None:
    many = "import sys\n\n" + "".join(f"\ndef test_{i}():\n    sys.exit({i})\n" for i in range(300))
    repo = make_repo(tmp_path / "proj", {"tests/test_legacy.py": TWO_EXITS})
    env = {**os.environ, "PYTHONPATH": str(HOOKS), "PYTHONDONTWRITEBYTECODE": "1"}
    args = ["baseline", "exits", "--no-cache"]
    first = subprocess.run([sys.executable, "-m", "testguard", *args], cwd=repo, env=env, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    old = (repo / BASELINE).read_bytes()
    (repo / "tests/test_many.py").write_text(many)

    limit = len(old) + 4096  # the new file is ~60 KB: writing it goes past the limit

    import resource  # POSIX only

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    cmd = [sys.executable, "-c", CRASHING, *args] if how == "killed" else [sys.executable, "-m", "testguard", *args]
    crashed = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, preexec_fn=small_files, check=False)
    if how == "killed":
        assert crashed.returncode == -signal.SIGXFSZ
    else:
        assert crashed.returncode == 2
        assert "cannot write the baseline" in crashed.stderr and "the old file is unchanged" in crashed.stderr
        assert not list(repo.glob(".testguard-baseline.json.*.tmp"))  # cleaned up
    assert (repo / BASELINE).read_bytes() == old
    assert json.loads(old)["findings"]

    again = subprocess.run([sys.executable, "-m", "testguard", *args], cwd=repo, env=env, capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
    assert len(json.loads((repo / BASELINE).read_text())["findings"]) == 302


def test_unwritable_target_is_a_clear_error(legacy: Path, run: Run) -> None:
    run(legacy, "baseline", "exits")
    old = (legacy / BASELINE).read_bytes()
    code, _, err = run(legacy, "baseline", "--baseline", "missing-dir/b.json")
    assert code == 2 and "directory" in err and "does not exist" in err
    (legacy / "adir").mkdir()
    code, _, err = run(legacy, "baseline", "--baseline", "adir")
    assert code == 2 and "is a directory" in err
    assert (legacy / BASELINE).read_bytes() == old


MOCKED = sample("baseline_1.py")


def test_one_new_mock_fails_with_exactly_that_finding(tmp_path: Path, run: Run) -> None:
    repo = make_repo(tmp_path / "proj", {"tests/test_mocked.py": MOCKED, "tests/test_legacy.py": TWO_EXITS})
    config = repo / "pyproject.toml"
    config.write_text(config.read_text().replace('checks = ["exits"]', 'checks = ["mocks", "exits"]'))
    code, _, err = run(repo, "baseline")
    assert code == 0 and "4 findings recorded (exits 2, mocks 2)" in err
    assert run(repo, "check")[0] == 0

    path = repo / "tests/test_mocked.py"
    path.write_text("\n" * 20 + MOCKED + "\n\ndef test_two():\n    other = mock.MagicMock()\n    assert other\n")
    code, out, _ = run(repo, "check")
    assert code == 1
    lines = finding_lines(out)
    assert len(lines) == 1 and lines[0].startswith("tests/test_mocked.py:30:13: TG204 ")
    assert fixed_lines(out) == []


@pytest.mark.slow  # four real pytest collection runs
def test_collected_test_count_ratchets_through_the_baseline(tmp_path: Path, run: Run) -> None:
    """A real `testguard collect` run: the figure is recorded, a drop fails, prune only raises it."""
    def tests(n: int) -> str:
        return "".join(f"def test_{i}():\n    pass\n\n\n" for i in range(n))

    repo = make_repo(tmp_path / "proj", {"tests/test_count.py": tests(3)})
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.testguard]\nchecks = ["exits", "collect"]\n'
        f"python = {json.dumps(sys.executable)}\n"
    )
    code, _, err = run(repo, "baseline")
    assert code == 0 and "and 1 figure." in err
    assert json.loads((repo / BASELINE).read_text())["figures"] == {"collect:tests": 3}

    (repo / "tests/test_count.py").write_text(tests(2))
    code, out, _ = run(repo, "collect")
    assert code == 1 and "TG702" in out
    code, _, err = run(repo, "baseline", "--prune")  # never lowers a figure
    assert code == 0 and "raised" not in err
    assert json.loads((repo / BASELINE).read_text())["figures"] == {"collect:tests": 3}

    (repo / "tests/test_count.py").write_text(tests(5))
    code, _, err = run(repo, "baseline", "--prune", "collect")
    assert code == 0 and "1 figure raised" in err
    assert json.loads((repo / BASELINE).read_text())["figures"] == {"collect:tests": 5}


def test_a_file_that_cannot_be_checked_keeps_its_entries(legacy: Path, run: Run) -> None:
    run(legacy, "baseline", "exits")
    before = (legacy / BASELINE).read_text()
    path = legacy / "tests/test_legacy.py"
    path.write_text(path.read_text() + "\ndef broken(:\n")
    code, out, _ = run(legacy, "exits")
    assert code == 1
    assert [line.split(": ")[1].split()[0] for line in finding_lines(out)] == ["TG001"]
    assert fixed_lines(out) == []  # not fixed: just not checked this time
    assert run(legacy, "baseline", "--prune")[0] == 0
    assert (legacy / BASELINE).read_text() == before


def test_diff_base_is_refused_when_recording(legacy: Path, run: Run) -> None:
    code, _, err = run(legacy, "baseline", "--diff-base", "main")
    assert code == 2 and "--diff-base cannot be used with `testguard baseline`" in err
    assert not (legacy / BASELINE).exists()


# -- matching by line: a new copy of a baselined line is new (issue 11, item 2) -------

PATCHED_TEST = '@mock.patch("pkg.mod.f")\ndef test_{name}(f):\n    pass\n'
PATCHED = "from unittest import mock\n\n\n" + "\n\n".join(
    PATCHED_TEST.format(name=n) for n in ("a", "b", "c")
)


def mocked_repo(root: Path) -> Path:
    """Three identical first-party patches, baselined and committed."""
    repo = make_repo(root, {"tests/test_x.py": PATCHED, "pkg/__init__.py": "", "pkg/mod.py": "def f():\n    return 1\n"})
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.testguard]\nchecks = ["mocks"]\npackages = ["pkg"]\n'
    )
    assert git(repo, "status", "--porcelain") != ""
    return repo


def test_a_new_copy_above_identical_baselined_lines_is_new_at_its_own_line(tmp_path: Path, run: Run) -> None:
    repo = mocked_repo(tmp_path / "proj")
    code, _, err = run(repo, "baseline")
    assert code == 0 and "4 findings recorded (mocks 4)" in err
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "baseline")
    path = repo / "tests/test_x.py"
    path.write_text(PATCHED.replace("\n\n\n", "\n\n\n" + PATCHED_TEST.format(name="new") + "\n\n", 1))
    assert path.read_text().splitlines()[3:5] == ['@mock.patch("pkg.mod.f")', "def test_new(f):"]

    code, out, _ = run(repo, "mocks")
    assert code == 1
    assert [line.split(": ")[0] for line in finding_lines(out)] == ["tests/test_x.py:4:2"]
    assert "(1 new, 4 baselined)" in out and fixed_lines(out) == []


def test_moved_reindented_and_shifted_lines_stay_baselined(legacy: Path, run: Run) -> None:
    run(legacy, "baseline", "exits")
    git(legacy, "add", "-A")
    git(legacy, "commit", "-qm", "baseline")
    path = legacy / "tests/test_legacy.py"
    moved = (
        "import os\nimport sys\n\n# a comment\n\n\ndef test_two():\n    if True:\n        os._exit(3)\n"
        "\n\ndef test_zero():\n    assert True\n\n\ndef test_one():\n    sys.exit(1)\n"
    )
    path.write_text(moved)
    code, out, _ = run(legacy, "exits")
    assert code == 0, out
    assert finding_lines(out) == [] and fixed_lines(out) == []
    assert "(0 new, 2 baselined)" in out


def test_deleting_one_of_identical_lines_reports_it_fixed_and_nothing_new(tmp_path: Path, run: Run) -> None:
    repo = mocked_repo(tmp_path / "proj")
    run(repo, "baseline")
    path = repo / "tests/test_x.py"
    path.write_text(PATCHED.replace(PATCHED_TEST.format(name="a") + "\n\n", ""))
    code, out, _ = run(repo, "mocks")
    assert code == 0 and finding_lines(out) == []
    assert fixed_lines(out) == [
        """tests/test_x.py: TG202 fixed: @mock.patch("pkg.mod.f") (run 'testguard baseline --prune')"""
    ]


def test_identical_findings_on_one_line(tmp_path: Path, run: Run) -> None:
    body = "import sys\n\n\ndef test_a():\n    sys.exit(1) if True else sys.exit(1)\n"
    repo = make_repo(tmp_path / "proj", {"tests/test_same.py": body})
    run(repo, "baseline", "exits")
    data = json.loads((repo / BASELINE).read_text())
    assert [(e["line"], e["occurrence"]) for e in data["findings"]] == [(5, 0), (5, 1)]
    path = repo / "tests/test_same.py"
    line = "    sys.exit(1) if True else sys.exit(1)\n"
    path.write_text("# moved down\n" + body.replace(line, line + line))
    code, out, _ = run(repo, "exits")
    assert code == 1 and "(2 new, 2 baselined)" in out
    assert [line.split(": ")[0] for line in finding_lines(out)] == ["tests/test_same.py:7:5", "tests/test_same.py:7:30"]


def test_recorded_content_is_stored_in_git_before_it_is_committed(legacy: Path, run: Run) -> None:
    path = legacy / "tests/test_legacy.py"
    path.write_text(path.read_text() + "\n\ndef test_three():\n    sys.exit(1)\n")  # not committed
    run(legacy, "baseline", "exits")
    blob = json.loads((legacy / BASELINE).read_text())["files"]["exits"]["tests/test_legacy.py"]
    assert git(legacy, "cat-file", "-p", blob) == path.read_text()
    # So the lines map before anything is committed: a copy inserted at the top is new there.
    path.write_text("import sys\nsys.exit(1)\n" + path.read_text())
    code, out, err = run(legacy, "exits")
    assert code == 1 and "note:" not in err
    assert [line.split(": ")[0] for line in finding_lines(out)] == ["tests/test_legacy.py:2:1"]


def test_without_the_recorded_content_matching_falls_back_to_text_and_says_so(legacy: Path, run: Run) -> None:
    run(legacy, "baseline", "exits")
    baseline = legacy / BASELINE
    blob = json.loads(baseline.read_text())["files"]["exits"]["tests/test_legacy.py"]
    baseline.write_text(baseline.read_text().replace(blob, "0" * 40))  # a version git never had
    path = legacy / "tests/test_legacy.py"
    path.write_text("# shifted\n" + path.read_text())
    code, out, err = run(legacy, "exits")
    assert code == 0 and "(0 new, 2 baselined)" in out
    assert err == ""  # as many findings as entries: the lines did not matter
    # The documented limit: the count still holds, the place may not (the old line
    # is reported, the copy below it passes as baselined).
    path.write_text(path.read_text().replace("    os._exit(3)", "    os._exit(3)\n    os._exit(3)"))
    code, out, err = run(legacy, "exits")
    assert code == 1 and "(1 new, 2 baselined)" in out
    assert "note: the content the baseline was recorded on is not in this git clone for 1 file" in err
    assert "fetch-depth: 0" in err


def test_version_1_files_are_read_and_rerecorded_as_version_2(legacy: Path, run: Run) -> None:
    v1 = {"version": 1, "tool": "testguard", "figures": {}, "findings": [
        {"check": "exits", "code": "TG302", "path": "tests/test_legacy.py", "line_text": "os._exit(3)", "occurrence": 0, "message": "m"},
        {"check": "exits", "code": "TG302", "path": "tests/test_legacy.py", "line_text": "sys.exit(1)", "occurrence": 0, "message": "m"},
    ]}
    (legacy / BASELINE).write_text(json.dumps(v1))
    code, out, _ = run(legacy, "exits")
    assert code == 0 and "(0 new, 2 baselined)" in out
    code, _, err = run(legacy, "baseline", "--prune")
    assert code == 0 and "0 fixed entries removed" in err
    assert json.loads((legacy / BASELINE).read_text())["version"] == 2
    assert run(legacy, "exits")[0] == 0
    code, _, _ = run(legacy, "baseline")
    data = json.loads((legacy / BASELINE).read_text())
    assert sorted(e["line"] for e in data["findings"]) == [6, 10] and data["files"]["exits"]


def test_prune_keeps_line_numbers_and_rerecording_refreshes_them(legacy: Path, run: Run) -> None:
    (legacy / "tests/test_other.py").write_text("import sys\n\n\ndef test_x():\n    sys.exit(9)\n")
    run(legacy, "baseline", "exits")
    git(legacy, "add", "-A")
    git(legacy, "commit", "-qm", "baseline")
    before = (legacy / BASELINE).read_text()
    legacy_file = legacy / "tests/test_legacy.py"
    legacy_file.write_text("# unrelated edit\n\n" + legacy_file.read_text())
    assert run(legacy, "exits")[0] == 0  # an edit needs no new baseline
    assert run(legacy, "baseline", "--prune")[0] == 0
    assert (legacy / BASELINE).read_text() == before  # nothing fixed: not a byte changed

    assert run(legacy, "baseline", "exits")[0] == 0
    after = (legacy / BASELINE).read_text()
    changed = sorted(set(after.splitlines()) - set(before.splitlines()))
    # Only the edited file's blob and its entries' line numbers (6 -> 8, 10 -> 12).
    blob = git(legacy, "hash-object", "tests/test_legacy.py").strip()
    assert changed[0].strip() == f'"tests/test_legacy.py": "{blob}",'
    assert [json.loads(line.rstrip(","))["line"] for line in changed[1:]] == [12, 8]
    assert run(legacy, "exits")[0] == 0


def test_damaged_files_table_is_a_clear_error(legacy: Path, run: Run) -> None:
    run(legacy, "baseline", "exits")
    baseline = legacy / BASELINE
    data = json.loads(baseline.read_text())
    data["files"]["exits"]["tests/test_legacy.py"] = "HEAD:tests/test_legacy.py"
    baseline.write_text(json.dumps(data))
    code, out, err = run(legacy, "exits")
    assert code == 2 and out == ""
    assert "the blob of 'tests/test_legacy.py' (exits) is not a git object id" in err


def test_deeply_nested_baseline_is_not_valid(legacy: Path, run: Run) -> None:
    (legacy / BASELINE).write_text("[" * 100_000)
    code, out, err = run(legacy, "exits")
    assert code == 2 and out == ""
    assert f"baseline {legacy / BASELINE} is not valid: nested too deeply" in err
    assert "re-create it with `testguard baseline`" in err
    code, _, err = run(legacy, "baseline")  # repaired by a full re-record
    assert code == 0 and "2 findings recorded" in err


def test_a_write_that_fails_midway_leaves_no_temporary_file(tmp_path: Path) -> None:
    # Not only an OSError: whatever stops the write (an interrupt, a text that cannot be
    # encoded) must not leave a `.testguard-baseline.json.*.tmp` in the project.
    from testguard.core.baseline import write_atomic

    target = tmp_path / BASELINE
    target.write_text("{}\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "\udcff")
    assert sorted(p.name for p in tmp_path.iterdir()) == [BASELINE]
    assert target.read_text() == "{}\n"


def test_a_baseline_whose_name_is_not_utf8_is_read_back_from_git(tmp_path: Path, run: Run) -> None:
    # git takes paths as bytes: asking it for `HEAD:./b\xff.json` was an internal error.
    repo = make_repo(tmp_path / "proj", {"tests/test_legacy.py": TWO_EXITS})
    name = os.fsdecode(b"baseline_\xff.json")
    code, _, err = run(repo, "baseline", "--baseline", name)
    assert code == 0, err
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "baseline")
    code, out, err = run(repo, "exits", "--baseline", name)
    assert code == 0, out + err
    (repo / name).unlink()
    code, out, _ = run(repo, "exits", "--baseline", name)
    assert code == 1
    assert "baseline_\\xff.json:1:1: TG003 the baseline was deleted, but HEAD has one" in out


def test_findings_in_a_file_whose_name_is_not_utf8_are_recorded_and_matched(tmp_path: Path, run: Run) -> None:
    # Writing the baseline was an internal error (UnicodeEncodeError): UTF-8 cannot hold the
    # byte 0xff of the name, so the file keeps it as the JSON escape \udcff.
    name = os.fsdecode(b"tests/test_\xff.py")
    repo = make_repo(tmp_path / "proj", {name: TWO_EXITS})
    code, _, err = run(repo, "baseline")
    assert code == 0, err
    recorded = (repo / BASELINE).read_bytes()
    recorded.decode("utf-8")  # valid UTF-8
    assert b'"tests/test_\\udcff.py"' in recorded
    code, out, err = run(repo, "exits")
    assert code == 0, out + err
    (repo / name).write_text(TWO_EXITS + "\n\ndef test_three():\n    sys.exit(3)\n")
    code, out, _ = run(repo, "exits")
    assert code == 1 and finding_lines(out) == [
        "tests/test_\\xff.py:14:5: TG302 sys.exit() in `test_three` ends the process instead of"
        " failing the test; raise an exception, assert, or use pytest.fail()"
    ]


@pytest.mark.parametrize(("field", "said"), [("line", 'has a "line"'), ("occurrence", 'has an "occurrence"')])
def test_a_negative_number_in_an_entry_is_named(legacy: Path, run: Run, field: str, said: str) -> None:
    assert run(legacy, "baseline")[0] == 0
    data = json.loads((legacy / BASELINE).read_text())
    data["findings"][0][field] = -1
    (legacy / BASELINE).write_text(json.dumps(data))
    code, _, err = run(legacy, "exits")
    assert code == 2 and f'finding #1 {said} that is not a non-negative integer' in err
