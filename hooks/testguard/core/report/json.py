"""The JSON report: stable, sorted keys; what the Action reads its outputs from.

Finding and fixed-entry paths are relative to ``paths_relative_to`` (the project
root unless ``--paths-relative-to`` says otherwise); a check's ``sections`` keep
paths relative to ``root``. A file name that is not UTF-8 shows its bytes as
``\\xNN``.
"""

from __future__ import annotations

import json
from typing import Any

from testguard.core.report.escape import encodable, has_surrogate, inert_json
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
                for e in report.fixed_entries(result)
            ],
            "raw_output": result.raw_output,
            "error": result.error,
        }
    _, left = report.annotation_plan()
    new = len(report.new_findings())
    return {
        "schema": SCHEMA_VERSION,
        "version": report.version,
        "root": str(report.root),
        "paths_relative_to": str(report.path_base or report.root),
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


def encodable_data(value: Any) -> Any:
    """``value`` with every string (keys too) valid UTF-8: see ``escape.encodable``."""
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, dict):
        return {encodable_data(k): encodable_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encodable_data(v) for v in value]
    return value


def dump(data: Any) -> str:
    """Indented, sorted, UTF-8-safe JSON that no log line can read as a command."""
    # With ensure_ascii=False a lone surrogate reaches the text as it is: when there
    # is none, every string was encodable already, and the walk that escapes them
    # (a tenth of a second for a large report) changes nothing.
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
    if has_surrogate(text):
        text = json.dumps(encodable_data(data), indent=2, sort_keys=True, ensure_ascii=False)
    return inert_json(text) + "\n"


def render(report: Report) -> str:
    return dump(to_data(report))
