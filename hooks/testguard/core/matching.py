"""Pairing today's findings with the baseline's entries.

``match`` pairs by key and occurrence first, as version 1 did (one dict lookup a
finding).  In a file where a finding is left over while its key has entries (a copy
of a baselined line: which one is new?), the file's recorded content is read back
from git, diffed against today's (core/linemap.py), and ``pair`` runs on (key, line)
lists, the key being (rule code, normalised line text, fingerprint) and the line
1-based, or 0 for none:

1. an entry pairs with a finding of its key on the line its own line became;
2. entries whose line did not survive (moved, edited around) pair with the findings
   left over by key, findings on kept lines first, so that what stays new is on
   added lines.

Without a line map (the recorded content cannot be read, or the entry has no line)
only step 2 runs, in line order: the n-th entry of a key pairs with the n-th
finding of that key, which cannot tell a new copy of a line from an old one.

``new_on_changed_lines`` then lines the result up with ``--diff-base``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from testguard.core import gitobjects
from testguard.core.entries import ORDER, Entry, Key, LineReader, entry_line, entry_path, finding_key, numbered
from testguard.core.findings import CheckResult, Finding, Scope, Status
from testguard.core.linemap import UNCHANGED, LineMap, line_map

if TYPE_CHECKING:
    from testguard.core.gitdiff import ChangedLines


def pair(
    entries: Sequence[tuple[Key, int]],
    findings: Sequence[tuple[Key, int]],
    lines: LineMap | None,
) -> dict[int, int]:
    """finding index -> entry index, for every finding that pairs with an entry.

    ``entries`` of one key come in line order (as the baseline file sorts them).
    """
    paired: dict[int, int] = {}
    left: Sequence[int] = range(len(entries))
    if lines is not None:
        at: dict[tuple[int, Key], deque[int]] = {}
        for f, (key, line) in enumerate(findings):
            there = at.get((line, key))
            if there is None:
                at[(line, key)] = deque((f,))
            else:
                there.append(f)
        left = []
        for e, (key, line) in enumerate(entries):
            now = lines.new_line(line) if line > 0 else None
            there = at.get((now, key)) if now is not None else None
            if there:
                paired[there.popleft()] = e
            else:
                left.append(e)
        if not left:
            return paired
    queues: dict[Key, deque[int]] = {}
    for e in left:
        queues.setdefault(entries[e][0], deque()).append(e)
    if not queues:
        return paired

    def order(f: int) -> tuple[bool, int]:
        line = findings[f][1]
        added = lines is not None and line > 0 and not lines.unchanged(line)
        return (added, line)

    for f in sorted((f for f in range(len(findings)) if f not in paired), key=order):
        queue = queues.get(findings[f][0])
        if queue:
            paired[f] = queue.popleft()
    return paired


@dataclass
class Matched:
    """One check's findings against its entries."""

    entry_of: list[Entry | None]  # per finding, in the order of the result's findings
    unmatched: list[Entry] = field(default_factory=list)
    by_text_only: set[str] = field(default_factory=set)  # recorded content unreadable


@dataclass
class _Group:
    """One check's entries and findings in one file."""

    entries: list[Entry]
    findings: list[tuple[int, Key, int]]  # (index in the result, key, line)
    blob: str | None


def _line_map(reader: LineReader, path: str, blob: str, recorded: dict[str, bytes]) -> LineMap | None:
    """Recorded line -> line now; None when the recorded content cannot be read."""
    now = reader.blob_id(path, len(blob))
    if now is None:
        return None
    if now == blob:
        return UNCHANGED
    old, data = recorded.get(blob), reader.data(path)
    return line_map(old, data) if old is not None and data is not None else None


def match(
    root: Path,
    by_check: dict[str, list[Entry]],
    blobs: dict[tuple[str, str], str],
    results: list[CheckResult],
    reader: LineReader,
    exact: bool = False,
) -> dict[str, Matched]:
    """Each result's findings paired with its check's entries.

    First as version 1 did, by key and occurrence (a dict lookup a finding); lines
    are mapped only in the files where a finding is left over (some key has more
    findings than entries: which one is new then matters), or in every file when
    ``exact`` (pruning keeps the entries it pairs).
    """
    plans: list[tuple[CheckResult, Matched, dict[str, _Group]]] = []
    wanted: set[str] = set()
    for result in results:
        entries = by_check.get(result.check)
        if not entries:
            continue
        index = {(e.path, e.key, e.occurrence): e for e in entries}
        # A pruned baseline keeps its entries' occurrences (a key's may start at 2).
        keys = {(e.path, e.key) for e in entries}
        matched = Matched([None] * len(result.findings))
        retry: set[str] = set()
        for position, finding, key, occurrence in numbered(result.findings, reader):
            path = entry_path(finding)
            entry = index.get((path, key, occurrence))
            if exact or (entry is None and (path, key) in keys):
                retry.add(path)  # a copy of a baselined line: which one is new?
            else:
                matched.entry_of[position] = entry
        groups: dict[str, _Group] = {}
        for entry in entries:
            if entry.path in retry:
                group = groups.get(entry.path)
                if group is None:
                    blob = blobs.get((result.check, entry.path))
                    group = groups[entry.path] = _Group([], [], blob)
                group.entries.append(entry)
        for position, finding in enumerate(result.findings):
            group = groups.get(entry_path(finding))
            if group is not None:
                matched.entry_of[position] = None
                group.findings.append((position, finding_key(finding, reader), entry_line(finding)))
        for where, group in groups.items():
            if group.blob and reader.blob_id(where, len(group.blob)) not in (group.blob, None):
                wanted.add(group.blob)
        plans.append((result, matched, groups))
    recorded = gitobjects.read(root, wanted) if wanted else {}
    maps: dict[tuple[str, str], LineMap | None] = {}
    out: dict[str, Matched] = {}
    for result, matched, groups in plans:
        out[result.check] = matched
        for where, group in groups.items():
            lines: LineMap | None = None
            if group.blob:
                if (where, group.blob) not in maps:
                    maps[(where, group.blob)] = _line_map(reader, where, group.blob, recorded)
                lines = maps[(where, group.blob)]
                if lines is None and any(e.line for e in group.entries):
                    matched.by_text_only.add(where)
            pairs = pair(
                [(e.key, e.line) for e in group.entries],
                [(key, line) for _, key, line in group.findings],
                lines,
            )
            for found, accepted in pairs.items():
                matched.entry_of[group.findings[found][0]] = group.entries[accepted]
        if len(matched.entry_of) - matched.entry_of.count(None) < len(by_check[result.check]):
            taken = {id(e) for e in matched.entry_of if e is not None}
            matched.unmatched = [e for e in by_check[result.check] if id(e) not in taken]
    return out


def new_on_changed_lines(findings: list[Finding], changed: ChangedLines, reader: LineReader) -> None:
    """Of two findings of one key in one file, the one on a changed line is the new one.

    Which of identical lines is the added one depends on how a diff aligns them;
    ``git diff`` (what --diff-base keeps findings by) may align them otherwise than
    the baseline's line map, and the new finding must not be the one it filters out.
    """
    hidden: dict[str, list[Finding]] = {}  # new, on an unchanged line
    shown: dict[str, list[Finding]] = {}  # baselined, on a changed line
    for f in findings:
        if f.line <= 0 or f.scope is not Scope.LINE:
            continue
        on_changed = changed.covers(f.path, f.line, f.end_line)
        if f.status is Status.NEW and not on_changed:
            hidden.setdefault(f.path, []).append(f)
        elif f.status is Status.BASELINED and on_changed:
            shown.setdefault(f.path, []).append(f)
    for path in hidden.keys() & shown.keys():
        swaps: dict[Key, list[Finding]] = {}
        for f in sorted(shown[path], key=ORDER):
            swaps.setdefault(finding_key(f, reader), []).append(f)
        for f in sorted(hidden[path], key=ORDER):
            candidates = swaps.get(finding_key(f, reader))
            if candidates:
                old = candidates.pop(0)
                f.status, old.status = Status.BASELINED, Status.NEW
