"""Plain text, ruff style: ``path:line:col: CODE message``, then a count."""

from __future__ import annotations

from testguard.core.findings import Finding, Status
from testguard.core.report.model import Report, count_line

# A check renders its own report sections as text with ``render_<section>_text``
# (e.g. the mock inventory); the reporters only place that text.


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


def section_texts(report: Report) -> list[str]:
    """Each check's own text for its report sections, in the order checks ran."""
    from testguard import checks as registry

    texts: list[str] = []
    names = set(registry.available())
    for result in report.results:
        if not result.sections or result.check not in names:
            continue
        module = registry.load(result.check)
        for name, section in result.sections.items():
            renderer = getattr(module, f"render_{name}_text", None)
            if callable(renderer):
                text = str(renderer(section)).strip("\n")
                if text:
                    texts.append(text)
    return texts


def render(report: Report) -> str:
    lines = [finding_line(f) for f in report.findings() if f.status is Status.NEW]
    for result in report.results:
        for entry in sorted(result.fixed, key=lambda e: (e.path, e.code, e.line_text)):
            lines.append(
                f"{entry.path}: {entry.code} fixed: {one_line(entry.line_text)}"
                " (run 'testguard baseline --prune')"
            )
    for text in section_texts(report):
        lines += ["", text, ""]
    lines.append(count_line(report))
    return "\n".join(lines) + "\n"
