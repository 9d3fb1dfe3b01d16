"""TG003: the baseline the diff base (or HEAD) has is gone or emptied in the working tree.

Deleting ``.testguard-baseline.json`` in a pull request turns its floors off (coverage,
collected tests) and, with ``--diff-base``, hides nothing a reviewer would see: the
old findings are on unchanged lines.  So a run compares the working tree with the
committed file: at the merge-base of ``--diff-base`` first (what the Action checks),
then at HEAD (a local deletion not committed yet).  Git is asked only when the file
is missing or empty; a run on given files (a hook call) speaks for those files only
and does not ask; ``--no-baseline`` says on stderr that the baseline is ignored.
"""

from __future__ import annotations

import sys
from pathlib import Path

from testguard.core import gitobjects
from testguard.core.baseline import Baseline, show_figure
from testguard.core.context import Context
from testguard.core.findings import CheckResult, Finding, UsageError
from testguard.core.source import FILES_CHECK
from testguard.core.wording import plural

CODE = "TG003"
_LISTED = 3


def _relative(ctx: Context) -> tuple[Path, str] | None:
    path = ctx.baseline_path
    if not path.is_absolute():
        path = Path.cwd() / path
    try:
        return path, path.resolve().relative_to(ctx.root.resolve()).as_posix()
    except ValueError:
        return None  # outside the project: not ours to compare


def committed(ctx: Context) -> tuple[Baseline, str] | None:
    """The baseline as committed at the merge-base of ``--diff-base``, else at HEAD, with
    where it was found; None when neither holds a readable one with something in it."""
    located = _relative(ctx)
    if located is None:
        return None
    path, relative = located
    revisions: list[tuple[str, str]] = []
    changed = ctx.changed
    if changed is not None:
        revisions.append((changed.merge_base, f"the merge-base with {changed.ref}"))
    revisions.append(("HEAD", "HEAD"))
    for revision, where in revisions:
        data = gitobjects.read_committed(ctx.root, revision, relative)
        if data is None:
            continue
        try:
            old = Baseline.parse(data, path, ctx.root)
        except UsageError:
            continue  # a committed file that was never valid held no floor
        if old.entries or old.figures:
            return old, where
    return None


def _disabled(old: Baseline) -> str:
    parts = []
    if old.entries:
        parts.append(plural(len(old.entries), "accepted finding"))
    if old.figures:
        items = sorted(old.figures.items())
        listed = ", ".join(f"{key} {show_figure(value)}" for key, value in items[:_LISTED])
        more = f", {len(items) - _LISTED} more" if len(items) > _LISTED else ""
        parts.append(f"{plural(len(items), 'floor')} ({listed}{more})")
    return " and ".join(parts)


def removed_baseline(ctx: Context) -> Finding | None:
    """TG003 when the working tree lost (or emptied) the baseline git has; else None."""
    if ctx.options.no_baseline or ctx.paths:
        return None
    located = _relative(ctx)
    if located is None:
        return None
    path, relative = located
    present = ctx.baseline
    if present is not None and (present.entries or present.figures):
        return None
    found = committed(ctx)
    if found is None:
        return None
    old, where = found
    what = "deleted" if present is None and not path.exists() else "emptied"
    revision = "HEAD" if where == "HEAD" else str(ctx.options.diff_base)
    return Finding(
        path=relative, line=0, col=0, code=CODE, check=FILES_CHECK,
        message=f"the baseline was {what}, but {where} has one: its {_disabled(old)} no longer"
        f" {'applies' if len(old.entries) + len(old.figures) == 1 else 'apply'}; restore it with `git checkout {revision} -- {relative}` (then `testguard"
        " baseline --prune` shrinks it)",
        details={"removed": what, "entries": len(old.entries), "figures": dict(old.figures)},
    )


def note_ignored(ctx: Context) -> None:
    """``--no-baseline``: one line on stderr when there was a baseline to ignore."""
    path = ctx.baseline_path
    if ctx.options.no_baseline and (path.exists() or path.is_symlink()):
        located = _relative(ctx)
        shown = located[1] if located is not None else str(path)
        print(
            f"testguard: note: --no-baseline: the baseline {shown} is ignored; every finding counts as new",
            file=sys.stderr,
        )


def check_baseline(ctx: Context, results: list[CheckResult]) -> None:
    """Adds TG003 to the core's result when the baseline was removed; notes --no-baseline."""
    note_ignored(ctx)
    finding = removed_baseline(ctx)
    if finding is None:
        return
    result = next((r for r in results if r.check == FILES_CHECK), None)
    if result is None:
        result = CheckResult(check=FILES_CHECK)
        results.append(result)
    result.findings.append(finding)
