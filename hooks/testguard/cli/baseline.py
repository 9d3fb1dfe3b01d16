"""``testguard baseline [CHECKS] [--prune]``: record today's findings (core/baseline.py is the file).

Recording runs the checks with no baseline and no diff base (every finding
counts), writes each finding as an entry with the blob of the content its line
refers to, and keeps the entries and figures of checks it did not run when
checks were named.  ``--prune`` only removes the entries that are fixed and
raises figures that improved; it never adds an entry.

Figures only rise: a re-record that would lower a recorded figure (or drop one
whose file still exists) lists each of them and writes nothing, exit 1, as
``testguard run`` fails on the same drop; ``--allow-lower`` records them on
purpose.  Exit 1 rather than 2: the command was right, what it measured is not.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence
from pathlib import Path

from testguard.core import gitobjects
from testguard.core.baseline import (
    Baseline,
    FigureChange,
    lowered,
    ratchet,
    regular_file_mode,
    render,
    unchecked_files,
    write_atomic,
    written_by_newer,
)
from testguard.core.check import Check
from testguard.core.context import Context
from testguard.core.entries import Entry, LineReader, new_entries
from testguard.core.findings import CheckResult, UsageError
from testguard.core.matching import Matched
from testguard.core.runner import run_checks
from testguard.core.source import FILES_CHECK
from testguard.core.wording import plural


def _owner(figure_key: str) -> str:
    return figure_key.partition(":")[0]


def _display(path: Path, root: Path) -> str:
    """The baseline's path for a message on stderr: on one line, and never a workflow
    command (the path comes from the project's config, which a pull request can change)."""
    from testguard.core.report.escape import inert, visible

    try:
        shown = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = str(path)
    return inert(visible(shown))


REFUSED = (
    "Nothing written: recorded figures only rise. Bring them back up, or record the lower"
    " figures on purpose with `testguard baseline --allow-lower` (a reviewer sees them in the diff)."
)


def record(
    ctx: Context, checks: Sequence[Check], explicit: bool, prune: bool, allow_lower: bool = False
) -> int:
    """Writes the baseline file with the findings of ``checks``; returns 0, or 1 when it
    would lower a recorded figure without ``allow_lower`` (then nothing is written).

    ``explicit``: the checks were named (the entries of the others are kept).
    """
    if prune and allow_lower:
        raise UsageError("--allow-lower cannot be used with --prune: pruning never lowers a figure")
    if ctx.options.diff_base:
        raise UsageError("--diff-base cannot be used with `testguard baseline`: it records every finding")
    path = ctx.baseline_path
    if not path.is_absolute():
        path = Path.cwd() / path
    regular_file_mode(path)  # nothing but a file is read or replaced
    if not path.parent.is_dir():
        raise UsageError(f"cannot write the baseline {path}: directory {path.parent} does not exist")
    try:
        old = Baseline.load(path, ctx.root)
    except UsageError:
        # A full re-record is how a damaged file is repaired, unless it comes from a newer
        # testguard (it may hold what this version cannot write back).
        if explicit or prune or written_by_newer(path):
            raise
        old = None
        print(
            f"testguard: note: the baseline {_display(path, ctx.root)} could not be read;"
            " it is re-created from today's findings",
            file=sys.stderr,
        )
    if prune and old is None:
        raise UsageError(f"no baseline at {path} to prune; run `testguard baseline` first")

    # Every finding counts, whatever the old file says.
    options = dataclasses.replace(ctx.options, diff_base=None, no_baseline=True)
    results = run_checks(Context(ctx.root, ctx.config, ctx.paths, options), checks)
    ran = {r.check for r in results} | {check.name for check in checks}
    if any(check.is_static for check in checks):
        ran.add(FILES_CHECK)  # the static pass checks every test file can be read

    reader = LineReader(ctx.root)
    figures: dict[str, tuple[str, float]] = {}
    for result in results:
        for key, value in result.figures.items():
            figures[key] = (result.check, float(value))

    if prune:
        assert old is not None
        matched = old.match(results, reader, exact=True)
        entries, new_figures, removed, raised = _pruned(
            old, ran, matched, figures, unchecked_files(results)
        )
        text = render(entries, new_figures, old.blobs)
        write_atomic(path, text)
        what = f"{plural(removed, 'fixed entry', 'fixed entries')} removed"
        if raised:
            what += f", {plural(raised, 'figure')} raised"
        print(f"Baseline {_display(path, ctx.root)}: {what}; {_tally(entries)}.", file=sys.stderr)
        return 0

    current, blobs = _recorded(ctx.root, results, reader)
    if explicit and old is not None:
        kept = [e for e in old.entries if e.check not in ran]
        blobs.update((k, v) for k, v in old.blobs.items() if k[0] not in ran)
        kept_figures = {
            k: v for k, v in old.figures.items()
            if _owner(k) not in ran and k not in figures
        }
    else:
        kept, kept_figures = [], {}
    entries = kept + current
    all_figures = {**kept_figures, **{k: v for k, (_, v) in figures.items()}}
    reference = old if old is not None and (old.entries or old.figures) else _committed(ctx)
    changes = lowered(ctx.root, reference.figures, all_figures) if reference is not None else []
    if changes and not _lowering_allowed(changes, allow_lower):
        return 1
    write_atomic(path, render(entries, all_figures, blobs))
    extra = f" and {plural(len(all_figures), 'figure')}" if all_figures else ""
    if changes:
        extra += f" ({len(changes)} lowered with --allow-lower)"
    print(
        f"Baseline {_display(path, ctx.root)}: {_tally(entries, recorded=True)}{extra}.",
        file=sys.stderr,
    )
    return 0


def _committed(ctx: Context) -> Baseline | None:
    """The committed baseline (HEAD) when the file is missing or empty: its figures are
    what a re-record must not lower either."""
    from testguard.core.baseline_removed import committed

    found = committed(ctx)
    if found is None:
        return None
    print(
        f"testguard: note: the baseline file is missing or empty; its figures are compared"
        f" with the one in {found.where}",
        file=sys.stderr,
    )
    return found.baseline


def _lowering_allowed(changes: list[FigureChange], allow_lower: bool) -> bool:
    """Lists each lowered figure; whether the file may be written."""
    if not allow_lower:
        print(f"testguard baseline: {plural(len(changes), 'recorded figure')} would be lowered:", file=sys.stderr)
    from testguard.core.report.escape import inert, visible

    for change in changes:  # a figure's key comes from the baseline file, which a pull request can change
        print(inert(visible(f"  {change.line()}")), file=sys.stderr)
    if not allow_lower:
        print(REFUSED, file=sys.stderr)
    return allow_lower


def _recorded(
    root: Path, results: list[CheckResult], reader: LineReader
) -> tuple[list[Entry], dict[tuple[str, str], str]]:
    """Today's entries, and the blob of each file whose entries have line numbers."""
    entries: list[Entry] = []
    lined: set[tuple[str, str]] = set()
    for result in results:
        for entry in new_entries(result.findings, result.check, reader):
            entries.append(entry)
            if entry.line:
                lined.add((result.check, entry.path))
    stored = gitobjects.store(root, {where for _, where in lined})
    blobs: dict[tuple[str, str], str] = {}
    for check, where in lined:
        blob = stored.get(where) or reader.blob_id(where, 40)
        if blob is not None:
            blobs[(check, where)] = blob
    return entries, blobs




def _pruned(
    old: Baseline,
    ran: set[str],
    matched: dict[str, Matched],
    figures: dict[str, tuple[str, float]],
    unchecked: set[str],
) -> tuple[list[Entry], dict[str, float], int, int]:
    """Old entries still matched (fixed ones dropped), figures raised where they improved."""
    still = {id(e) for m in matched.values() for e in m.entry_of if e is not None}
    entries = [
        e for e in old.entries
        if e.check not in ran or id(e) in still or e.path in unchecked
    ]
    removed = len(old.entries) - len(entries)
    new_figures, raised = ratchet(old.figures, {k: v for k, (_, v) in figures.items()})
    return entries, new_figures, removed, raised


def _tally(entries: list[Entry], recorded: bool = False) -> str:
    count = len(set(entries))
    head = plural(count, "finding") + (" recorded" if recorded else " remain")
    per: dict[str, int] = {}
    for entry in set(entries):
        per[entry.check] = per.get(entry.check, 0) + 1
    if not per:
        return head
    detail = ", ".join(f"{check} {n}" for check, n in sorted(per.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{head} ({detail})"
