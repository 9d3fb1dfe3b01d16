"""The finding: one problem at one place, the unit every check reports."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


CUSTOM_CHECK = "custom"  # the check of the findings of custom ast-grep rules (``rules`` in config)
CUSTOM_RULES_SECTION = "rules"  # its report section: each loaded rule, described for SARIF


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


class Scope(str, enum.Enum):
    """What a finding is about: one place in a file, a whole file, or the whole project."""

    LINE = "line"
    FILE = "file"  # a file below its coverage floor: line 1 is only where to point
    PROJECT = "project"  # a floor or a count: it points at the setting (config or baseline file)


class Status(str, enum.Enum):
    """Where a finding stands against the baseline."""

    NEW = "new"
    BASELINED = "baselined"


@dataclass
class Finding:
    """One problem at one place.

    ``path`` is POSIX-style and relative to the project root; lines and columns
    are 1-based; ``end_line``/``end_col`` close the range (``end_col`` exclusive).
    ``title`` is what the reporters show as the rule (``TG501 [attr-defined]``);
    it defaults to the code.  ``details`` is free, JSON-serialisable data such as
    a mock's target class.  ``line_text`` is the stripped source text of the line,
    used for baseline matching when the check knows it.

    ``scope``: a finding about a whole file or the whole project still has a place
    to point at (line 1 of the file; the line of the setting that sets the floor),
    so every finding reads ``path:line:col``; it is not about that line, though:
    ``--diff-base`` always keeps it, and the baseline keys it on its fingerprint
    (and a project's finding on the project, path ``""``), not on the line's text.
    """

    path: str
    line: int
    col: int
    code: str
    message: str
    check: str
    end_line: int = 0
    end_col: int = 0
    severity: Severity = Severity.ERROR
    title: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    status: Status = Status.NEW
    line_text: str | None = None
    statement_line: int = 0
    scope: Scope = Scope.LINE

    def __post_init__(self) -> None:
        if self.scope is not Scope.LINE and self.line_text is None:
            self.line_text = ""
        if not self.end_line:
            self.end_line = self.line
        if not self.end_col:
            self.end_col = self.col
        if not self.title:
            self.title = self.code
        if not self.statement_line:
            self.statement_line = self.line

    @property
    def blocking(self) -> bool:
        return self.status is Status.NEW and self.severity is Severity.ERROR

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "end_line": self.end_line,
            "end_col": self.end_col,
            "code": self.code,
            "title": self.title,
            "message": self.message,
            "severity": self.severity.value,
            "check": self.check,
            "status": self.status.value,
            "scope": self.scope.value,
            "details": self.details,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            path=data["path"],
            line=data["line"],
            col=data["col"],
            end_line=data.get("end_line", 0),
            end_col=data.get("end_col", 0),
            code=data["code"],
            title=data.get("title", ""),
            message=data["message"],
            severity=Severity(data.get("severity", "error")),
            check=data["check"],
            status=Status(data.get("status", "new")),
            details=dict(data.get("details", {})),
            line_text=data.get("line_text"),
            statement_line=data.get("statement_line", 0),
            scope=Scope(data.get("scope", "line")),
        )


@dataclass
class FixedEntry:
    """A baseline entry that no longer matches any finding: the problem is gone."""

    code: str
    path: str
    line_text: str
    check: str


@dataclass
class CheckResult:
    """What one check returns.

    ``figures`` are the numbers that ratchet through the baseline (coverage per
    path, collected tests), ``sections`` are check-specific report data (the mock
    inventory, the coverage table) that the json and summary reporters render.
    """

    check: str
    findings: list[Finding] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    sections: dict[str, Any] = field(default_factory=dict)
    fixed: list[FixedEntry] = field(default_factory=list)
    files_checked: int = 0
    raw_output: str = ""
    used: str = ""
    """What the check worked on, for its line on stderr (``mypy 1.11 on 30 files``);
    empty: ``files_checked`` in the check's ``unit``."""
    error: str | None = None
    """Why the check could not run (``testguard run`` goes on with the others, exit 2)."""


class UsageError(Exception):
    """A usage or configuration error: reported as one message, exit code 2."""
