"""Hostile file names and messages in every format: written whole, escaped, and never
a GitHub workflow command (read back with the runner's own parsing rules, tests/ghlog.py)."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import ghlog
import pytest
from conftest import Run, write
from report_samples import HOSTILE_MESSAGES, HOSTILE_PATHS
from testguard.core.findings import CheckResult, Finding, FixedEntry, Severity, Status
from testguard.core.report import FORMATS, Report, render, write_summary

NOT_UTF8 = "tests/test_\udcff.py"  # the name b"tests/test_\xff.py", as Python reads it
CONTROL_PATHS = [
    NOT_UTF8,
    "tests/test_a\n::set-env name=X::1.py",
    "tests/test_b\r::add-mask::2.py",
    "tests/test_c\r\n##[set-output name=y;]3.py",
    "tests/test_d\x85::error::4.py",
    "tests/test_e\u2028::warning::5.py",
    "tests/test_f\x1b[31m\x07\x00.py",
    "\t::notice::tab.py",
    "\x0b::debug::vt.py",
]
CONTROL_MESSAGES = [
    "exit here\n::set-env name=PATH::/tmp",
    "bytes \udcfe\udcff and a lone \ud800",
    "\x1b]0;title\x07 ##[add-mask]x",
]


def hostile(root: Path) -> Report:
    paths = CONTROL_PATHS + HOSTILE_PATHS
    messages = CONTROL_MESSAGES + HOSTILE_MESSAGES
    findings = [
        Finding(
            path, i + 1, 1, "TG301", message, "exits",
            severity=(Severity.ERROR, Severity.WARNING, Severity.NOTE)[i % 3],
            status=Status.BASELINED if i % 4 == 0 else Status.NEW,
            details={"changed": i % 5 == 0, "target": message},
        )
        for i, (path, message) in enumerate((p, m) for p in paths for m in messages)
    ]
    fixed = [FixedEntry("TG301", p, m, "exits") for p in paths[:3] for m in messages[:3]]
    raw = "\n".join(messages + paths)
    return Report([CheckResult("exits", findings, fixed=fixed, raw_output=raw)], root, "1")


def outputs(report: Report) -> dict[str, str]:
    rendered = {fmt: render(fmt, report) for fmt in FORMATS}
    rendered["summary"] = write_summary(report)
    return rendered


@pytest.mark.parametrize("given", [False, True])
def test_no_line_of_any_format_is_a_workflow_command(tmp_path: Path, given: bool) -> None:
    report = hostile(tmp_path)
    report.given_paths = given
    for fmt, text in outputs(report).items():
        text.encode("utf-8")  # every format can be written
        acted = ghlog.commands(text)
        if fmt != "github":
            assert acted == [], (fmt, [c.line for c in acted])
            continue
        # github: our annotations, and one stop-commands fence around the plain log
        names = [c.name for c in acted]
        assert names.count("stop-commands") == 1
        token = next(c.data for c in acted if c.name == "stop-commands").lower()
        assert names[-1] == token
        assert set(names[:-1]) <= {"error", "warning", "notice", "stop-commands"}
        assert len(ghlog.annotations_in(text)) == 30  # 10 per level


def test_text_shows_control_characters_and_bytes_as_visible_escapes(tmp_path: Path) -> None:
    lines = render("text", hostile(tmp_path)).splitlines()
    assert any(line.startswith("tests/test_\\xff.py:") for line in lines)
    assert any(line.startswith("tests/test_a\\n::set-env name=X::1.py:") for line in lines)
    assert any(line.startswith("tests/test_f\\x1b[31m\\x07\\x00.py:") for line in lines)
    assert any(line.startswith("\\t::notice::tab.py:") for line in lines)
    # a line that would start with "::" after blanks gets a visible escape
    assert any(line.startswith("\\x3a:set-output name=x::y.py:") for line in lines)
    assert any(line.startswith("  \\x3a:warning::indented.py:") for line in lines)
    assert any("TG301 exit here ::set-env name=PATH::/tmp" in line for line in lines)
    assert any("TG301 bytes \\xfe\\xff and a lone \\ud800" in line for line in lines)
    assert all("##[" not in line for line in lines)
    # one finding, one line: nothing split a line
    new = [f for f in hostile(tmp_path).findings() if f.status is Status.NEW]
    assert sum(1 for line in lines if ": TG301 " in line and "TG301 fixed:" not in line) == len(new)


def test_json_and_sarif_escape_losslessly_where_they_can(tmp_path: Path) -> None:
    report = hostile(tmp_path)
    data = json.loads(render("json", report))
    paths = {f["path"] for f in data["findings"]}
    assert "tests/test_\\xff.py" in paths  # a visible escape: JSON cannot carry the byte
    assert "tests/test_a\n::set-env name=X::1.py" in paths  # JSON escapes the rest itself
    assert "tests/##[set-output name=z;]w.py" in paths  # "##[" is written "##\u005b"
    sarif = json.loads(render("sarif", report))
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    }
    assert "tests/test_%FF.py" in uris
    assert "tests/test_a%0A%3A%3Aset-env%20name%3DX%3A%3A1.py" in uris
    assert all(u.isascii() and "\n" not in u for u in uris)


def test_junit_and_summary_parse_and_show_escapes(tmp_path: Path) -> None:
    report = hostile(tmp_path)
    suites = ET.fromstring(render("junit", report))
    files = {case.get("file") for case in suites.iter("testcase")}
    assert "tests/test_\\xff.py" in files and "tests/test_a\\n::set-env name=X::1.py" in files
    summary = write_summary(report)
    assert "<code>tests/test_\\xff.py:" in summary
    assert "tests/##&#91;set-output" in summary


def _project_with(tmp_path: Path, name: bytes) -> Path:
    root = tmp_path / "project"
    write(root, {"pyproject.toml": "[project]\nname = 'shop'\n", "tests/__init__.py": ""})
    with open(os.fsencode(root) + b"/" + name, "wb") as handle:
        handle.write(b"import sys\n\nsys.exit(1)\n")
    return root


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_name_that_is_not_utf8_is_written_in_every_format(
    tmp_path: Path, tg: Callable[..., Run], fmt: str
) -> None:
    root = _project_with(tmp_path, b"tests/test_\xff.py")
    (root / "tests" / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    to_file = tg(root, "exits", "--format", fmt, "--output", "report.out", "--summary", "summary.md")
    assert (to_file.code, to_file.err) == (1, "")
    written = (root / "report.out").read_text(encoding="utf-8")
    to_stdout = tg(root, "exits", "--format", fmt)
    assert (to_stdout.code, to_stdout.err) == (1, "")
    expected = "tests/test_%FF.py" if fmt == "sarif" else "tests/test_\\xff.py"
    for text in (written, to_stdout.out):
        if fmt == "json":
            assert expected in [f["path"] for f in json.loads(text)["findings"]]
        elif fmt == "sarif":
            [result] = json.loads(text)["runs"][0]["results"]
            assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == expected
        else:
            if fmt == "junit":
                ET.fromstring(text)
            assert expected in text
    summary = (root / "summary.md").read_text(encoding="utf-8")
    assert "<code>tests/test_\\xff.py:3:1</code>" in summary


def test_a_newline_in_a_file_name_cannot_start_a_command_in_text(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    root = _project_with(tmp_path, b"tests/test_a\n::set-env name=X::1.py")
    run = tg(root, "exits", "--format", "text")
    assert run.code == 1, run.err
    assert ghlog.commands(run.out) == []
    assert run.out.splitlines()[0].startswith("tests/test_a\\n::set-env name=X::1.py:3:1: TG301 ")


def test_a_usage_error_quoting_untrusted_text_is_no_workflow_command(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    """The error quotes the config's value; on stderr, the runner would still read it."""
    write(tmp_path, {
        "pyproject.toml": '[tool.testguard]\nselect = ["##[error]pwned", "x\\n::error::pwned"]\n',
        "tests/test_a.py": "def test_a():\n    pass\n",
    })
    run = tg(tmp_path, "check")
    assert run.code == 2
    assert "pwned" in run.err
    assert ghlog.commands(run.err) == []
