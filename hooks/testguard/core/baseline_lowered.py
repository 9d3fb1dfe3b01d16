"""TG004: a floor the baseline records is lower than at the merge-base of ``--diff-base``.

``testguard baseline`` refuses to lower a recorded figure without ``--allow-lower``,
but the file is JSON in the repository: a pull request can lower ``coverage:total``
by hand, or re-record with ``--allow-lower``, and only the diff of the baseline
shows it.  With ``--diff-base`` the run compares the figures in the working tree with
the ones committed at the merge-base, as ``testguard baseline`` compares a re-record
with the file.  A figure that goes with its file (the file is gone) is no lowering.
A lowering meant on purpose passes a reviewer's run with ``--ignore TG004``.
"""

from __future__ import annotations

from testguard.core import settings_place
from testguard.core.baseline import FigureChange, lowered
from testguard.core.baseline_removed import add_core_finding, committed_at, relative_baseline
from testguard.core.context import Context
from testguard.core.findings import CheckResult, Finding, Scope
from testguard.core.source import FILES_CHECK

CODE = "TG004"


def _changes(ctx: Context, relative: str) -> tuple[list[FigureChange], str]:
    """The figures lowered since the merge-base, and the path the baseline had there (its
    config may have pointed elsewhere: moving the file must not drop its floors)."""
    changed, present = ctx.changed, ctx.baseline
    # A baseline without figures may still have lost them all: that is a lowering too.
    # One without entries either was emptied or deleted: TG003 says so.
    if changed is None or present is None or not (present.entries or present.figures):
        return [], relative
    found = committed_at(ctx, changed.merge_base, relative)
    if found is None:
        return [], relative
    old, where = found
    return lowered(ctx.root, dict(old.figures), dict(present.figures)), where


def lowered_floors(ctx: Context) -> Finding | None:
    """TG004 when ``--diff-base`` is given and the baseline's figures went down since its
    merge-base; else None."""
    if ctx.options.no_baseline or ctx.paths or ctx.changed is None:
        return None
    located = relative_baseline(ctx)
    if located is None:
        return None
    path, relative = located
    changes, where = _changes(ctx, relative)
    if not changes:
        return None
    changed = ctx.changed
    assert changed is not None  # _changes found some
    first = changes[0]
    place = settings_place.recorded_figure(ctx.root, path, first.key)
    listed = ", ".join(change.line() for change in changes)
    moved = f" at {where}, where its config pointed" if where != relative else ""
    return Finding(
        path=relative, line=place.line if place is not None else 1, col=1, code=CODE,
        check=FILES_CHECK, scope=Scope.PROJECT,
        message=f"the baseline lowers what the merge-base with {changed.ref} recorded{moved}: {listed};"
        f" a floor only rises: restore it with `git checkout {changed.ref} -- {where}`"
        " (a lowering meant on purpose passes a reviewer's run with `--ignore TG004`)",
        details={"lowered": {c.key: {"from": c.old, "to": c.new} for c in changes}},
    )


def check_lowered(ctx: Context, results: list[CheckResult]) -> None:
    """Adds TG004 to the core's result when the baseline's floors went down."""
    finding = lowered_floors(ctx)
    if finding is not None:
        add_core_finding(results, finding)
