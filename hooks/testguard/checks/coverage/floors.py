"""Floors over a ``CoverageSet``: which glob governs a file, per-glob sums, changed lines.

"Most specific" glob, in order: the longest literal prefix (the characters before
the first wildcard; a pattern without ``/`` matches at any depth, so its literal
prefix is empty), then the fewest wildcards (``**`` counts as one), then the
longer pattern, then the one written first.  ``src/pkg/security/auth.py`` beats
``src/pkg/security/**``, which beats ``src/pkg/**``, which beats ``*.py``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from testguard.checks.coverage.model import CoverageSet, FileCoverage, Numbers
from testguard.core.globs import compile_glob

if TYPE_CHECKING:
    from testguard.core.gitdiff import ChangedLines

_WILDCARD = re.compile(r"\*\*|\*|\?|\[")


def specificity(glob: str) -> tuple[int, int, int]:
    pattern = glob.strip().replace("\\", "/").removeprefix("./")
    if not pattern.startswith("/") and "/" not in pattern.rstrip("/"):
        pattern = "**/" + pattern  # matches at any depth: no literal prefix
    pattern = pattern.lstrip("/")
    first = _WILDCARD.search(pattern)
    literal = pattern if first is None else pattern[: first.start()]
    return (len(literal), -len(_WILDCARD.findall(pattern)), len(pattern))


@dataclass
class FloorRule:
    glob: str
    floor: float
    regex: re.Pattern[str]


class FloorRules:
    """The configured ``paths`` globs, most specific first."""

    def __init__(self, paths: dict[str, float]) -> None:
        ordered = sorted(paths.items(), key=lambda kv: specificity(kv[0]), reverse=True)
        self.rules = [FloorRule(g, float(f), compile_glob(g)) for g, f in ordered]

    def governing(self, path: str) -> FloorRule | None:
        for rule in self.rules:
            if rule.regex.match(path):
                return rule
        return None


@dataclass
class Evaluation:
    """Per-file rule assignment and per-glob sums, computed once."""

    total: Numbers
    governed: dict[str, FloorRule]  # path -> the rule that governs it
    by_glob: dict[str, Numbers]  # glob -> sum over the files it governs


def evaluate(coverage: CoverageSet, rules: FloorRules) -> Evaluation:
    total = Numbers()
    governed: dict[str, FloorRule] = {}
    by_glob: dict[str, Numbers] = {r.glob: Numbers() for r in rules.rules}
    for path, f in coverage.files.items():
        numbers = f.numbers
        total = total + numbers
        rule = rules.governing(path) if rules.rules else None
        if rule is not None:
            governed[path] = rule
            by_glob[rule.glob] = by_glob[rule.glob] + numbers
    return Evaluation(total=total, governed=governed, by_glob=by_glob)


@dataclass
class Uncovered:
    """A run of changed statements that never ran (one TG604)."""

    path: str
    start: int
    end: int
    lines: list[int]


@dataclass
class Partial:
    """A changed line that ran but did not take every branch (one TG604)."""

    path: str
    line: int
    missed: list[int]


@dataclass
class ChangedCoverage:
    numbers: Numbers = field(default_factory=Numbers)
    files: int = 0
    uncovered: list[Uncovered] = field(default_factory=list)
    partial: list[Partial] = field(default_factory=list)


def _runs(f: FileCoverage, changed: dict[int, int]) -> list[Uncovered]:
    """Consecutive uncovered changed statements; any other statement ends a run.

    ``changed``: changed statement -> the last changed line it spans, so that a
    run's range reaches the changed continuation lines of its last statement.
    """
    runs: list[Uncovered] = []
    current: list[int] = []

    def close() -> None:
        end = max(changed[n] for n in current)
        runs.append(Uncovered(f.path, current[0], end, list(current)))
        current.clear()

    for line in sorted(f.statements):
        if line in changed and line in f.missing:
            current.append(line)
        elif current:
            close()
    if current:
        close()
    return runs


def statement_lines(text: str) -> dict[int, int]:
    """Each line of a multi-line statement -> the statement's first line.

    coverage.py counts a statement on its first line; a change to the third line
    of a long call is a change to that statement.  Compound statements map only
    their header (an ``if`` condition over several lines), not their bodies.
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # the last two: nested too deeply
        return {}
    out: dict[int, int] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or node.end_lineno is None:
            continue
        end = node.end_lineno
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            end = body[0].lineno - 1
        for line in range(node.lineno + 1, end + 1):
            out.setdefault(line, node.lineno)
    return out


def _changed_statements(f: FileCoverage, lines: set[int] | None, root: Path | None) -> dict[int, int]:
    """Changed statement -> the last changed line of it (its own line for one-liners)."""
    if lines is None:
        return {n: n for n in f.statements}
    out = {n: n for n in f.statements & lines}
    rest = lines - f.statements
    if not rest or root is None:
        return out
    try:
        text = (root / f.path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return out
    starts = statement_lines(text)
    for n in sorted(rest):
        start = starts.get(n)
        if start is not None and start in f.statements:
            out[start] = max(out.get(start, start), n)
    return out


def changed_coverage(coverage: CoverageSet, changed: ChangedLines, root: Path | None = None) -> ChangedCoverage:
    """Coverage of the changed statements; ``root`` lets continuation lines count."""
    out = ChangedCoverage()
    for path in sorted(changed.files):
        f = coverage.files.get(path)
        if f is None:
            continue
        spans = _changed_statements(f, changed.lines(path), root)
        statements = frozenset(spans)
        if not statements:
            continue
        out.files += 1
        missing = statements & f.missing
        exits = taken = 0
        for line in sorted(statements):
            stats = f.branch_lines.get(line)
            if stats is None:
                continue
            exits += stats[0]
            taken += stats[1]
            if line not in f.missing and stats[1] < stats[0]:
                out.partial.append(Partial(path, line, f.missing_arcs.get(line, [])))
        out.numbers = out.numbers + Numbers(len(statements), len(missing), exits, exits - taken)
        out.uncovered.extend(_runs(f, spans))
    return out
