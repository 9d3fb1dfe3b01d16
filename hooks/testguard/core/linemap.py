"""Where the lines of a file's older version are now: a line diff, old line -> new line.

Lines are compared with their whitespace collapsed (a re-indented line is the same
line) and with CRLF/CR read as LF, as the checks count lines.  A single inserted or
deleted line is always found exactly (common prefix and suffix first); the middle of
a bigger change is aligned on the lines that occur once on each side (patience
diff), and ``difflib`` aligns the small stretches between those anchors.

An inserted block can often slide (adding a test above an identical one: is the new
decorator the first or the second?).  As git does, a block is slid to end on a blank
line where it can, else as far down as it goes; the new line of a finding is then
where a reader (and ``git diff``) puts it.
"""

from __future__ import annotations

import bisect
import difflib

# Stretches without an anchor line bigger than this (old lines x new lines) are left
# unaligned: their findings are paired by text (see core/matching.py), not by line.
_SMALL_STRETCH = 200_000


def _lines(data: bytes) -> list[bytes]:
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data.split(b"\n")


class LineMap:
    """Old line -> new line (1-based) for every line a change kept."""

    def __init__(self, pairs: dict[int, int] | None) -> None:
        self._pairs = pairs  # None: the content did not change
        self._kept = None if pairs is None else set(pairs.values())

    def new_line(self, old: int) -> int | None:
        return old if self._pairs is None else self._pairs.get(old)

    def unchanged(self, new: int) -> bool:
        """Whether line ``new`` of the new version was already there (not added)."""
        return self._kept is None or new in self._kept


UNCHANGED = LineMap(None)


def line_map(old: bytes, new: bytes) -> LineMap:
    a, b = _lines(old), _lines(new)
    # Identical lines are identical normalised: only the changed middle is normalised.
    head = 0
    end = min(len(a), len(b))
    while head < end and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < end - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    if head == len(a) == len(b):
        return UNCHANGED
    middle_a = [b" ".join(line.split()) for line in a[head : len(a) - tail]]
    middle_b = [b" ".join(line.split()) for line in b[head : len(b) - tail]]
    a[head : len(a) - tail] = middle_a
    b[head : len(b) - tail] = middle_b
    if a == b:
        return UNCHANGED
    old_of = [-1] * len(b)
    for i, j in matching_lines(a, b):
        old_of[j] = i
    _slide_insertions(b, old_of, len(a))
    return LineMap({i + 1: j + 1 for j, i in enumerate(old_of) if i >= 0})


def _same(x: bytes, y: bytes) -> bool:
    return x == y or x.split() == y.split()


def _blank(line: bytes) -> bool:
    return not line.strip()


def _slide_insertions(b: list[bytes], old_of: list[int], old_count: int) -> None:
    """Moves each block of added lines (with no old line removed there) to end on a
    blank line where it can, else as far down as it goes (``b``: the new lines)."""
    j = 0
    while j < len(b):
        if old_of[j] >= 0:
            j += 1
            continue
        start = j
        while j < len(b) and old_of[j] < 0:
            j += 1
        before = old_of[start - 1] if start else -1
        after = old_of[j] if j < len(b) else old_count
        if after != before + 1:
            continue  # lines were also removed here: not a pure insertion
        s, e = start, j
        while s > 0 and old_of[s - 1] >= 0 and _same(b[s - 1], b[e - 1]):
            old_of[e - 1], old_of[s - 1] = old_of[s - 1], -1
            s, e = s - 1, e - 1
        best = s
        while e < len(b) and old_of[e] >= 0 and _same(b[s], b[e]):
            old_of[s], old_of[e] = old_of[e], -1
            s, e = s + 1, e + 1
            if _blank(b[e - 1]):
                best = s
        if not _blank(b[best + (e - s) - 1]):
            best = s
        while s > best:
            old_of[e - 1], old_of[s - 1] = old_of[s - 1], -1
            s, e = s - 1, e - 1
        j = e


def matching_lines(a: list[bytes], b: list[bytes]) -> list[tuple[int, int]]:
    """Pairs (i, j), 0-based and increasing in both, with ``a[i] == b[j]``."""
    out: list[tuple[int, int]] = []
    stack = [(0, len(a), 0, len(b))]
    while stack:
        alo, ahi, blo, bhi = stack.pop()
        while alo < ahi and blo < bhi and a[alo] == b[blo]:
            out.append((alo, blo))
            alo, blo = alo + 1, blo + 1
        while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
            ahi, bhi = ahi - 1, bhi - 1
            out.append((ahi, bhi))
        if alo == ahi or blo == bhi:
            continue
        anchors = _unique_anchors(a, b, alo, ahi, blo, bhi)
        if anchors:
            starts = [(alo, blo), *((i + 1, j + 1) for i, j in anchors)]
            ends = [*anchors, (ahi, bhi)]
            out.extend(anchors)
            stack.extend((s[0], e[0], s[1], e[1]) for s, e in zip(starts, ends))
        elif (ahi - alo) * (bhi - blo) <= _SMALL_STRETCH:
            matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            for i, j, size in matcher.get_matching_blocks():
                out.extend((alo + i + k, blo + j + k) for k in range(size))
    out.sort()
    return out


def _unique_anchors(
    a: list[bytes], b: list[bytes], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """The longest increasing run of lines that occur exactly once on each side."""
    count: dict[bytes, int] = {}
    where_a: dict[bytes, int] = {}
    for i in range(alo, ahi):
        line = a[i]
        count[line] = count.get(line, 0) + 1
        where_a[line] = i
    where_b: dict[bytes, int] = {}
    seen_b: dict[bytes, int] = {}
    for j in range(blo, bhi):
        line = b[j]
        if count.get(line) == 1:
            seen_b[line] = seen_b.get(line, 0) + 1
            where_b[line] = j
    candidates = sorted(
        (where_a[line], where_b[line]) for line, n in seen_b.items() if n == 1
    )
    return _longest_increasing(candidates)


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Of pairs sorted by their first item, the longest run increasing in the second."""
    tails: list[int] = []  # smallest second item ending a run of each length
    tail_index: list[int] = []
    previous: list[int] = []
    for index, (_, j) in enumerate(pairs):
        length = bisect.bisect_left(tails, j)
        if length == len(tails):
            tails.append(j)
            tail_index.append(index)
        else:
            tails[length] = j
            tail_index[length] = index
        previous.append(tail_index[length - 1] if length else -1)
    run: list[tuple[int, int]] = []
    index = tail_index[-1] if tail_index else -1
    while index >= 0:
        run.append(pairs[index])
        index = previous[index]
    run.reverse()
    return run
