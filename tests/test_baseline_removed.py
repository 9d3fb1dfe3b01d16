"""TG003: a baseline git has (at the diff base, or in HEAD) that the working tree lost or
emptied is a finding; ``--no-baseline`` says that it ignores one.  Real git repositories,
real pytest under real coverage.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, git, git_init, measure_coverage, write

PY = sys.executable
BASELINE = ".testguard-baseline.json"
EXITS = "import sys\n\n\ndef test_exit():\n    sys.exit(1)\n"
EMPTY = '{\n  "version": 2,\n  "tool": "testguard",\n  "figures": {},\n  "findings": []\n}\n'


pytestmark = pytest.mark.usefixtures("project_pytest_alone")


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture
def legacy(tmp_path: Path, tg: Callable[..., Run]) -> Path:
    """main: one baselined exit in a test, the baseline committed."""
    root = tmp_path / "proj"
    root.mkdir()
    git_init(root)
    write(root, {"pyproject.toml": "[tool.testguard]\nchecks = ['exits']\n", "tests/test_old.py": EXITS})
    assert tg(root, "baseline").code == 0
    commit(root, "base")
    return root



def tg003(run: Run) -> list[dict[str, object]]:
    return [f for f in run.json()["findings"] if f["code"] == "TG003"]


SHOP = {
    "pyproject.toml": f'[tool.testguard]\npython = "{PY}"\nchecks = ["exits", "coverage"]\n\n'
    '[tool.testguard.coverage]\n\n[tool.coverage.run]\nsource = ["shop"]\n',
    ".gitignore": ".coverage\n.testguard_cache/\n",
    "shop/__init__.py": "",
    "shop/billing.py": "def total(a, b):\n    return a + b\n\n\ndef fee(a):\n    return a / 10\n",
    "tests/test_billing.py": "from shop.billing import fee, total\n\n\ndef test_total():\n"
    "    assert total(1, 2) == 3\n\n\ndef test_fee():\n    assert fee(10) == 1\n",
}
ONE_TEST = "from shop.billing import total\n\n\ndef test_total():\n    assert total(1, 2) == 3\n"


def measured_shop(tmp_path: Path, tg: Callable[..., Run], files: dict[str, str] = SHOP) -> Path:
    """The shop in a git repository, its coverage measured and recorded in a committed baseline."""
    root = tmp_path / "shop"
    root.mkdir()
    git_init(root)
    write(root, files)
    measure_coverage(root)
    assert tg(root, "baseline").code == 0
    return root


def test_a_pull_request_that_deletes_the_baseline_and_lowers_coverage_fails(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    """The issue's case, as the Action runs it: `run --diff-base <base>`."""
    root = measured_shop(tmp_path, tg)
    assert json.loads((root / BASELINE).read_text())["figures"] == {"coverage:total": 100}
    commit(root, "base")
    git(root, "checkout", "-q", "-b", "feature")
    (root / BASELINE).unlink()
    write(root, {"tests/test_billing.py": ONE_TEST})
    commit(root, "drop a test and the baseline")
    measure_coverage(root)

    run = tg(root, "run", "--diff-base", "main", "--format", "json")
    assert run.code == 1, run.out + run.err
    [finding] = tg003(run)
    assert finding["path"] == BASELINE and finding["line"] == 1
    assert finding["message"] == (
        "the baseline was deleted, but the merge-base with main has one: its 1 floor"
        " (coverage:total 100) no longer applies; restore it with"
        f" `git checkout main -- {BASELINE}` (then `testguard baseline --prune` shrinks it)"
    )
    text = tg(root, "run", "--diff-base", "main")
    assert f"{BASELINE}:1:1: TG003 the baseline was deleted" in text.out
    assert "All checks passed." not in text.out

    # restored, the floor holds again: the lower coverage is the finding
    git(root, "checkout", "main", "--", BASELINE)
    back = tg(root, "run", "--diff-base", "main", "--format", "json")
    assert back.code == 1
    assert back.codes() == ["TG601"]


def test_an_emptied_baseline_is_tg003_and_names_what_it_accepted(legacy: Path, tg: Callable[..., Run]) -> None:
    for emptied in (EMPTY, "", "\n"):
        (legacy / BASELINE).write_text(emptied)
        run = tg(legacy, "run", "--format", "json")
        assert run.code == 1, run.err
        [finding] = tg003(run)
        assert str(finding["message"]).startswith(
            "the baseline was emptied, but HEAD has one: its 1 accepted finding no longer applies"
        )
        assert sorted(run.codes()) == ["TG003", "TG302"]


def test_deleted_locally_then_committed(legacy: Path, tg: Callable[..., Run]) -> None:
    (legacy / BASELINE).unlink()
    run = tg(legacy, "check", "--format", "json")
    assert [f["message"].split(":")[0] for f in tg003(run)] == ["the baseline was deleted, but HEAD has one"]
    commit(legacy, "no baseline")
    # HEAD no longer has it and there is no diff base: nothing to compare with
    after = tg(legacy, "check", "--format", "json")
    assert tg003(after) == []
    assert after.codes() == ["TG302"]


def test_a_baseline_that_held_nothing_may_go(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    git_init(root)
    write(root, {"tests/test_ok.py": "def test_ok():\n    pass\n"})
    assert tg(root, "baseline").code == 0
    commit(root, "base")
    (root / BASELINE).unlink()
    run = tg(root, "run")
    assert run.code == 0 and run.out == "All checks passed.\n"


def test_a_diff_base_at_head_reads_the_committed_baseline_once(
    tmp_path: Path, tg: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The merge-base is HEAD's own commit (a branch level with its base): asking git for
    # the baseline at "HEAD" after the merge-base reads the same objects a second time.
    root = tmp_path / "proj"
    root.mkdir()
    git_init(root)
    write(root, {"tests/test_ok.py": "def test_ok():\n    pass\n"})
    commit(root, "base")
    trace = tmp_path / "git-trace"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    run = tg(root, "check", "--diff-base", "HEAD")
    assert run.code == 0, run.err
    calls = [line for line in trace.read_text().splitlines() if "built-in: git cat-file" in line]
    assert len(calls) == 1, calls


def test_no_baseline_says_it_ignores_the_file(legacy: Path, tg: Callable[..., Run]) -> None:
    run = tg(legacy, "run", "--no-baseline")
    assert run.code == 1
    notes = [line for line in run.err.splitlines() if "--no-baseline" in line]
    assert notes == [
        f"testguard: note: --no-baseline: the baseline {BASELINE} is ignored; every finding counts as new"
    ]
    (legacy / BASELINE).unlink()
    gone = tg(legacy, "run", "--no-baseline", "--format", "json")
    assert tg003(gone) == [] and "--no-baseline" not in gone.err


def test_a_hook_call_on_given_files_does_not_look(legacy: Path, tg: Callable[..., Run]) -> None:
    write(legacy, {"tests/test_new.py": "def test_new():\n    pass\n"})
    (legacy / BASELINE).unlink()
    run = tg(legacy, "exits", "tests/test_new.py")
    assert run.code == 0 and run.out == ""


@pytest.mark.parametrize("fmt", ["github", "sarif", "junit"])
def test_tg003_in_every_format(legacy: Path, tg: Callable[..., Run], fmt: str) -> None:
    (legacy / BASELINE).unlink()
    run = tg(legacy, "run", "--format", fmt)
    assert run.code == 1
    assert "TG003" in run.out
    if fmt == "github":
        assert f"::error file={BASELINE},line=1,title=TG003::" in run.out
    if fmt == "sarif":
        rules = json.loads(run.out)["runs"][0]["tool"]["driver"]["rules"]
        assert any(r["id"] == "TG003" and r["name"] == "baseline-removed" for r in rules)


def test_rerecording_a_deleted_baseline_compares_with_the_committed_one(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    git_init(root)
    tests = "".join(f"def test_{i}():\n    pass\n\n\n" for i in range(3))
    write(root, {
        "pyproject.toml": f'[tool.testguard]\npython = "{PY}"\nchecks = ["collect"]\n\n'
        '[tool.testguard.collect]\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
        "tests/test_count.py": tests,
    })
    assert tg(root, "baseline").code == 0
    commit(root, "base")
    (root / BASELINE).unlink()
    write(root, {"tests/test_count.py": "def test_0():\n    pass\n"})
    run = tg(root, "baseline")
    assert run.code == 1
    assert "compared with the one in HEAD" in run.err
    assert "  collect:tests 3 → 1 (lowered)\n" in run.err
    assert not (root / BASELINE).exists()


def test_pointing_the_config_elsewhere_does_not_turn_the_baseline_off(
    legacy: Path, tg: Callable[..., Run]
) -> None:
    git(legacy, "checkout", "-q", "-b", "feature")
    write(legacy, {"pyproject.toml": "[tool.testguard]\nchecks = ['exits']\nbaseline = 'nowhere.json'\n"})
    commit(legacy, "point the baseline at nothing")
    run = tg(legacy, "run", "--diff-base", "main", "--format", "json")
    assert run.code == 1
    [finding] = tg003(run)
    assert finding["path"] == "nowhere.json"
    assert str(finding["message"]).startswith(
        f"the baseline nowhere.json is missing, but the merge-base with main has one at {BASELINE},"
        " where its config pointed: its 1 accepted finding no longer applies; restore it with"
        f" `git checkout main -- {BASELINE}`"
    )
    # moved with the config, the baseline still holds: no finding
    git(legacy, "mv", BASELINE, "nowhere.json")
    commit(legacy, "moved")
    moved = tg(legacy, "run", "--diff-base", "main", "--format", "json")
    assert (moved.code, moved.json()["findings"]) == (0, [])


@pytest.mark.parametrize("elsewhere", ["/nonexistent/baseline.json", "../outside.json", "/dev/null"])
def test_pointing_the_config_outside_the_project_does_not_turn_the_baseline_off(
    legacy: Path, tg: Callable[..., Run], elsewhere: str
) -> None:
    git(legacy, "checkout", "-q", "-b", "feature")
    write(legacy, {"pyproject.toml": f"[tool.testguard]\nchecks = ['exits']\nbaseline = '{elsewhere}'\n"})
    commit(legacy, "point the baseline outside the project")
    run = tg(legacy, "run", "--diff-base", "main", "--format", "json")
    if elsewhere == "/dev/null":  # a device is no baseline file: refused before anything runs
        assert run.code == 2, run.out + run.err
        assert "baseline /dev/null is a pipe or a device, not a file" in run.err
        return
    assert run.code == 1, run.out + run.err
    [finding] = tg003(run)
    assert (finding["path"], finding["line"]) == ("pyproject.toml", 3)
    assert f"the merge-base with main has one at {BASELINE}, where its config pointed" in str(finding["message"])


def tg004(run: Run) -> list[dict[str, object]]:
    return [f for f in run.json()["findings"] if f["code"] == "TG004"]


def test_a_floor_lowered_in_the_baseline_since_the_diff_base_fails(tmp_path: Path, tg: Callable[..., Run]) -> None:
    """TG004: by hand in the JSON, and by a re-record with --allow-lower; --ignore TG004 is
    the reviewer's way to let a lowering meant on purpose pass."""
    root = measured_shop(tmp_path, tg)
    commit(root, "base")
    git(root, "checkout", "-q", "-b", "by-hand")
    recorded = json.loads((root / BASELINE).read_text())
    recorded["figures"]["coverage:total"] = 50
    (root / BASELINE).write_text(json.dumps(recorded, indent=2) + "\n")
    commit(root, "lower the floor by hand")

    run = tg(root, "run", "--diff-base", "main", "--format", "json")
    assert run.code == 1, run.out + run.err
    [finding] = tg004(run)
    figure_line = next(n for n, text in enumerate((root / BASELINE).read_text().splitlines(), 1)
                       if '"coverage:total"' in text)
    assert (finding["path"], finding["line"]) == (BASELINE, figure_line)
    assert "coverage:total 100 → 50 (lowered)" in str(finding["message"])
    assert "git checkout main -- .testguard-baseline.json" in str(finding["message"])
    assert tg(root, "run", "--diff-base", "main", "--ignore", "TG004").code == 0
    assert tg(root, "run").code == 0  # without a diff base there is nothing to compare with

    git(root, "checkout", "-q", "main")
    git(root, "checkout", "-q", "-b", "re-recorded")
    write(root, {"tests/test_billing.py": ONE_TEST})
    measure_coverage(root)
    assert tg(root, "baseline").code == 1  # lowering needs --allow-lower
    assert tg(root, "baseline", "--allow-lower").code == 0
    commit(root, "drop a test, lower the floor on purpose")
    text = tg(root, "run", "--diff-base", "main")
    assert text.code == 1, text.out
    now = json.loads((root / BASELINE).read_text())["figures"]["coverage:total"]
    assert now < 100
    shown = str(int(now)) if float(now).is_integer() else repr(float(now))
    assert f"{BASELINE}:{figure_line}:1: TG004 the baseline lowers what the merge-base with main recorded:" \
        f" coverage:total 100 → {shown} (lowered)" in text.out


def test_removing_every_floor_but_keeping_the_findings_is_tg004(legacy: Path, tg: Callable[..., Run]) -> None:
    # The findings keep TG003 quiet (the baseline is not emptied); the floors are gone all
    # the same, and a removed floor is a lowered one.
    recorded = json.loads((legacy / BASELINE).read_text())
    recorded["figures"] = {"coverage:total": 90, "collect:tests": 12}
    (legacy / BASELINE).write_text(json.dumps(recorded, indent=2) + "\n")
    commit(legacy, "floors")
    git(legacy, "checkout", "-q", "-b", "no-floors")
    recorded["figures"] = {}
    (legacy / BASELINE).write_text(json.dumps(recorded, indent=2) + "\n")
    run = tg(legacy, "check", "--diff-base", "main", "--format", "json")
    assert run.code == 1, run.out + run.err
    [finding] = tg004(run)
    assert "collect:tests 12 → not measured (removed), coverage:total 90 → not measured (removed)" in str(
        finding["message"]
    )
    assert tg003(run) == []
    (legacy / BASELINE).write_text("")  # emptied: TG003 says it, and TG004 does not say it again
    emptied = tg(legacy, "check", "--diff-base", "main", "--format", "json")
    assert [f["code"] for f in emptied.json()["findings"] if f["code"] in ("TG003", "TG004")] == ["TG003"]


def test_pointing_the_config_at_a_copy_with_lower_floors_is_tg004(legacy: Path, tg: Callable[..., Run]) -> None:
    recorded = json.loads((legacy / BASELINE).read_text())
    recorded["figures"] = {"coverage:total": 90}
    (legacy / BASELINE).write_text(json.dumps(recorded, indent=2) + "\n")
    commit(legacy, "floors")
    git(legacy, "checkout", "-q", "-b", "moved")
    recorded["figures"] = {"coverage:total": 10}
    (legacy / "other.json").write_text(json.dumps(recorded, indent=2) + "\n")
    write(legacy, {"pyproject.toml": "[tool.testguard]\nchecks = ['exits']\nbaseline = 'other.json'\n"})
    run = tg(legacy, "check", "--diff-base", "main", "--format", "json")
    assert run.code == 1, run.out + run.err
    [finding] = tg004(run)
    assert finding["path"] == "other.json"
    assert str(finding["message"]).startswith(
        f"the baseline lowers what the merge-base with main recorded at {BASELINE}, where its config"
        " pointed: coverage:total 90 → 10 (lowered)"
    )
    assert f"git checkout main -- {BASELINE}" in str(finding["message"])


def test_a_floor_that_rises_or_goes_with_its_file_is_no_lowering(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = measured_shop(tmp_path, tg, {**SHOP, "pyproject.toml": SHOP["pyproject.toml"].replace(
        "[tool.testguard.coverage]\n", '[tool.testguard.coverage]\npaths = { "shop/extra.py" = 50 }\n'),
        "shop/extra.py": "def unused(a):\n    return a\n"})
    assert "coverage:shop/extra.py" in json.loads((root / BASELINE).read_text())["figures"]
    commit(root, "base")
    git(root, "checkout", "-q", "-b", "feature")
    (root / "shop" / "extra.py").unlink()
    write(root, {"pyproject.toml": SHOP["pyproject.toml"]})
    measure_coverage(root)
    assert tg(root, "baseline").code == 0, "a figure of a deleted file goes with it"
    commit(root, "remove a module")
    run = tg(root, "run", "--diff-base", "main", "--format", "json")
    assert tg004(run) == [], run.out
