"""``# testguard: ignore[CODES]`` on a line, ``# testguard: ignore-file[CODES]`` at the top.

Codes match by prefix (``TG2`` covers TG201–TG205).  A comment without codes
suppresses nothing and is itself reported (TG002), like a blanket ``noqa``.
Only real comments count: the text inside a string is not a suppression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ast_grep_py import SgNode

from testguard.core import astgrep
from testguard.core.findings import Finding
from testguard.core.source import Source

_DIRECTIVE = re.compile(r"#\s*testguard:\s*(ignore-file|ignore)\b(?:\[([^\]]*)\])?")
FILE_LEVEL_LINES = 10


@dataclass
class Suppressions:
    by_line: dict[int, tuple[str, ...]] = field(default_factory=dict)
    file_codes: tuple[str, ...] = ()
    blanket: list[Finding] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.by_line or self.file_codes or self.blanket)

    def suppresses(self, finding: Finding) -> bool:
        if _covers(self.file_codes, finding.code):
            return True
        for line in {finding.line, finding.statement_line}:
            if _covers(self.by_line.get(line, ()), finding.code):
                return True
        return False

    def apply(self, findings: list[Finding]) -> list[Finding]:
        kept = [f for f in findings if not self.suppresses(f)]
        return kept + self.blanket


def _covers(codes: tuple[str, ...], code: str) -> bool:
    return any(code.startswith(c) for c in codes)


def parse_suppressions(source: Source, tree: SgNode | None, check: str) -> Suppressions:
    result = Suppressions()
    if "testguard:" not in source.text:
        return result
    if tree is None:
        tree = astgrep.parse(source.text)
    for comment in tree.find_all({"rule": {"kind": "comment", "regex": "testguard:"}}):
        match = _DIRECTIVE.search(comment.text())
        if match is None:
            continue
        line, col = astgrep.start(comment)
        kind, codes_text = match.group(1), match.group(2)
        codes = tuple(c.strip().upper() for c in (codes_text or "").split(",") if c.strip())
        if not codes:
            result.blanket.append(
                Finding(
                    path=source.path,
                    line=line,
                    col=col,
                    end_col=col + len(comment.text()),
                    code="TG002",
                    message=f"'# testguard: {kind}' without codes suppresses nothing;"
                    f" name the codes, e.g. '# testguard: {kind}[TG301]'",
                    check=check,
                )
            )
            continue
        if kind == "ignore-file":
            if line <= FILE_LEVEL_LINES:
                result.file_codes += codes
        else:
            result.by_line[line] = result.by_line.get(line, ()) + codes
    return result
