"""Pairing one file's baseline entries with its findings of today.

Each side is a list of (key, line): the key is (rule code, normalised line text,
fingerprint), the line 1-based, or 0 for a finding that has none.  With a line map
(the recorded version of the file diffed against today's):

1. an entry pairs with a finding of its key on the line its own line became;
2. entries whose line did not survive (moved, edited around) pair with the findings
   left over by key, findings on kept lines first, so that what stays new is on
   added lines.

Without a line map (the recorded version cannot be read, or the entry has no line)
only step 2 runs, in line order: the n-th entry of a key pairs with the n-th
finding of that key, which cannot tell a new copy of a line from an old one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from testguard.core.linemap import LineMap

Key = tuple[str, str, str]


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
