"""The baseline file: today's findings accepted, so that only new ones fail.

An entry records the check, rule code, path, line number and normalised text of
the offending line, and, when a check gives one, ``details["fingerprint"]`` (mypy's
normalised message).  Per file, the baseline also records the git blob id of the
content the line numbers refer to (``files``).  Matching a run against it
(core/matching.py):

- by key and occurrence first, as version 1 did; where that leaves every finding
  paired, nothing else is needed (which of identical entries is fixed does not show);
- in a file where a finding is left over while its key has entries (a new copy of a
  baselined line, or an old one: which?), lines decide.  The file unchanged (same
  blob id, computed here): entries pair by line.  Changed: the recorded content is
  read back from git's object database (one ``git cat-file --batch`` for all such
  files) and diffed against today's (core/linemap.py); each entry's line is carried
  to where it is now and pairs with a finding of its key there; entries whose line
  did not survive and findings left over pair by key, so moved and re-indented lines
  stay baselined.  A finding that pairs with nothing is new, at its own line.
- the recorded content cannot be read (no git, a shallow clone without that
  commit, content never committed): the fallback pairs the n-th finding of a key
  with the n-th entry of that key, in line order.  A new copy of a baselined line
  can then pass as baselined and the old one be reported new; the run says so on
  stderr.  ``testguard baseline`` writes the content to the object database (``git
  hash-object -w``), so that locally, and wherever it is committed, it can be read.
- with ``--diff-base``, of two findings of one key in one file, the one on a line
  git shows changed is the new one (git may align identical lines otherwise).

Version 1 files (no line numbers) are read and matched by that fallback; ``testguard
baseline`` rewrites them as version 2.  Line numbers change the file only when it is
re-recorded: ``testguard baseline`` records today's lines and blobs (the most recent
content maps best, and is the most likely to be in a clone's history), ``--prune``
only removes entries and keeps the others as they are.  The figures that ratchet
(coverage per path, collected tests) are recorded beside the entries; the checks
that own them compare against ``Baseline.figure()``.  Findings without a line
(project-level) pair by key and occurrence.

The file is stable, sorted JSON with one entry per line, so that a pull
request's diff shows exactly what was accepted, and it is written atomically.
"""

from __future__ import annotations

import json
import math
import os
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from testguard.core import gitobjects
from testguard.core.atomic import replace_file
from testguard.core.entries import Entry, LineReader, needs_collapse, new_entries
from testguard.core.findings import CheckResult, Finding, FixedEntry, Status, UsageError
from testguard.core.report.escape import has_surrogate
from testguard.core.matching import Matched, match, new_on_changed_lines
from testguard.core.source import FILES_CHECK, FileTooLarge, NotARegularFile, read_regular
from testguard.core.wording import plural

if TYPE_CHECKING:
    from testguard.core.gitdiff import ChangedLines

FORMAT_VERSION = 2
TOOL = "testguard"
MAX_BASELINE_BYTES = 1 << 30
"""A baseline larger than this (1 GiB) is refused, not read into memory."""
GONE = "(file no longer exists)"


def keyed(findings: list[Finding], check: str, reader: LineReader) -> list[tuple[Finding, Entry]]:
    """Each finding with the baseline entry that records it."""
    return list(zip(findings, new_entries(findings, check, reader)))


class _Scope:
    """Which entries a run looked at: all of them, or those under the given paths."""

    def __init__(self, root: Path, checked: set[str] | None) -> None:
        self.all = checked is None or bool(checked & {"", "."})
        self.exact = checked or set()
        self.dirs = tuple(
            p.rstrip("/") + "/" for p in self.exact if p and (root / p).is_dir()
        )

    def __contains__(self, path: object) -> bool:
        if self.all:
            return True
        assert isinstance(path, str)
        return path in self.exact or (bool(self.dirs) and path.startswith(self.dirs))


BY_TEXT_NOTE = (
    "testguard: note: the content the baseline was recorded on is not in this git"
    " clone for {files} (never committed, or a shallow clone): {their} findings were"
    " matched by line text and order only, so a new copy of a baselined line can pass"
    " as baselined; fetch the history (actions/checkout `fetch-depth: 0`), or commit"
    " and re-record with `testguard baseline`"
)


class Baseline:
    """A loaded baseline file."""

    def __init__(
        self,
        path: Path,
        root: Path,
        entries: dict[str, list[Entry]],
        figures: dict[str, float],
        blobs: dict[tuple[str, str], str] | None = None,
    ) -> None:
        self.path = path
        self.root = root
        self.figures = figures
        self.blobs = blobs or {}  # (check, path) -> blob id of the recorded content
        self._by_check = entries

    @property
    def entries(self) -> list[Entry]:
        return [entry for entries in self._by_check.values() for entry in entries]

    def figure(self, key: str) -> float | None:
        """A recorded figure (``coverage:total``, ``collect:tests``), None when not recorded."""
        return self.figures.get(key)

    @classmethod
    def load(cls, path: Path, root: Path) -> Baseline | None:
        """The baseline at ``path``; None when there is none; UsageError when it is damaged."""
        try:
            raw = read_regular(str(path), MAX_BASELINE_BYTES)
        except FileNotFoundError:
            return None
        except NotARegularFile:
            raise UsageError(_not_regular(path)) from None
        except FileTooLarge as exc:
            raise UsageError(
                f"baseline {path} is too large ({exc.size} bytes, limit {MAX_BASELINE_BYTES}):"
                " is it the right file?"
            ) from None
        except OSError as exc:
            raise UsageError(f"cannot read the baseline {path}: {exc.strerror or exc}") from None
        if not raw.strip():
            return cls(path, root, {}, {})  # emptied: accepts nothing (TG003 when git had one)
        return cls.parse(raw, path, root)

    @classmethod
    def parse(cls, raw: bytes, path: Path, root: Path) -> Baseline:
        fix = "fix it, or re-create it with `testguard baseline`"
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise UsageError(f"baseline {path} is not UTF-8 text; {fix}") from None
        except json.JSONDecodeError as exc:
            conflict = " (it has merge conflict markers)" if b"\n<<<<<<< " in b"\n" + raw else ""
            raise UsageError(
                f"baseline {path} is not valid JSON{conflict}: {exc.msg} at line {exc.lineno}"
                f" column {exc.colno}; {fix}"
            ) from None
        except RecursionError:
            raise UsageError(f"baseline {path} is not valid: nested too deeply; {fix}") from None
        except ValueError:  # an integer of more digits than Python converts (4300)
            raise UsageError(f"baseline {path} is not valid JSON: a number too long to read; {fix}") from None
        if not isinstance(data, dict) or data.get("tool") != TOOL:
            raise UsageError(
                f"{path} is not a testguard baseline (no \"tool\": \"testguard\");"
                " point --baseline (or [tool.testguard] baseline) at the right file"
            )
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise UsageError(f"baseline {path}: \"version\" must be a positive integer; {fix}")
        if version > FORMAT_VERSION:
            from testguard import __version__

            raise UsageError(
                f"baseline {path} was written by a newer testguard (baseline format version"
                f" {version}; testguard {__version__} reads versions up to {FORMAT_VERSION}):"
                " upgrade testguard"
            )
        entries = _entries(data.get("findings", []), path, with_lines=version >= 2)
        blobs = _blobs(data.get("files", {}), path) if version >= 2 else {}
        return cls(path, root, entries, _figures(data.get("figures", {}), path), blobs)

    def match(
        self, results: list[CheckResult], reader: LineReader, exact: bool = False
    ) -> dict[str, Matched]:
        """Each result's findings paired with its check's entries (core/matching.py)."""
        return match(self.root, self._by_check, self.blobs, results, reader, exact)

    def apply(
        self,
        results: list[CheckResult],
        checked_paths: set[str] | None = None,
        changed: ChangedLines | None = None,
    ) -> None:
        """Marks baselined findings and lists the fixed entries of each result's check.

        ``checked_paths``: the files (or directories) this run was limited to, None for
        the whole project; entries outside them are neither matched nor fixed.
        ``changed``: the lines ``--diff-base`` reports on, if given.
        """
        scope = _Scope(self.root, checked_paths)
        unreadable = unchecked_files(results)
        by_text: set[str] = set()
        baselined = Status.BASELINED
        reader = LineReader(self.root)
        for check, matched in self.match(results, reader).items():
            result = next(r for r in results if r.check == check)
            for finding, entry in zip(result.findings, matched.entry_of):
                if entry is not None:
                    finding.status = baselined
            if changed is not None:
                new_on_changed_lines(result.findings, changed, reader)
            by_text |= matched.by_text_only
            gone: dict[str, bool] = {}
            for entry in matched.unmatched:
                path = entry.path
                if path not in scope or path in unreadable:
                    continue
                if path and path not in gone:
                    gone[path] = not (self.root / path).exists()
                text = f"{entry.line_text} {GONE}" if gone.get(path) else entry.line_text
                result.fixed.append(FixedEntry(entry.code, path, text, check))
        if by_text:
            files = plural(len(by_text), "file")
            their = "its" if len(by_text) == 1 else "their"
            print(BY_TEXT_NOTE.format(files=files, their=their), file=sys.stderr)


def unchecked_files(results: list[CheckResult]) -> set[str]:
    """Files this run could not check (TG001: unreadable, not Python...): their entries
    are not fixed, the file just was not looked at."""
    return {
        f.path for r in results if r.check == FILES_CHECK for f in r.findings if f.code == "TG001"
    }


def _entries(raw: object, path: Path, with_lines: bool) -> dict[str, list[Entry]]:
    """check -> entries, validating each (fast path: written by testguard)."""
    if not isinstance(raw, list):
        raise UsageError(f"baseline {path}: \"findings\" must be a list")
    by_check: dict[str, list[Entry]] = {}
    number = 0
    try:
        for number, item in enumerate(raw, 1):
            check, code, where, text = item["check"], item["code"], item["path"], item["line_text"]
            occurrence = item.get("occurrence", 0)
            line = item.get("line", 0) if with_lines else 0
            fp = item.get("fingerprint") or ""
            message = item.get("message") or ""
            if type(occurrence) is not int or occurrence < 0 or type(line) is not int or line < 0 or not (
                type(check) is type(code) is type(where) is type(text) is type(fp)
                is type(message) is str
            ):
                raise TypeError
            if needs_collapse(text):  # hand-edited
                text = " ".join(text.split())
            if fp and needs_collapse(fp):
                fp = " ".join(fp.split())
            entries = by_check.get(check)
            if entries is None:
                entries = by_check[check] = []
            entries.append(Entry(check, code, where, text, occurrence, fp, message, line))
    except (TypeError, KeyError, AttributeError):
        raise UsageError(
            f"baseline {path}: finding #{number} {_entry_problem(raw[number - 1])}; fix it, or"
            " re-create the baseline with `testguard baseline`"
        ) from None
    return by_check


def _entry_problem(item: object) -> str:
    if not isinstance(item, dict):
        return "is not an object"
    for name in ("check", "code", "path", "line_text"):
        if not isinstance(item.get(name), str):
            return f"has no string \"{name}\""
    for name in ("occurrence", "line"):
        number = item.get(name, 0)
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            article = "an" if name.startswith("o") else "a"
            return f"has {article} \"{name}\" that is not a non-negative integer"
    for name in ("fingerprint", "message"):
        if item.get(name) is not None and not isinstance(item[name], str):
            return f"has a \"{name}\" that is not a string"
    return "is not valid"


def _blobs(raw: object, path: Path) -> dict[tuple[str, str], str]:
    """(check, path) -> blob id of the content the entries' line numbers refer to."""
    fix = "fix it, or re-create the baseline with `testguard baseline`"
    if not isinstance(raw, dict):
        raise UsageError(f"baseline {path}: \"files\" must be an object; {fix}")
    blobs: dict[tuple[str, str], str] = {}
    for check, blob_of in raw.items():
        if not isinstance(blob_of, dict):
            raise UsageError(f"baseline {path}: \"files\" of {check!r} must be an object; {fix}")
        for where, blob in blob_of.items():
            if not (isinstance(blob, str) and gitobjects.is_object_id(blob)):
                raise UsageError(
                    f"baseline {path}: the blob of {where!r} ({check}) is not a git object id; {fix}"
                )
            blobs[(check, where)] = blob
    return blobs


def _figures(raw: object, path: Path) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise UsageError(f"baseline {path}: \"figures\" must be an object")
    figures: dict[str, float] = {}
    for key, value in raw.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not _finite(value):
            raise UsageError(
                f"baseline {path}: figure {key!r} must be a finite number, not {value!r};"
                " fix it, or re-create the baseline with `testguard baseline`"
            )
        figures[str(key)] = float(value)
    return figures


def _finite(value: float) -> bool:
    """Whether a number is a finite float (an integer too large for one is not)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


# -- writing -------------------------------------------------------------------


def _json(value: object) -> str:
    """JSON that reads as it is (``ensure_ascii=False``), except that a file name that is
    not UTF-8 (``test_\\udcff.py`` for the byte 0xff) keeps its bytes as ``\\udcff``
    escapes: UTF-8 has no way to write them, and loading the escape gives the name back."""
    text = json.dumps(value, ensure_ascii=False)
    return json.dumps(value) if has_surrogate(text) else text


def render(
    entries: Iterable[Entry],
    figures: dict[str, float],
    blobs: dict[tuple[str, str], str] | None = None,
) -> str:
    """The file: sorted, indented, one entry per line, trailing newline.

    ``files``: check -> path -> blob, for the files whose entries have line numbers.
    """
    lines = ["{", f'  "version": {FORMAT_VERSION},', f'  "tool": "{TOOL}",']
    if figures:
        lines.append('  "figures": {')
        items = sorted(figures.items())
        for i, (key, value) in enumerate(items):
            comma = "," if i < len(items) - 1 else ""
            number = int(value) if float(value).is_integer() else value
            lines.append(f"    {json.dumps(key)}: {json.dumps(number)}{comma}")
        lines.append("  },")
    else:
        lines.append('  "figures": {},')
    ordered = sorted(set(entries), key=Entry.sort_key)
    lined = {(e.check, e.path) for e in ordered if e.line}
    files: dict[str, dict[str, str]] = {}
    for (check, where), blob in sorted((blobs or {}).items()):
        if (check, where) in lined:
            files.setdefault(check, {})[where] = blob
    if files:
        lines.append('  "files": {')
        for i, (check, blob_of) in enumerate(files.items()):
            lines.append(f"    {_json(check)}: {{")
            for j, (where, blob) in enumerate(blob_of.items()):
                comma = "," if j < len(blob_of) - 1 else ""
                lines.append(f"      {_json(where)}: \"{blob}\"{comma}")
            lines.append("    }," if i < len(files) - 1 else "    }")
        lines.append("  },")
    if ordered:
        lines.append('  "findings": [')
        for i, entry in enumerate(ordered):
            comma = "," if i < len(ordered) - 1 else ""
            lines.append("    " + _json(entry.to_dict()) + comma)
        lines.append("  ]")
    else:
        lines.append('  "findings": []')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _not_regular(path: Path) -> str:
    kind = "a directory" if path.is_dir() else "a pipe or a device"
    return f"baseline {path} is {kind}, not a file; point 'baseline' in [tool.testguard] (or --baseline) at a file"


def regular_file_mode(path: Path) -> int | None:
    """The permission bits of the baseline file at ``path``, None when there is none yet;
    UsageError when something else is there (a directory, a pipe, a device)."""
    try:
        info = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(_not_regular(path))
    return info.st_mode & 0o777


def write_atomic(path: Path, text: str) -> None:
    """Temp file in the same directory, fsync, rename: a crash leaves the old file intact.

    A symbolic link's target is written (the link stays).  Anything but a regular file is
    refused: the rename would put a file in place of a device such as /dev/null.
    """
    path = Path(os.path.realpath(path))
    directory = path.parent
    existing_mode = regular_file_mode(path)
    try:
        replace_file(path, text.encode("utf-8"), existing_mode)
    except OSError as exc:
        from testguard.core.container import write_hint

        raise UsageError(
            f"cannot write the baseline {path}: {exc.strerror or exc}; the old file is unchanged"
            + write_hint(directory, exc)
        ) from None


def show_figure(value: float) -> str:
    """A figure as the file records it: ``100``, ``66.67``, ``412``."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass(frozen=True)
class FigureChange:
    """A recorded figure that a re-record would lower, or drop (``new`` None)."""

    key: str
    old: float
    new: float | None

    def line(self) -> str:
        """``coverage:total 100 → 66.67 (lowered)``."""
        if self.new is None:
            return f"{self.key} {show_figure(self.old)} → not measured (removed)"
        return f"{self.key} {show_figure(self.old)} → {show_figure(self.new)} (lowered)"


_GLOB_CHARS = frozenset("*?[")


def _file_gone(root: Path, key: str) -> bool:
    """Whether ``key`` is the figure of one file (``coverage:pkg/a.py``) that no longer exists."""
    name = key.partition(":")[2]
    if not name or _GLOB_CHARS & set(name) or not ("/" in name or name.endswith(".py")):
        return False
    return not (root / name).exists()


def lowered(root: Path, recorded: dict[str, float], written: dict[str, float]) -> list[FigureChange]:
    """The recorded figures that ``written`` (the file about to be written) lowers or drops.

    A figure of a file that no longer exists goes with the file: that is not a lowering.
    """
    changes: list[FigureChange] = []
    for key, old in sorted(recorded.items()):
        new = written.get(key)
        if new is None:
            if not _file_gone(root, key):
                changes.append(FigureChange(key, old, None))
        elif new < old:
            changes.append(FigureChange(key, old, new))
    return changes


def risen(baseline: Baseline | None, measured: dict[str, float]) -> dict[str, tuple[float, float]]:
    """Figure -> (recorded, measured) where the measurement is above the recorded floor:
    what ``testguard baseline --prune`` would raise."""
    if baseline is None:
        return {}
    out: dict[str, tuple[float, float]] = {}
    for key, value in measured.items():
        floor = baseline.figure(key)
        if floor is not None and value > floor:
            out[key] = (floor, value)
    return out


def ratchet(recorded: dict[str, float], measured: dict[str, float]) -> tuple[dict[str, float], int]:
    """Recorded figures raised where the measured one is higher; never lowered, never added.

    Every figure is a floor (coverage percentages, collected tests): higher is better.
    """
    out = dict(recorded)
    raised = 0
    for key, value in measured.items():
        floor = out.get(key)
        if floor is not None and value > floor:
            out[key] = value
            raised += 1
    return out, raised


def written_by_newer(path: Path) -> bool:
    """Whether the file at ``path`` says a newer testguard wrote it (its format is newer)."""
    try:
        data = json.loads(read_regular(str(path), MAX_BASELINE_BYTES).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    version = data.get("version") if isinstance(data, dict) else None
    return isinstance(version, int) and version > FORMAT_VERSION
