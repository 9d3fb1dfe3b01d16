"""GitHub workflow commands, read back with the runner's own parsing rules."""

from __future__ import annotations

from pathlib import Path

import ghlog
from report_samples import (
    HOSTILE_MESSAGES,
    HOSTILE_PATHS,
    hostile_report,
    sample_report,
)
from testguard.core.findings import CheckResult, Finding, Severity, Status
from testguard.core.report import Report, render
from testguard.core.report.github import escape_data, escape_property

TOOLKIT_CASES = [
    # (input, escapeData, escapeProperty) as @actions/core computes them
    ("plain", "plain", "plain"),
    ("100%", "100%25", "100%25"),
    ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
    ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
    ("%0A", "%250A", "%250A"),
    (
        "::set-output name=x::y",
        "::set-output name=x::y",
        "%3A%3Aset-output name=x%3A%3Ay",
    ),
]


def test_escaping_matches_the_actions_toolkit() -> None:
    for raw, data, prop in TOOLKIT_CASES:
        assert escape_data(raw) == data
        assert escape_property(raw) == prop


def test_annotations_carry_exact_locations(tmp_path: Path) -> None:
    log = render("github", sample_report(tmp_path))
    notes = ghlog.annotations_in(log)
    by_title = {n.properties["title"]: n for n in notes}
    single = by_title["TG201"]
    assert single.name == "error"
    assert single.properties == {
        "file": "tests/test_api.py",
        "line": "3",
        "col": "1",
        "endColumn": "25",
        "title": "TG201",
    }
    multi = by_title["TG202"]
    assert multi.properties == {
        "file": "tests/test_api.py",
        "line": "10",
        "endLine": "12",
        "title": "TG202",
    }
    assert by_title["TG604"].name == "warning"
    assert by_title["TG501 [union-attr]"].properties["col"] == "12"
    assert by_title["TG204 (baselined)"].name == "notice"  # baselined: never an error
    project = by_title["TG601"]  # at the setting of the floor it fell below
    assert (project.properties["file"], project.properties["line"]) == ("pyproject.toml", "12")
    assert project.data.startswith("total coverage")


def test_most_important_first(tmp_path: Path) -> None:
    notes = ghlog.annotations_in(render("github", sample_report(tmp_path)))
    titles = [n.properties["title"] for n in notes]
    # new errors (changed line first), then new warnings, then baselined
    assert titles[0] == "TG202"
    assert titles.index("TG204 (baselined)") == len(titles) - 1


def test_at_most_ten_per_level_and_the_rest_is_counted(tmp_path: Path) -> None:
    findings = [
        Finding(
            f"tests/test_{i:02}.py",
            1,
            1,
            "TG201",
            f"m{i}",
            "mocks",
            severity=Severity.ERROR if i % 3 else Severity.WARNING,
            status=Status.NEW if i < 30 else Status.BASELINED,
            details={"changed": i in (25, 26)},
        )
        for i in range(40)
    ]
    log = render("github", Report([CheckResult("mocks", findings)], tmp_path, "1"))
    notes = ghlog.annotations_in(log)
    errors = [n for n in notes if n.name == "error"]
    warnings = [n for n in notes if n.name == "warning"]
    notices = [n for n in notes if n.name == "notice"]
    assert len(errors) == 10 and len(warnings) == 10
    # changed lines first within new errors; a baselined finding is never an error
    assert errors[0].properties["file"] in ("tests/test_25.py", "tests/test_26.py")
    assert all(not n.properties["title"].endswith("(baselined)") for n in errors + warnings)
    # the 10 baselined ones are notices, which GitHub counts apart
    assert [n.properties["title"] for n in notices] == ["TG201 (baselined)"] * 10
    assert "testguard: 10 findings not annotated" in log
    assert "job summary" in log and "SARIF" in log and "JSON" in log
    # every finding is still in the plain log
    for i in range(40):
        assert f"tests/test_{i:02}.py:1:1: TG201 m{i}" in log


def test_hostile_names_and_messages_never_become_commands(tmp_path: Path) -> None:
    raw = "\n".join(
        HOSTILE_MESSAGES + HOSTILE_PATHS + ["::TESTGUARD-0::", "::endgroup::"]
    )
    report = hostile_report(tmp_path, raw=raw)
    log = render("github", report)
    acted = ghlog.commands(log)
    names = [c.name for c in acted]
    assert set(names) <= {"error", "warning", "stop-commands"} | {names[-1]}
    assert names.count("stop-commands") == 1
    token = next(c.data for c in acted if c.name == "stop-commands")
    assert names[-1] == token.lower()
    # the annotations say exactly what the findings say
    notes = ghlog.annotations_in(log)
    assert len(notes) == 20
    shown = report.annotation_plan()[0]
    for note, finding in zip(notes, shown):
        assert note.properties["file"] == finding.path
        assert note.data == finding.message
    # no line starts a command except the ones emitted on purpose
    ours = {c.line for c in acted}
    for line in ghlog.lines(log):
        if line.lstrip().startswith("::") or "##[" in line:
            assert line in ours or _inside_stop(log, line), line


def _inside_stop(log: str, line: str) -> bool:
    lines = ghlog.lines(log)
    start = next(i for i, l in enumerate(lines) if l.startswith("::stop-commands::"))
    token = lines[start].split("::")[2]
    end = lines.index(f"::{token}::")
    return line in lines[start + 1 : end]


def test_raw_output_is_fenced_by_a_fresh_token(tmp_path: Path) -> None:
    report = sample_report(tmp_path)
    first, second = render("github", report), render("github", report)
    token = next(x for x in ghlog.lines(first) if x.startswith("::stop-commands::"))
    assert token != next(
        x for x in ghlog.lines(second) if x.startswith("::stop-commands::")
    )
    assert "::add-mask::from-mypy" in first
    assert _inside_stop(first, "::add-mask::from-mypy")
    # a check's own section text (the mock inventory) is project data too
    assert _inside_stop(first, "Mock inventory: 2 uses in 2 files")
    assert "add-mask" not in {c.name for c in ghlog.commands(first)}
    assert "set-output" not in {c.name for c in ghlog.commands(first)}


def test_every_plain_line_is_escaped(tmp_path: Path) -> None:
    log = render("github", hostile_report(tmp_path))
    assert "error [new] tests/100%25done,really:yes.py:29:2: TG201 100%25 of 3,5: done ::error::fake" in log
    # one finding, one line
    assert sum(1 for l in ghlog.lines(log) if l.startswith("error [new] ")) == len(
        HOSTILE_PATHS
    ) * len(HOSTILE_MESSAGES)


def test_clean_run(tmp_path: Path) -> None:
    report = Report([CheckResult("exits", files_checked=2)], tmp_path, "1")
    assert render("github", report) == "All checks passed.\n"


def _error(path: str, line: int, changed: bool = False) -> Finding:
    return Finding(path, line, 1, "TG301", f"exit {line}", "exits", details={"changed": changed})


def test_many_findings_in_the_first_files_do_not_crowd_out_the_others(tmp_path: Path) -> None:
    # a pull request adds 30 findings to each of two files sorted first, and one
    # to each of three files sorted last
    findings = [_error(f"tests/test_a{n}.py", line) for n in (1, 2) for line in range(1, 31)]
    findings += [_error(f"tests/test_z{n}.py", 7) for n in (1, 2, 3)]
    report = Report([CheckResult("exits", findings)], tmp_path, "1")
    notes = ghlog.annotations_in(render("github", report))
    files = [n.properties["file"] for n in notes]
    assert len(files) == 10
    for n in (1, 2, 3):
        assert files.count(f"tests/test_z{n}.py") == 1
    # the rest of the budget is shared between the crowded files, in line order
    assert files.count("tests/test_a1.py") == 4 and files.count("tests/test_a2.py") == 3
    assert [n.properties["line"] for n in notes if n.properties["file"] == "tests/test_a1.py"] == [
        "1", "2", "3", "4"
    ]


def test_changed_lines_get_the_budget_first_then_the_rest_round_the_files(tmp_path: Path) -> None:
    findings = [_error("tests/test_a.py", line) for line in range(1, 21)]
    findings += [_error("tests/test_m.py", line, changed=True) for line in range(1, 9)]
    findings += [_error("tests/test_z.py", 5)]
    report = Report([CheckResult("exits", findings)], tmp_path, "1")
    shown, left = report.annotation_plan()
    assert [(f.path, f.line) for f in shown] == [
        *(("tests/test_m.py", line) for line in range(1, 9)),  # changed lines first
        ("tests/test_a.py", 1),
        ("tests/test_z.py", 5),
    ]
    assert len(left) == 19
    assert "testguard: 19 findings not annotated" in render("github", report)


def test_baselined_findings_are_notices_after_new_notes_or_not_annotated(tmp_path: Path) -> None:
    baselined = [
        Finding(f"tests/test_{i}.py", 1, 1, "TG301", "old", "exits", status=Status.BASELINED)
        for i in range(12)
    ]
    note = Finding("tests/test_z.py", 3, 1, "TG999", "a note", "custom", severity=Severity.NOTE)
    results = [CheckResult("exits", baselined), CheckResult("custom", [note])]
    notes = ghlog.annotations_in(render("github", Report(results, tmp_path, "1")))
    assert {n.name for n in notes} == {"notice"}
    assert len(notes) == 10 and notes[0].properties["title"] == "TG999"
    hidden = Report(results, tmp_path, "1", baselined_annotations="none")
    log = render("github", hidden)
    assert [n.properties["title"] for n in ghlog.annotations_in(log)] == ["TG999"]
    assert "not annotated" not in log  # left out on purpose, not for lack of budget
    assert "notice [baselined] tests/test_0.py:1:1: TG301 old" not in log
    assert "error [baselined] tests/test_0.py:1:1: TG301 old" in log  # still in the plain log
