"""Plain text, ruff style: ``path:line:col: CODE message``, then a count."""

from __future__ import annotations

from testguard.core.findings import Finding, Status
from testguard.core.report.model import Report, count_line


def location(f: Finding) -> str:
    if not f.path:
        return "(project)"
    if f.line <= 0:
        return f.path
    if f.col <= 0:
        return f"{f.path}:{f.line}"
    return f"{f.path}:{f.line}:{f.col}"


def one_line(text: str) -> str:
    """Keep one finding on one line whatever its message holds."""
    return " ".join(text.replace("\r\n", "\n").split("\n")).replace("\r", " ")


def finding_line(f: Finding) -> str:
    return f"{location(f)}: {f.title} {one_line(f.message)}"


def render(report: Report) -> str:
    lines = [finding_line(f) for f in report.findings() if f.status is Status.NEW]
    for result in report.results:
        for entry in sorted(result.fixed, key=lambda e: (e.path, e.code, e.line_text)):
            lines.append(
                f"{entry.path}: {entry.code} fixed: {one_line(entry.line_text)}"
                " (run 'testguard baseline --prune')"
            )
    lines.append(count_line(report))
    return "\n".join(lines) + "\n"
