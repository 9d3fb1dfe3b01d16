"""One pytest collection: its errors and its count as findings (TG701, TG702) and the figure."""

from __future__ import annotations

import sys
from pathlib import Path

from testguard.checks.collect.run import (
    CollectError,
    CollectOutcome,
    collect,
    locations_in_output,
    project_location,
)
from testguard.checks.collect.settings import DEFAULT_TIMEOUT, SECTION, CollectOptions
from testguard.core.context import Context
from testguard.core import settings_place
from testguard.core.project_process import signal_text
from testguard.core.findings import CheckResult, Finding, Scope
from testguard.core.settings_place import Place
from testguard.core.wording import plural

NAME = "collect"
FIGURE = "collect:tests"


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _finding(ctx: Context, frames: list[tuple[str, int]], fallback: str, message: str,
             **details: object) -> Finding:
    """TG701 at the line that caused it; else at the file being collected (``fallback``);
    else at ``[tool.testguard.collect]``, which turned the gate on."""
    root = ctx.root
    where = project_location(frames, root)
    if where is not None:
        path, line, scope = _rel(root, where[0]), max(where[1], 1), Scope.LINE
        if where[1] <= 0:
            scope = Scope.FILE
    elif fallback:
        path, line, scope = fallback, 1, Scope.FILE
    else:
        place = settings_place.setting(root, ctx.config, NAME)
        path, line, scope = place.path, place.line, Scope.PROJECT
    return Finding(path=path, line=line, col=1, code="TG701", message=message, check=NAME,
                   details=dict(details), scope=scope)


def _error_finding(ctx: Context, error: CollectError) -> Finding:
    root = ctx.root
    frames = error.frames or locations_in_output(error.longrepr)
    collector = project_location([(error.path, 1)], root) if error.path else None
    cause = project_location(frames, root)
    if collector is not None:
        collecting = _rel(root, collector[0])
    elif cause is not None:
        collecting = _rel(root, cause[0])
    else:
        collecting = error.nodeid or "a conftest.py"
    what = f"{error.type}: {error.message}" if error.message else error.type
    if not what:
        lines = [ln.strip() for ln in error.longrepr.splitlines() if ln.strip()]
        what = lines[-1] if lines else "collection failed"
    if error.stage == "conftest":
        message = f"pytest could not load {collecting}: {what}"
    elif error.type == "SystemExit":
        message = f"process exit while collecting {collecting} ({what})"
    elif error.pytest_exit:
        message = f"pytest.exit() while collecting {collecting} ({error.message or what})"
    else:
        message = f"{collecting} failed to collect: {what}"
    if error.stage == "internal":
        message += ": pytest stopped, so no test of any module was collected"
    elif error.stage == "conftest":
        message += ": pytest stopped before collecting any test"
    elif error.type == "SystemExit":
        message += ": none of its tests are collected"
    elif error.pytest_exit:
        message += ": pytest stopped, so the modules after it were not collected"
    finding = _finding(ctx, frames, collecting if collector else "", message,
                       nodeid=error.nodeid, exception=error.type, stage=error.stage)
    if collector is not None and finding.path != collecting:
        finding.message += f" (raised while collecting {collecting})"
    return finding


def _crash_finding(ctx: Context, outcome: CollectOutcome, timeout: float) -> Finding | None:
    completed = outcome.completed
    frames = locations_in_output(completed.output)
    tail = completed.tail(1500)
    if completed.timed_out and outcome.items is not None:
        return _finding(ctx, [], "", f"pytest collected {plural(outcome.items, 'test')} but did not"
                        f" exit within {timeout:g}s: a thread, a child process or an atexit handler"
                        " that a conftest or test module started keeps it running", returncode=None)
    if completed.timed_out:
        return _finding(ctx, [], "", f"pytest did not finish collecting within {timeout:g}s"
                        " (a test module or conftest hangs at import?)", returncode=None)
    if completed.returncode < 0:
        collecting = _rel(ctx.root, Path(outcome.current)) if outcome.current else ""
        if collecting:
            when = f"while collecting {collecting}"
        elif outcome.stage in ("not started", "startup"):
            when = "before collecting (loading conftest.py files and plugins)"
        else:
            when = "while collecting"
        said = f":\n{tail}" if tail else ""
        # No line of the project in what it said: the file being collected is the place.
        return _finding(ctx, frames, collecting, f"pytest was killed by {signal_text(completed.returncode)}"
                        f" {when}{said}", returncode=completed.returncode)
    if outcome.errors:
        return None
    if outcome.current and outcome.stage != "finished" and not frames:
        frames = [(outcome.current, 0)]
    if "INTERNALERROR>" in completed.output:
        return _finding(ctx, frames, "", f"pytest crashed with an internal error:\n{tail}",
                        returncode=completed.returncode)
    if outcome.items is None:
        said = f":\n{tail}" if tail else " and printed nothing (a hard process exit such as os._exit?)"
        where = "before collecting" if not outcome.current else "while collecting"
        return _finding(ctx, frames, "", f"pytest stopped {where} (exit code"
                        f" {completed.returncode}){said}", returncode=completed.returncode)
    if completed.returncode not in (0, 5) and outcome.stage != "finished":
        return _finding(ctx, frames, "", f"pytest exited with code {completed.returncode}"
                        f" during collection:\n{tail}", returncode=completed.returncode)
    return None


def _floor(ctx: Context) -> tuple[int, str, Place] | None:
    """The count not to go below, what it is, and where it is set."""
    configured = SECTION.of(ctx.config).min_tests
    floors: list[tuple[int, str, Place]] = []
    if isinstance(configured, int) and not isinstance(configured, bool):
        place = settings_place.setting(ctx.root, ctx.config, NAME, "min-tests")
        floors.append((configured, f"min-tests = {configured}", place))
    baseline = ctx.baseline
    if baseline is not None:
        recorded = baseline.figure(FIGURE)
        if recorded is not None:
            place = settings_place.recorded_figure(ctx.root, ctx.baseline_path, FIGURE) or (
                settings_place.setting(ctx.root, ctx.config, NAME)
            )
            floors.append((int(recorded), "the count recorded in the baseline", place))
    return max(floors, key=lambda floor: floor[0]) if floors else None


def _note_rise(ctx: Context, figures: dict[str, float]) -> None:
    """Says when the count is above the one recorded: ``--prune`` would raise the floor."""
    from testguard.core.baseline import risen, show_figure

    up = risen(ctx.baseline, figures).get(FIGURE)
    if up is not None:
        floor, now = up
        print(
            f"testguard: note: {show_figure(now)} tests collected, above the floor of"
            f" {show_figure(floor)} recorded in the baseline: testguard baseline --prune raises it",
            file=sys.stderr,
        )


def run(ctx: Context) -> CheckResult:
    timeout = float(ctx.options.own(CollectOptions).timeout or DEFAULT_TIMEOUT)
    python = ctx.interpreter
    settings = SECTION.of(ctx.config)
    outcome = collect(ctx.root, python, list(settings.args), timeout)
    result = CheckResult(check=NAME, raw_output=outcome.completed.tail(),
                         used="pytest's collection did not complete")
    for error in outcome.errors:
        result.findings.append(_error_finding(ctx, error))
    crash = _crash_finding(ctx, outcome, timeout)
    if crash is not None:
        result.findings.append(crash)
    if outcome.items is None or crash is not None or any(
        e.stage in ("internal", "conftest") or e.pytest_exit for e in outcome.errors
    ):
        return result  # collection did not complete: its count means nothing
    count = outcome.items
    result.used = f"{plural(count, 'test')} collected by pytest"
    result.figures[FIGURE] = float(count)
    result.sections["collect"] = {"tests": count, "errors": len(outcome.errors),
                                  "command": outcome.command}
    if count == 0 and not outcome.errors and settings.min_tests != 0:
        place = settings_place.setting(ctx.root, ctx.config, NAME, "min-tests")
        result.findings.append(Finding(
            path=place.path, line=place.line, col=1, code="TG701", check=NAME, scope=Scope.PROJECT,
            message="pytest collected no tests: check testpaths / python_files, or"
            " [tool.testguard.collect] args (set min-tests = 0 if that is intended)",
        ))
        return result
    _note_rise(ctx, result.figures)
    floor = _floor(ctx)
    if floor is not None and count < floor[0]:
        missing = floor[0] - count
        result.findings.append(Finding(
            path=floor[2].path, line=floor[2].line, col=1, code="TG702", check=NAME, scope=Scope.PROJECT,
            message=f"{count} tests collected, {missing} fewer than {floor[0]}"
            f" ({floor[1]})",
            details={"collected": count, "floor": floor[0], "missing": missing},
        ))
    return result

