"""The Markdown job summary: what a reviewer reads, always under GitHub's 1 MiB."""

from __future__ import annotations

from pathlib import Path

from report_samples import hostile_report, sample_report
from testguard.checks import CHECKS
from testguard.core.findings import CheckResult, Finding
from testguard.core.report import Report, write_summary
from testguard.core.report.summary import MAX_BYTES, render

GITHUB_ENV = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "acme/shop",
    "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
}


def _table(md: str, header: str) -> list[list[str]]:
    lines = md.splitlines()
    start = lines.index(header)
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows


def test_one_row_per_check_with_counts(tmp_path: Path) -> None:
    md = render(sample_report(tmp_path), env={})
    rows = _table(md, "| check | files | new | baselined | fixed | blocking |")
    assert rows == [
        ["❌ mocks", "4", "2", "1", "1", "2"],
        ["❌ coverage", "2", "2", "0", "0", "1"],
        ["❌ mypy", "2", "1", "0", "0", "1"],
        ["✅ exits", "4", "0", "0", "0", "0"],
    ]
    assert md.startswith(
        "### ❌ testguard 0.1.0: Found 5 errors and 1 warning (5 new, 1 baselined)."
    )


def test_findings_link_to_their_lines(tmp_path: Path) -> None:
    md = render(sample_report(tmp_path), env=GITHUB_ENV)
    base = "https://github.com/acme/shop/blob/0123456789abcdef0123456789abcdef01234567/"
    assert f"({base}tests/test_api.py#L10-L12)" in md
    assert f"({base}mypkg/api.py#L5)" in md
    # without the environment, plain paths
    plain = render(sample_report(tmp_path), env={})
    assert "https://" not in plain and "<code>tests/test_api.py:10:5</code>" in plain


def test_sections_coverage_bars_and_inventory(tmp_path: Path) -> None:
    md = render(sample_report(tmp_path), env={})
    cov = _table(md, "| path | statements | missed | coverage | floor | |")
    assert cov[0] == [
        "<code>mypkg/api.py</code>",
        "40",
        "10",
        "`███████████████░░░░░` 75.0%",
        "85.0%",
        "suppressed",  # below its floor, but no TG602 of it in the result: nothing blocks
    ]
    assert cov[1][-1] == "✅" and cov[1][4] == ""
    inv = _table(md, "| class | uses | reach for instead |")
    assert ["database", "1", "SQLite in tmp_path"] in inv
    assert "#### Mock inventory (mocks): 2 uses in 2 files" in md
    files = _table(md, "| file | uses | band | database | first-party |")
    assert files[1] == ["<code>tests/test_db.py</code>", "1", "simple", "1", "0"]
    assert "TG205" in md and "testguard baseline --prune" in md


def test_not_annotated_findings_are_counted(tmp_path: Path) -> None:
    findings = [Finding(f"t{i}.py", 1, 1, "TG201", "m", "mocks") for i in range(25)]
    md = write_summary(Report([CheckResult("mocks", findings)], tmp_path, "1"))
    assert "15 findings could not be annotated on the diff" in md


def test_project_text_cannot_break_the_markdown(tmp_path: Path) -> None:
    f = Finding(
        "a|b.py", 1, 1, "TG201", "<script>alert(1)</script> | `x` \n# heading", "mocks"
    )
    md = render(Report([CheckResult("mocks", [f])], tmp_path, "1"), env={})
    row = next(line for line in md.splitlines() if "a\\|b.py" in line)
    assert "<script>" not in md and "&lt;script&gt;" in row
    assert row.count(" | ") == 4
    assert "\n# heading" not in md


def test_huge_reports_stay_under_the_limit(tmp_path: Path) -> None:
    findings = [
        Finding(f"tests/test_{i}.py", i, 1, "TG201", "x" * 400, "mocks")
        for i in range(1, 8001)
    ]
    table = [
        {
            "path": f"pkg/m{i}.py",
            "statements": 10,
            "missed": 1,
            "percent": 90.0,
            "floor": 80.0,
            "passed": True,
        }
        for i in range(20000)
    ]
    report = Report(
        [
            CheckResult("mocks", findings),
            CheckResult("coverage", sections={"coverage_table": table}),
        ],
        tmp_path,
        "1",
        checks=CHECKS,
    )
    md = render(report, env=GITHUB_ENV)
    size = len(md.encode())
    assert size <= MAX_BYTES < 1024 * 1024
    assert "see the JSON or SARIF report" in md
    assert md.rstrip().endswith(
        "_This summary was shortened to stay under GitHub's 1 MiB limit._"
    )


def test_small_limit_still_valid(tmp_path: Path) -> None:
    md = render(hostile_report(tmp_path), env={}, limit=8 * 1024)
    assert len(md.encode()) <= 8 * 1024
    assert md.count("<details>") == md.count("</details>")


def test_plain_inventory_mapping_and_figures(tmp_path: Path) -> None:
    inventory = {
        "totals": {"http": 3},
        "files": [{"path": "tests/t.py", "counts": {"http": 3}, "band": "moderate"}],
        "replacements": {"http": "a local HTTP server"},
    }
    results = [
        CheckResult("mocks", sections={"inventory": inventory}),
        CheckResult("collect", sections={"collect": {"tests": 412, "errors": 1}}),
        CheckResult("coverage", sections={"coverage": {"display": "91.5%"}}),
    ]
    md = render(Report(results, tmp_path, "1", checks=CHECKS), env={})
    assert ["http", "3", "a local HTTP server"] in _table(
        md, "| class | uses | reach for instead |"
    )
    assert _table(md, "| file | uses | band | http |") == [
        ["<code>tests/t.py</code>", "3", "moderate", "3"]
    ]
    assert "pytest collected 412 tests (1 collection error)." in md
    assert "Total coverage (coverage): 91.5%." in md
