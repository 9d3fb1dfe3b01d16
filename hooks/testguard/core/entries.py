"""A baseline entry, and the key a finding of today shares with the entry that records it."""

from __future__ import annotations

import operator
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from testguard.core import gitobjects
from testguard.core.findings import Finding, Scope
from testguard.core.source import Source, decode

# (rule code, normalised line text, normalised fingerprint)
Key = tuple[str, str, str]


class Entry(NamedTuple):
    """One accepted finding (a tuple: a thousand load in a fraction of a millisecond).

    ``line`` is 0 when the finding has none, or the entry comes from a version 1
    file; ``occurrence`` numbers the entries of one key in one file 0, 1, ... in line
    order (what version 1 matched by, and what the fallback pairs by).
    """

    check: str
    code: str
    path: str
    line_text: str
    occurrence: int = 0
    fingerprint: str = ""
    message: str = ""
    line: int = 0

    @property
    def key(self) -> Key:
        return (self.code, self.line_text, self.fingerprint)

    def sort_key(self) -> tuple[str, str, str, str, str, int, int]:
        return (
            self.check, self.path, self.code, self.line_text, self.fingerprint,
            self.occurrence, self.line,
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"check": self.check, "code": self.code, "path": self.path}
        if self.line:
            data["line"] = self.line
        data["line_text"] = self.line_text
        data["occurrence"] = self.occurrence
        if self.fingerprint:
            data["fingerprint"] = self.fingerprint
        data["message"] = self.message
        return data


def normalise(text: str) -> str:
    """Whitespace collapsed, so re-indenting a line keeps it baselined."""
    return " ".join(text.split())


def needs_collapse(text: str) -> bool:
    """Cheaper than split + join for the usual, already normal text."""
    return "  " in text or "\t" in text or "\n" in text or text[:1] == " " or text[-1:] == " "


class LineReader:
    """Today's content of the files findings are in (each read once)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.contents: dict[str, bytes | None] = {}
        self.ids: dict[tuple[str, int], str | None] = {}
        self.sources: dict[str, Source | None] = {}

    def data(self, path: str) -> bytes | None:
        if path not in self.contents:
            try:
                self.contents[path] = (self.root / path).read_bytes() if path else None
            except OSError:
                self.contents[path] = None
        return self.contents[path]

    def blob_id(self, path: str, length: int) -> str | None:
        """The git blob id of the file's content (SHA-1, or SHA-256 for ``length`` 64)."""
        if (path, length) not in self.ids:
            data = self.data(path)
            self.ids[(path, length)] = gitobjects.object_id(data, length) if data is not None else None
        return self.ids[(path, length)]

    def text(self, finding: Finding) -> str:
        """The text of a finding's line when the check did not give it."""
        if finding.line_text is not None:
            return finding.line_text
        if not finding.path or finding.line <= 0:
            return ""
        if finding.path not in self.sources:
            data = self.data(finding.path)
            loaded = decode(finding.path, data) if data is not None else None
            self.sources[finding.path] = loaded if isinstance(loaded, Source) else None
        source = self.sources[finding.path]
        return source.line(finding.line) if source is not None else ""


ORDER = operator.attrgetter("path", "line", "col", "code")


def entry_path(finding: Finding) -> str:
    """The path an entry records: a project's finding belongs to the project (``""``),
    wherever its floor is written."""
    return "" if finding.scope is Scope.PROJECT else finding.path


def entry_line(finding: Finding) -> int:
    """The line an entry records: 0 when the finding is not about a line."""
    return max(finding.line, 0) if finding.scope is Scope.LINE else 0


def finding_key(finding: Finding, reader: LineReader) -> Key:
    """(code, normalised line text, normalised fingerprint): what an entry must share."""
    text = finding.line_text
    if text is None:
        text = " ".join(reader.text(finding).split())
    elif needs_collapse(text):
        text = " ".join(text.split())
    fingerprint = finding.details.get("fingerprint") if finding.details else None
    return (finding.code, text, "" if fingerprint is None else " ".join(str(fingerprint).split()))


def new_entries(findings: list[Finding], check: str, reader: LineReader) -> list[Entry]:
    """The entry that would record each finding (in the order of ``findings``)."""
    out: dict[int, Entry] = {}
    for index, f, key, occurrence in numbered(findings, reader):
        out[index] = Entry(
            check, key[0], entry_path(f), key[1], occurrence, key[2], normalise(f.message), entry_line(f)
        )
    return [out[i] for i in range(len(findings))]


def numbered(
    findings: list[Finding], reader: LineReader
) -> Iterator[tuple[int, Finding, Key, int]]:
    """Each finding with its position, key and occurrence (its number among the
    findings of its key in its file, in line order)."""
    seen: dict[tuple[str, Key], int] = {}
    for position, finding in sorted(enumerate(findings), key=lambda item: ORDER(item[1])):
        key = finding_key(finding, reader)
        path = entry_path(finding)
        occurrence = seen.get((path, key), 0)
        seen[(path, key)] = occurrence + 1
        yield position, finding, key, occurrence
