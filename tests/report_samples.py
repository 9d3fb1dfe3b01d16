"""Findings built by hand for the reporter tests: real values, as checks produce them."""

from __future__ import annotations

from pathlib import Path

from testguard.checks import CHECKS
from testguard.core.findings import CheckResult, Finding, FixedEntry, Scope, Severity, Status
from testguard.core.report import Report

HOSTILE_PATHS = [
    "::set-output name=x::y.py",
    "tests/::add-mask::secret.py",
    "tests/100%done,really:yes.py",
    "  ::warning::indented.py",
    "tests/##[set-output name=z;]w.py",
    "tests/ümlaut and space.py",
]
HOSTILE_MESSAGES = [
    "::set-output name=x::y",
    "line one\r\n::add-mask::secret",
    "100% of 3,5: done\n::error::fake",
    "##[add-mask]hidden ##[set-env name=A;]b",
    "%0A already escaped? %25 %3A",
    "\r::endgroup::\n  ::stop-commands::abc",
]


def sample_report(root: Path) -> Report:
    mocks = CheckResult(
        "mocks",
        [
            Finding(
                "tests/test_api.py",
                3,
                1,
                "TG201",
                "mock library imported: unittest.mock",
                "mocks",
                end_col=26,
                line_text="from unittest import mock",
            ),
            Finding(
                "tests/test_api.py",
                10,
                5,
                "TG202",
                "first-party code patched: mypkg.api.fetch",
                "mocks",
                end_line=12,
                end_col=9,
                details={"class": "first-party", "changed": True},
            ),
            Finding(
                "tests/test_db.py",
                7,
                5,
                "TG204",
                "mock object constructed: MagicMock",
                "mocks",
                end_col=16,
                status=Status.BASELINED,
            ),
        ],
        files_checked=4,
        fixed=[
            FixedEntry("TG205", "tests/test_old.py", "def test_x(mocker):", "mocks")
        ],
        sections={
            "inventory": {
                "totals": {
                    "uses": 2,
                    "files": 2,
                    "by_class": {"database": 1, "first-party": 1},
                    "by_kind": {"patch": 1, "mock-object": 1},
                },
                "files": [
                    {
                        "path": "tests/test_api.py",
                        "uses": 1,
                        "band": "simple",
                        "by_class": {"first-party": 1},
                        "by_kind": {"patch": 1},
                    },
                    {
                        "path": "tests/test_db.py",
                        "uses": 1,
                        "band": "simple",
                        "by_class": {"database": 1},
                        "by_kind": {"mock-object": 1},
                    },
                ],
                "replacements": {
                    "first-party": "call the real code",
                    "database": "SQLite in tmp_path",
                },
            }
        },
    )
    coverage = CheckResult(
        "coverage",
        [
            Finding(
                "mypkg/api.py",
                20,
                1,
                "TG604",
                "changed line not covered",
                "coverage",
                severity=Severity.WARNING,
                details={"changed": True},
            ),
            Finding(
                "pyproject.toml",
                12,
                1,
                "TG601",
                "total coverage 81.2% is below the floor 85%",
                "coverage",
                scope=Scope.PROJECT,
            ),
        ],
        files_checked=2,
        figures={"total": 81.2},
        sections={
            "coverage_table": [
                {
                    "path": "mypkg/api.py",
                    "statements": 40,
                    "missed": 10,
                    "percent": 75.0,
                    "floor": 85.0,
                    "passed": False,
                },
                {
                    "path": "mypkg/core.py",
                    "statements": 60,
                    "missed": 3,
                    "percent": 95.0,
                    "floor": None,
                    "passed": True,
                },
            ]
        },
    )
    mypy = CheckResult(
        "mypy",
        [
            Finding(
                "mypkg/api.py",
                5,
                12,
                "TG501",
                'Item "None" has no attribute "x"',
                "mypy",
                title="TG501 [union-attr]",
            )
        ],
        files_checked=2,
        raw_output='mypkg/api.py:5: error: Item "None" has no attribute "x"  [union-attr]\n'
        "::add-mask::from-mypy\n##[set-output name=a;]b\nFound 1 error in 1 file",
    )
    exits = CheckResult("exits", [], files_checked=4)
    return Report(
        [mocks, coverage, mypy, exits],
        root,
        "0.1.0",
        baseline_path=".testguard-baseline.json",
        checks=CHECKS,
    )


def hostile_report(root: Path, raw: str = "") -> Report:
    findings = [
        Finding(path, i + 1, 2, "TG201", message, "mocks", end_col=9, severity=sev)
        for i, (path, message, sev) in enumerate(
            (p, m, s)
            for p in HOSTILE_PATHS
            for m in HOSTILE_MESSAGES
            for s in (Severity.ERROR, Severity.WARNING)
        )
    ]
    result = CheckResult(
        "mocks",
        findings,
        files_checked=len(HOSTILE_PATHS),
        raw_output=raw,
        fixed=[FixedEntry("TG202", HOSTILE_PATHS[0], HOSTILE_MESSAGES[1], "mocks")],
    )
    return Report([result], root, "0.1.0")
