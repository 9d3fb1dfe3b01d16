"""The text and JSON reports, read back the way a user or a script reads them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import ghlog
import pytest
from conftest import Run, write
from report_samples import sample_report
from testguard.core.findings import CheckResult, Finding, UsageError
from testguard.core.report import FORMATS, Report, render


def test_text_is_one_line_per_new_finding_sorted_then_fixed_then_count(
    tmp_path: Path,
) -> None:
    out = render("text", sample_report(tmp_path)).splitlines()
    assert out[:6] == [
        'mypkg/api.py:5:12: TG501 [union-attr] Item "None" has no attribute "x"',
        "mypkg/api.py:20:1: TG604 changed line not covered",
        "pyproject.toml:12:1: TG601 total coverage 81.2% is below the floor 85%",
        "tests/test_api.py:3:1: TG201 mock library imported: unittest.mock",
        "tests/test_api.py:10:5: TG202 first-party code patched: mypkg.api.fetch",
        "tests/test_old.py: TG205 fixed: def test_x(mocker): (run 'testguard baseline --prune')",
    ]
    # the baselined TG204 is counted, not listed
    assert not any("TG204" in line for line in out)
    # the mock check renders its own inventory section, after the findings
    assert "Mock inventory: 2 uses in 2 files" in out
    assert out[-1] == "Found 5 errors and 1 warning (5 new, 1 baselined)."


def test_text_without_findings_says_all_passed(tmp_path: Path) -> None:
    report = Report([CheckResult("exits", files_checked=3)], tmp_path, "0.1.0")
    assert render("text", report) == "All checks passed.\n"


def test_text_keeps_a_multiline_message_on_one_line(tmp_path: Path) -> None:
    f = Finding("t.py", 1, 1, "TG102", "Traceback:\n  boom\r\nValueError", "imports")
    out = render("text", Report([CheckResult("imports", [f])], tmp_path, "1"))
    assert out.splitlines()[0] == "t.py:1:1: TG102 Traceback:   boom ValueError"
    assert out.splitlines()[1] == "Found 1 error."


def test_json_report_round_trips_every_finding(tmp_path: Path) -> None:
    report = sample_report(tmp_path)
    data = json.loads(render("json", report))
    assert data["version"] == "0.1.0"
    assert data["root"] == str(tmp_path)
    assert data["summary"]["total"] == 6
    assert data["summary"]["new"] == 5
    assert data["summary"]["baselined"] == 1
    assert data["summary"]["blocking"] == 4
    assert data["summary"]["fixed"] == 1
    assert data["summary"]["by_check"]["mocks"] == {
        "new": 2,
        "baselined": 1,
        "fixed": 1,
        "blocking": 2,
    }
    assert [Finding.from_dict(d) for d in data["findings"]] == [
        Finding.from_dict(f.to_dict()) for f in report.findings()
    ]
    assert data["checks"]["coverage"]["figures"] == {"total": 81.2}
    assert data["checks"]["mocks"]["fixed"][0]["line_text"] == "def test_x(mocker):"
    inventory = data["checks"]["mocks"]["sections"]["inventory"]
    assert inventory["totals"]["by_class"]["database"] == 1


def test_json_is_stable(tmp_path: Path) -> None:
    first = render("json", sample_report(tmp_path))
    assert first == render("json", sample_report(tmp_path))
    keys = list(json.loads(first))
    assert keys == sorted(keys)


def test_unknown_format_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown report format 'xml'"):
        render("xml", sample_report(tmp_path))


def test_every_format_renders(tmp_path: Path) -> None:
    for fmt in FORMATS:
        assert render(fmt, sample_report(tmp_path)).endswith("\n")


def _monorepo(tmp_path: Path) -> Path:
    project = tmp_path / "repo" / "services" / "app"
    write(project, {
        "pyproject.toml": "[project]\nname = 'app'\n",
        "tests/test_x.py": "import sys\n\nsys.exit(1)\n",
    })
    return project


def test_paths_stay_relative_to_the_project_on_the_command_line(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    project = _monorepo(tmp_path)
    run = tg(project, "exits", "--format", "json")
    assert [f["path"] for f in run.json()["findings"]] == ["tests/test_x.py"]
    assert run.json()["paths_relative_to"] == str(project)


def test_paths_relative_to_a_directory_that_holds_the_project(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    project = _monorepo(tmp_path)
    workspace = tmp_path / "repo"
    run = tg(project, "exits", "--paths-relative-to", str(workspace), "--format", "json")
    assert [f["path"] for f in run.json()["findings"]] == ["services/app/tests/test_x.py"]
    text = tg(project / "tests", "exits", "--paths-relative-to", "../../..")
    assert text.out.startswith("services/app/tests/test_x.py:3:1: TG301 ")
    # a directory that does not hold the project is a usage error, before any check runs
    outside = tg(project, "exits", "--paths-relative-to", str(tmp_path / "elsewhere"))
    assert outside.code == 2 and outside.out == ""
    assert "--paths-relative-to" in outside.err and "is not inside it" in outside.err


def test_baselined_annotations_from_the_environment(
    tmp_path: Path, tg: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _monorepo(tmp_path)
    assert tg(project, "baseline", "exits").code == 0
    assert "::notice " in tg(project, "exits", "--format", "github").out
    monkeypatch.setenv("TESTGUARD_ANNOTATE_BASELINED", "none")
    hidden = tg(project, "exits", "--format", "github")
    assert (hidden.code, ghlog.annotations_in(hidden.out)) == (0, [])
    # the flag wins over the environment
    flagged = tg(project, "exits", "--format", "github", "--annotate-baselined", "notice")
    assert [n.name for n in ghlog.annotations_in(flagged.out)] == ["notice"]
    monkeypatch.setenv("TESTGUARD_ANNOTATE_BASELINED", "error")
    bad = tg(project, "exits", "--format", "github")
    assert bad.code == 2 and "TESTGUARD_ANNOTATE_BASELINED='error'" in bad.err


def test_with_fail_on_any_every_report_says_the_baselined_errors_block(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    # --fail-on any (the Action's `fail-on: any`) exits 1 on baselined errors; the reports
    # said nothing blocked: no text line, a grey notice, "blocking": 0, a green summary,
    # no JUnit failure, empty statistics.
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "pkg"\n',
        "tests/test_a.py": "import sys\n\n\ndef test_a():\n    sys.exit(1)\n",
    })
    assert tg(tmp_path, "baseline", "exits").code == 0
    text = tg(tmp_path, "exits", "--fail-on", "any", "--summary", "summary.md",
              "--report", "json:report.json", "--report", "junit:report.xml")
    assert text.code == 1
    assert text.out.splitlines()[0].startswith("tests/test_a.py:5:5: TG302 ")
    assert json.loads((tmp_path / "report.json").read_text())["summary"]["blocking"] == 1
    assert (tmp_path / "summary.md").read_text().startswith("### ❌")
    assert 'failures="1"' in (tmp_path / "report.xml").read_text()
    github = tg(tmp_path, "exits", "--fail-on", "any", "--format", "github")
    assert github.code == 1 and github.out.startswith("::error file=tests/test_a.py,line=5,")
    statistics = tg(tmp_path, "exits", "--fail-on", "any", "--statistics")
    assert statistics.code == 1 and "1  TG302  exit-in-test" in statistics.out
    # with --fail-on new (the default) the same findings pass, and every report says so
    quiet = tg(tmp_path, "exits", "--format", "github")
    assert quiet.code == 0 and quiet.out.startswith("::notice ")
