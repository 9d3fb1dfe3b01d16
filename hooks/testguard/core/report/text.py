"""Plain text, ruff style: ``path:line:col: CODE message``, then a count.

Every line is inert: whatever a file name or message holds, no line of it can
be read as a GitHub workflow command when a user picks text output in Actions.
"""

from __future__ import annotations

from testguard.core.check import find
from testguard.core.findings import Finding
from testguard.core.report.escape import inert, one_line, visible
from testguard.core.report.model import Report, verdict

__all__ = ["finding_line", "location", "one_line", "render", "section_texts"]

# A check renders its own report sections as text (Check.render_text: the mock
# inventory, the coverage table); the reporters only place that text.


def location(f: Finding) -> str:
    """``path:line:col``, always: the checks give every finding a place (a project's
    finding: the setting's line); line and column 1 where there is no better one."""
    path = visible(f.path) if f.path else "."
    return f"{path}:{max(f.line, 1)}:{max(f.col, 1)}"


def finding_line(f: Finding) -> str:
    """One finding on one line whatever its path and message hold."""
    return f"{location(f)}: {one_line(f.title)} {one_line(f.message)}"


def section_texts(report: Report) -> list[str]:
    """Each check's own text for its report sections, in the order checks ran."""
    texts: list[str] = []
    for result in report.results:
        check = find(report.checks, result.check)
        if not result.sections or check is None or check.render_text is None:
            continue
        text = check.render_text(result).strip("\n")
        if text:
            texts.append(text)
    return texts


def render(report: Report) -> str:
    lines = [finding_line(f) for f in report.findings() if report.listed(f)]
    for result in report.results:
        for entry in report.fixed_entries(result):
            lines.append(
                f"{visible(entry.path) or '(project)'}: {entry.code} fixed: {one_line(entry.line_text)}"
                " (run 'testguard baseline --prune')"
            )
    for text in section_texts(report):
        lines += ["", *text.splitlines(), ""]
    closing = verdict(report)
    if closing is not None:
        lines.append(closing)
    if not lines:
        return ""
    return "\n".join(inert(visible(line)) for line in lines) + "\n"
