"""TG003: the baseline the diff base (or HEAD) has is gone or emptied in the working tree.

Deleting ``.testguard-baseline.json`` in a pull request turns its floors off (coverage,
collected tests) and, with ``--diff-base``, hides nothing a reviewer would see: the
old findings are on unchanged lines.  So a run compares the working tree with the
committed file: at the merge-base of ``--diff-base`` first (what the Action checks),
then at HEAD (a local deletion not committed yet), at the path configured now and at
the one the config of that commit named (pointing ``baseline`` at a file that does
not exist turns nothing off either).  Git is asked only when the file
is missing or empty; a run on given files (a hook call) speaks for those files only
and does not ask; ``--no-baseline`` says on stderr that the baseline is ignored.
"""

from __future__ import annotations

import posixpath
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from testguard.core import gitobjects, settings_place
from testguard.core.baseline import Baseline, show_figure
from testguard.core.config import Config
from testguard.core.context import Context
from testguard.core.findings import CheckResult, Finding, Scope, UsageError
from testguard.core.source import FILES_CHECK
from testguard.core.wording import plural

CODE = "TG003"
_LISTED = 3


def relative_baseline(ctx: Context) -> tuple[Path, str] | None:
    path = ctx.baseline_path
    if not path.is_absolute():
        path = Path.cwd() / path
    try:
        return path, path.resolve().relative_to(ctx.root.resolve()).as_posix()
    except ValueError:
        return None  # outside the project: not ours to compare


@dataclass(frozen=True)
class Committed:
    """A baseline as git has it: the file, where it was found, and its path there."""

    baseline: Baseline
    where: str  # "HEAD", "the merge-base with main"
    revision: str  # what to check it out from
    path: str  # root-relative


def _config_name(ctx: Context) -> str | None:
    """The config file, root-relative (``pyproject.toml`` when there is none yet)."""
    config = ctx.config.file
    if config is None:
        return "pyproject.toml"
    try:
        return config.resolve().relative_to(ctx.root.resolve()).as_posix()
    except ValueError:
        return None


def _configured(data: bytes | None) -> str | None:
    """The baseline path a committed config names (the default when it names none)."""
    if data is None:
        return Config().baseline
    try:
        tool = tomllib.loads(data.decode("utf-8")).get("tool", {})
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    table = tool.get("testguard", {}) if isinstance(tool, dict) else {}
    value = table.get("baseline", Config().baseline) if isinstance(table, dict) else None
    return posixpath.normpath(value) if isinstance(value, str) and value else None


def holding(data: bytes | None, path: Path, root: Path) -> Baseline | None:
    """The committed baseline when it holds something."""
    if data is None:
        return None
    try:
        old = Baseline.parse(data, path, root)
    except UsageError:
        return None  # a committed file that was never valid held no floor
    return old if old.entries or old.figures else None


def committed(ctx: Context) -> Committed | None:
    """The baseline as committed at the merge-base of ``--diff-base``, else at HEAD; None
    when neither holds a readable one with something in it.

    Besides the path configured now, the path the config of that commit named: a
    config pointed at a file that does not exist must not turn the baseline off.
    """
    located = relative_baseline(ctx)
    relative = located[1] if located is not None else None  # None: outside the project
    revisions: list[tuple[str, str, str]] = []
    changed = ctx.changed
    if changed is not None:
        revisions.append((changed.merge_base, f"the merge-base with {changed.ref}", changed.ref))
    if changed is None or changed.merge_base != changed.head:  # else HEAD was just read
        revisions.append(("HEAD", "HEAD", "HEAD"))
    for revision, where, ref in revisions:
        found = committed_at(ctx, revision, relative)
        if found is not None:
            return Committed(found[0], where, ref, found[1])
    return None


def committed_at(ctx: Context, revision: str, relative: str | None) -> tuple[Baseline, str] | None:
    """The baseline committed at ``revision`` when it holds something, and its path there:
    ``relative`` (None: the path configured now is outside the project), else the path
    the config of that commit named."""
    config = _config_name(ctx) if ctx.options.baseline is None else None
    files = gitobjects.read_committed(ctx.root, revision, [relative or "", config or ""])
    old = holding(files.get(relative), ctx.root / relative, ctx.root) if relative is not None else None
    if old is not None and relative is not None:
        return old, relative
    then = _configured(files.get(config)) if config is not None else None
    if then is not None and then != relative:
        data = gitobjects.read_committed(ctx.root, revision, [then]).get(then)
        old = holding(data, ctx.root / then, ctx.root)
        if old is not None:
            return old, then
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
    located = relative_baseline(ctx)
    present = ctx.baseline
    if present is not None and (present.entries or present.figures):
        return None
    found = committed(ctx)
    if found is None:
        return None
    old = found.baseline
    if located is None:  # the config points outside the project: the finding points at it
        path, relative = ctx.baseline_path, str(ctx.baseline_path)
        config = ctx.config.file
        place = settings_place.in_file(ctx.root, config, r"^\s*baseline\s*=") if config else None
        at, line = (place.path, place.line) if place is not None else (found.path, 1)
    else:
        path, relative = located
        at, line = relative, 1
    if found.path == relative:
        what = "deleted" if present is None and not path.exists() else "emptied"
        head = f"the baseline was {what}, but {found.where} has one"
    else:
        what = "missing" if present is None else "empty"
        head = (
            f"the baseline {relative} is {what}, but {found.where} has one at {found.path},"
            " where its config pointed"
        )
    applies = "applies" if len(old.entries) + len(old.figures) == 1 else "apply"
    return Finding(
        path=at, line=line, col=1, code=CODE, check=FILES_CHECK, scope=Scope.PROJECT,
        message=f"{head}: its {_disabled(old)} no longer {applies}; restore it with"
        f" `git checkout {found.revision} -- {found.path}` (then `testguard baseline --prune`"
        " shrinks it)",
        details={"removed": what, "entries": len(old.entries), "figures": dict(old.figures),
                 "committed_path": found.path},
    )


def note_ignored(ctx: Context) -> None:
    """``--no-baseline``: one line on stderr when there was a baseline to ignore."""
    path = ctx.baseline_path
    if ctx.options.no_baseline and (path.exists() or path.is_symlink()):
        located = relative_baseline(ctx)
        from testguard.core.report.escape import inert, visible

        shown = inert(visible(located[1] if located is not None else str(path)))
        print(
            f"testguard: note: --no-baseline: the baseline {shown} is ignored; every finding counts as new",
            file=sys.stderr,
        )


def check_baseline(ctx: Context, results: list[CheckResult]) -> None:
    """Adds TG003 to the core's result when the baseline was removed; notes --no-baseline."""
    note_ignored(ctx)
    finding = removed_baseline(ctx)
    if finding is not None:
        add_core_finding(results, finding)


def add_core_finding(results: list[CheckResult], finding: Finding) -> None:
    """``finding`` in the core's result (made when the run has none yet)."""
    result = next((r for r in results if r.check == FILES_CHECK), None)
    if result is None:
        result = CheckResult(check=FILES_CHECK)
        results.append(result)
    result.findings.append(finding)
