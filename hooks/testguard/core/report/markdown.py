"""Markdown for the job summary: inert table-cell text, and lines kept under a byte budget.

The summary (summary.py) and the checks that render sections into it (the
coverage table, the mock inventory) write through these.
"""

from __future__ import annotations

from testguard.core.report.escape import encodable, inert_markup, one_line

NOTE_RESERVE = 4 * 1024
_MESSAGE_CHARS = 300


def md(text: str, limit: int = _MESSAGE_CHARS) -> str:
    """Project text as inert Markdown table-cell content."""
    text = one_line(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    for a, b in (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ("|", "\\|"),
        ("`", "&#96;"),
    ):
        text = text.replace(a, b)
    return inert_markup(text)


def code(text: str) -> str:
    return f"<code>{md(text)}</code>"


class Budget:
    """The summary's lines, kept under a byte limit: ``add`` refuses a line that would
    leave no room for the closing notes (``note`` may use that room)."""

    def __init__(self, limit: int) -> None:
        self.lines: list[str] = []
        self.left = limit
        self.truncated = False

    def add(self, line: str, reserve: int = NOTE_RESERVE) -> bool:
        line = encodable(line)
        size = len(line.encode()) + 1
        if size > self.left - reserve:
            self.truncated = True
            return False
        self.lines.append(line)
        self.left -= size
        return True

    def note(self, line: str) -> None:
        self.add(line, reserve=0)
