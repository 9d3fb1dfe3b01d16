"""The JSON report: stable, sorted keys; what the Action reads its outputs from."""

from __future__ import annotations

import json
from typing import Any

from testguard.core.report.model import Report

SCHEMA_VERSION = 1


def to_data(report: Report) -> dict[str, Any]:
    findings = report.findings()
    checks: dict[str, Any] = {}
    for result in report.results:
        checks[result.check] = {
            "files_checked": result.files_checked,
            "figures": dict(result.figures),
            "sections": result.sections,
            "fixed": [
                {
                    "code": e.code,
                    "path": e.path,
                    "line_text": e.line_text,
                    "check": e.check,
                }
                for e in sorted(
                    result.fixed, key=lambda e: (e.path, e.code, e.line_text)
                )
            ],
            "raw_output": result.raw_output,
        }
    _, left = report.annotation_plan()
    new = len(report.new_findings())
    return {
        "schema": SCHEMA_VERSION,
        "version": report.version,
        "root": str(report.root),
        "diff_base": report.diff_base,
        "baseline": report.baseline_path,
        "summary": {
            "total": len(findings),
            "new": new,
            "baselined": len(findings) - new,
            "fixed": report.fixed_count,
            "blocking": report.blocking,
            "files_checked": report.files_checked,
            "by_severity": report.severity_counts(),
            "by_check": {
                name: {
                    "new": c.new,
                    "baselined": c.baselined,
                    "fixed": c.fixed,
                    "blocking": c.blocking,
                }
                for name, c in report.counts().items()
            },
            "not_annotated": len(left),
        },
        "checks": checks,
        "findings": [f.to_dict() for f in findings],
    }


def render(report: Report) -> str:
    return (
        json.dumps(to_data(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )
