"""The baseline file: today's findings accepted, so that only new ones fail.

An entry is keyed by check, rule code, path, the normalised text of the
offending line, its occurrence index among identical keys in that file and, when
a check gives one, ``details["fingerprint"]`` (mypy's normalised message) --
never by line number, so edits around a finding do not un-baseline it.  The
figures that ratchet (coverage per path, collected tests) are recorded beside
the entries; the checks that own them compare against ``Baseline.figure()``.

The file is stable, sorted JSON with one entry per line, so that a pull
request's diff shows exactly what was accepted, and it is written atomically.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import operator
import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from testguard.checks import STATIC_CHECKS
from testguard.core.findings import CheckResult, Finding, FixedEntry, Status, UsageError
from testguard.core.source import Source, decode
from testguard.core.static import FILES_CHECK

if TYPE_CHECKING:
    from testguard.core.runner import Context

FORMAT_VERSION = 1
TOOL = "testguard"
GONE = "(file no longer exists)"

# (code, path, normalised line text, fingerprint, occurrence)
Key = tuple[str, str, str, str, int]


@dataclass(frozen=True)
class Entry:
    """One accepted finding."""

    check: str
    code: str
    path: str
    line_text: str
    occurrence: int = 0
    fingerprint: str = ""
    message: str = ""

    @property
    def key(self) -> Key:
        return (self.code, self.path, self.line_text, self.fingerprint, self.occurrence)

    def sort_key(self) -> tuple[str, str, str, str, int, str]:
        return (self.check, self.path, self.code, self.line_text, self.occurrence, self.fingerprint)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "check": self.check,
            "code": self.code,
            "path": self.path,
            "line_text": self.line_text,
            "occurrence": self.occurrence,
        }
        if self.fingerprint:
            data["fingerprint"] = self.fingerprint
        data["message"] = self.message
        return data


def normalise(text: str) -> str:
    """Whitespace collapsed, so re-indenting a line keeps it baselined."""
    return " ".join(text.split())


def _needs_collapse(text: str) -> bool:
    """Cheaper than split + join for the usual, already normal text."""
    return "  " in text or "\t" in text or "\n" in text or text[:1] == " " or text[-1:] == " "


class LineReader:
    """The text of a finding's line when the check did not give it (read once per file)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sources: dict[str, Source | None] = {}

    def text(self, finding: Finding) -> str:
        if finding.line_text is not None:
            return finding.line_text
        if not finding.path or finding.line <= 0:
            return ""
        if finding.path not in self.sources:
            try:
                loaded = decode(finding.path, (self.root / finding.path).read_bytes())
            except OSError:
                loaded = None
            self.sources[finding.path] = loaded if isinstance(loaded, Source) else None
        source = self.sources[finding.path]
        return source.line(finding.line) if source is not None else ""


_ORDER = operator.attrgetter("path", "line", "col", "code")


def finding_keys(findings: Iterable[Finding], reader: LineReader) -> list[tuple[Finding, Key]]:
    """Each finding with its key; identical keys in one file are numbered in line order.

    The hot loop of matching: kept to plain tuple and dict operations.
    """
    seen: dict[tuple[str, str, str, str], int] = {}
    out: list[tuple[Finding, Key]] = []
    for f in sorted(findings, key=_ORDER):
        text = f.line_text
        if text is None:
            text = " ".join(reader.text(f).split())
        elif _needs_collapse(text):
            text = " ".join(text.split())
        fingerprint = f.details.get("fingerprint") if f.details else None
        base = (f.code, f.path, text, "" if fingerprint is None else " ".join(str(fingerprint).split()))
        occurrence = seen.get(base, 0)
        seen[base] = occurrence + 1
        out.append((f, (*base, occurrence)))
    return out


def keyed(findings: Iterable[Finding], check: str, reader: LineReader) -> list[tuple[Finding, Entry]]:
    """Each finding with the baseline entry that records it."""
    return [
        (f, Entry(check, key[0], key[1], key[2], key[4], key[3], normalise(f.message)))
        for f, key in finding_keys(findings, reader)
    ]


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


class Baseline:
    """A loaded baseline file."""

    def __init__(
        self,
        path: Path,
        root: Path,
        index: dict[str, dict[Key, str]],
        figures: dict[str, float],
    ) -> None:
        self.path = path
        self.root = root
        self.figures = figures
        # check -> key -> message; matching is one dict lookup per finding
        self._by_check = index

    @property
    def entries(self) -> list[Entry]:
        return [
            Entry(check, key[0], key[1], key[2], key[4], key[3], message)
            for check, keys in self._by_check.items()
            for key, message in keys.items()
        ]

    def figure(self, key: str) -> float | None:
        """A recorded figure (``coverage:total``, ``collect:tests``), None when not recorded."""
        return self.figures.get(key)

    def checks(self) -> set[str]:
        return set(self._by_check)

    @classmethod
    def load(cls, path: Path, root: Path) -> Baseline | None:
        """The baseline at ``path``; None when there is none; UsageError when it is damaged."""
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise UsageError(f"baseline {path} is a directory, not a file") from None
        except OSError as exc:
            raise UsageError(f"cannot read the baseline {path}: {exc.strerror or exc}") from None
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
                f" {version}; testguard {__version__} reads version {FORMAT_VERSION}):"
                " upgrade testguard"
            )
        return cls(path, root, _index(data.get("findings", []), path), _figures(data.get("figures", {}), path))

    def apply(self, results: list[CheckResult], checked_paths: set[str] | None = None) -> None:
        """Marks baselined findings and lists the fixed entries of each result's check.

        ``checked_paths``: the files (or directories) this run was limited to, None for
        the whole project; entries outside them are neither matched nor fixed.
        """
        scope = _Scope(self.root, checked_paths)
        unreadable = _unchecked_files(results)
        reader = LineReader(self.root)
        for result in results:
            index = self._by_check.get(result.check)
            if not index:
                continue
            matched: set[Key] = set()
            baselined = Status.BASELINED
            for finding, key in finding_keys(result.findings, reader):
                if key in index:
                    finding.status = baselined
                    matched.add(key)
            if len(matched) == len(index):
                continue
            gone: dict[str, bool] = {}
            for key in index:
                code, path = key[0], key[1]
                if key in matched or path not in scope or path in unreadable:
                    continue
                if path and path not in gone:
                    gone[path] = not (self.root / path).exists()
                text = f"{key[2]} {GONE}" if gone.get(path) else key[2]
                result.fixed.append(FixedEntry(code, path, text, result.check))


def _unchecked_files(results: list[CheckResult]) -> set[str]:
    """Files this run could not check (TG001: unreadable, not Python...): their entries
    are not fixed, the file just was not looked at."""
    return {
        f.path for r in results if r.check == FILES_CHECK for f in r.findings if f.code == "TG001"
    }


def _index(raw: object, path: Path) -> dict[str, dict[Key, str]]:
    """check -> key -> message, validating each entry (fast path: written by testguard)."""
    if not isinstance(raw, list):
        raise UsageError(f"baseline {path}: \"findings\" must be a list")
    index: dict[str, dict[Key, str]] = {}
    number = 0
    try:
        for number, item in enumerate(raw, 1):
            check, code, where, text = item["check"], item["code"], item["path"], item["line_text"]
            occurrence = item.get("occurrence", 0)
            fp = item.get("fingerprint") or ""
            message = item.get("message") or ""
            if type(occurrence) is not int or occurrence < 0 or not (
                type(check) is type(code) is type(where) is type(text) is type(fp)
                is type(message) is str
            ):
                raise TypeError
            if _needs_collapse(text):  # hand-edited
                text = " ".join(text.split())
            if fp and _needs_collapse(fp):
                fp = " ".join(fp.split())
            checked = index.get(check)
            if checked is None:
                checked = index[check] = {}
            checked[(code, where, text, fp, occurrence)] = message
    except (TypeError, KeyError, AttributeError):
        raise UsageError(
            f"baseline {path}: finding #{number} {_entry_problem(raw[number - 1])}; fix it, or"
            " re-create the baseline with `testguard baseline`"
        ) from None
    return index


def _entry_problem(item: object) -> str:
    if not isinstance(item, dict):
        return "is not an object"
    for name in ("check", "code", "path", "line_text"):
        if not isinstance(item.get(name), str):
            return f"has no string \"{name}\""
    occurrence = item.get("occurrence", 0)
    if not isinstance(occurrence, int) or isinstance(occurrence, bool) or occurrence < 0:
        return "has an \"occurrence\" that is not a non-negative integer"
    for name in ("fingerprint", "message"):
        if item.get(name) is not None and not isinstance(item[name], str):
            return f"has a \"{name}\" that is not a string"
    return "is not valid"


def _figures(raw: object, path: Path) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise UsageError(f"baseline {path}: \"figures\" must be an object")
    figures: dict[str, float] = {}
    for key, value in raw.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise UsageError(f"baseline {path}: figure {key!r} must be a number, not {value!r}")
        figures[str(key)] = float(value)
    return figures


# -- writing -------------------------------------------------------------------


def render(entries: Iterable[Entry], figures: dict[str, float]) -> str:
    """The file: sorted, indented, one entry per line, trailing newline."""
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
    if ordered:
        lines.append('  "findings": [')
        for i, entry in enumerate(ordered):
            comma = "," if i < len(ordered) - 1 else ""
            lines.append("    " + json.dumps(entry.to_dict(), ensure_ascii=False) + comma)
        lines.append("  ]")
    else:
        lines.append('  "findings": []')
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Temp file in the same directory, fsync, rename: a crash leaves the old file intact."""
    directory = path.parent
    try:
        existing_mode: int | None = path.stat().st_mode & 0o777
    except OSError:
        existing_mode = None
    temp = ""
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if existing_mode is not None:
            os.chmod(temp, existing_mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except OSError as exc:
        if temp:
            try:
                os.unlink(temp)
            except OSError:
                pass
        from testguard.core.container import write_hint

        raise UsageError(
            f"cannot write the baseline {path}: {exc.strerror or exc}; the old file is unchanged"
            + write_hint(directory, exc)
        ) from None


def _owner(figure_key: str) -> str:
    return figure_key.partition(":")[0]


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def record(ctx: Context, names: list[str], prune: bool) -> int:
    """``testguard baseline [CHECKS] [--prune]``: writes the baseline file; returns 0."""
    from testguard.core.runner import run_checks

    if ctx.option("diff_base"):
        raise UsageError("--diff-base cannot be used with `testguard baseline`: it records every finding")
    path = ctx.baseline_path
    if not path.is_absolute():
        path = Path.cwd() / path
    if path.is_dir():
        raise UsageError(f"baseline {path} is a directory, not a file")
    if not path.parent.is_dir():
        raise UsageError(f"cannot write the baseline {path}: directory {path.parent} does not exist")
    explicit = bool(ctx.option("checks"))
    try:
        old = Baseline.load(path, ctx.root)
    except UsageError:
        # A full re-record is how a damaged file is repaired, unless it comes from a newer
        # testguard (it may hold what this version cannot write back).
        if explicit or prune or _is_newer(path):
            raise
        old = None
    if prune and old is None:
        raise UsageError(f"no baseline at {path} to prune; run `testguard baseline` first")

    options = argparse.Namespace(**vars(ctx.options))
    options.no_baseline = True  # collect every finding, whatever the old file says
    options.diff_base = None
    run_ctx = dataclasses.replace(ctx, options=options, _baseline=None, _baseline_loaded=False)
    results = run_checks(run_ctx, names)
    ran = {r.check for r in results} | set(names)
    if any(n in STATIC_CHECKS for n in names):
        ran.add(FILES_CHECK)  # the static pass checks every test file can be read

    reader = LineReader(ctx.root)
    current: list[Entry] = []
    figures: dict[str, tuple[str, float]] = {}
    for result in results:
        current.extend(entry for _, entry in keyed(result.findings, result.check, reader))
        for key, value in result.figures.items():
            figures[key] = (result.check, float(value))

    if prune:
        assert old is not None
        entries, new_figures, removed, raised = _pruned(
            old, ran, current, figures, _unchecked_files(results)
        )
        text = render(entries, new_figures)
        write_atomic(path, text)
        what = f"{removed} fixed {'entry' if removed == 1 else 'entries'} removed"
        if raised:
            what += f", {_plural(raised, 'figure')} raised"
        print(f"Baseline {_display(path, ctx.root)}: {what}; {_tally(entries)}.", file=sys.stderr)
        return 0

    if explicit and old is not None:
        kept = [e for e in old.entries if e.check not in ran]
        kept_figures = {
            k: v for k, v in old.figures.items()
            if _owner(k) not in ran and k not in figures
        }
    else:
        kept, kept_figures = [], {}
    entries = kept + current
    all_figures = {**kept_figures, **{k: v for k, (_, v) in figures.items()}}
    write_atomic(path, render(entries, all_figures))
    extra = f" and {_plural(len(all_figures), 'figure')}" if all_figures else ""
    print(
        f"Baseline {_display(path, ctx.root)}: {_tally(entries, recorded=True)}{extra}.",
        file=sys.stderr,
    )
    return 0


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _is_newer(path: Path) -> bool:
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError):
        return False
    version = data.get("version") if isinstance(data, dict) else None
    return isinstance(version, int) and version > FORMAT_VERSION


def _tally(entries: list[Entry], recorded: bool = False) -> str:
    count = len(set(entries))
    head = _plural(count, "finding") + (" recorded" if recorded else " remain")
    per: dict[str, int] = {}
    for entry in set(entries):
        per[entry.check] = per.get(entry.check, 0) + 1
    if not per:
        return head
    detail = ", ".join(f"{check} {n}" for check, n in sorted(per.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{head} ({detail})"


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


def _pruned(
    old: Baseline,
    ran: set[str],
    current: list[Entry],
    figures: dict[str, tuple[str, float]],
    unchecked: set[str],
) -> tuple[list[Entry], dict[str, float], int, int]:
    """Old entries still matched (fixed ones dropped), figures raised where they improved."""
    still = {(e.check, e.key) for e in current}
    entries = [
        e for e in old.entries
        if e.check not in ran or (e.check, e.key) in still or e.path in unchecked
    ]
    removed = len(old.entries) - len(entries)
    new_figures, raised = ratchet(old.figures, {k: v for k, (_, v) in figures.items()})
    return entries, new_figures, removed, raised
