"""The floors against the measured coverage: the findings, the ratcheted figures, the table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from testguard.checks.coverage.floors import (
    ChangedCoverage,
    Evaluation,
    FloorRules,
    changed_coverage,
    evaluate,
)
from testguard.checks.coverage.model import CoverageSet, Numbers, below, display, shown
from testguard.checks.coverage.settings import SECTION
from testguard.checks.coverage.source import load_coverage
from testguard.core.context import Context
from testguard.core import settings_place
from testguard.core.findings import CheckResult, Finding, Scope, Severity
from testguard.core.report.escape import inert, visible
from testguard.core.settings_place import Place
from testguard.core.wording import plural

NAME = "coverage"
TOTAL = "coverage:total"
_ACCEPT = "recorded figures only rise; run 'testguard baseline --allow-lower' to record a lower one on purpose"


def _pc(numbers: Numbers, precision: int) -> str:
    return display(numbers.percent, precision) + "%"


def _counts(numbers: Numbers) -> str:
    text = f"{numbers.missing} of {numbers.statements} statements missed"
    if numbers.branches:
        text += f", {numbers.missing_branches} of {numbers.branches} branches"
    return text


def _project(place: Place, code: str, message: str, fingerprint: str, **details: Any) -> Finding:
    """A finding about the whole project, at the setting that sets its floor."""
    return Finding(path=place.path, line=place.line, col=1, code=code, message=message, check=NAME,
                   details={"fingerprint": fingerprint, **details}, scope=Scope.PROJECT)


def _whole_file(path: str, message: str, **details: Any) -> Finding:
    """A file below its floor: about the whole file, pointing at its first line."""
    return Finding(path=path, line=1, col=1, code="TG602", message=message, check=NAME,
                   details=details, scope=Scope.FILE)


_COVERAGE_CONFIGS = (".coveragerc", "setup.cfg", "tox.ini", "pyproject.toml")  # coverage.py's order


def _coverage_floor_place(ctx: Context) -> Place:
    """Where coverage.py's own ``fail_under`` is set."""
    for name in _COVERAGE_CONFIGS:
        found = settings_place.in_file(ctx.root, ctx.root / name, r"^\s*fail_under\s*=")
        if found is not None:
            return found
    return settings_place.setting(ctx.root, ctx.config, NAME)


def _recorded_place(ctx: Context, figure: str) -> Place:
    """Where the baseline records ``figure`` (the floor a ratchet finding fell below)."""
    found = settings_place.recorded_figure(ctx.root, ctx.baseline_path, figure)
    return found or settings_place.setting(ctx.root, ctx.config, NAME)


def _ratchet_digits(precision: int) -> int:
    return max(precision, 2)


def _figure(percent: float, precision: int) -> float:
    return round(percent, _ratchet_digits(precision))


def _dropped(ctx: Context, key: str, now: float, precision: int) -> float | None:
    """The recorded figure when ``now`` is below it, else None."""
    baseline = ctx.baseline
    recorded = baseline.figure(key) if baseline is not None else None
    if recorded is None:
        return None
    digits = _ratchet_digits(precision)
    return recorded if round(now, digits) < round(recorded, digits) else None


def _total_findings(ctx: Context, cov: CoverageSet, ev: Evaluation) -> list[Finding]:
    out: list[Finding] = []
    p = cov.precision
    pc = ev.total.percent
    floor = SECTION.of(ctx.config).fail_under
    place = settings_place.setting(ctx.root, ctx.config, NAME, "fail-under")
    if floor is None and cov.fail_under > 0:
        floor = cov.fail_under
        place = _coverage_floor_place(ctx)
    if floor is not None and below(pc, floor, p):
        out.append(_project(
            place, "TG601",
            f"total coverage {shown(pc, floor, p)}% is below the floor of {floor:g}%"
            f" ({_counts(ev.total)}; from {cov.source})",
            "floor total", percent=pc, floor=floor,
        ))
    recorded = _dropped(ctx, TOTAL, pc, p)
    if recorded is not None:
        d = _ratchet_digits(p)
        out.append(_project(
            _recorded_place(ctx, TOTAL), "TG601",
            f"total coverage fell to {pc:.{d}f}% from the recorded {recorded:.{d}f}% ({_ACCEPT})",
            "ratchet total", percent=pc, recorded=recorded,
        ))
    return out


def _path_findings(ctx: Context, cov: CoverageSet, ev: Evaluation) -> list[Finding]:
    out: list[Finding] = []
    p = cov.precision
    d = _ratchet_digits(p)
    for path, rule in sorted(ev.governed.items()):
        numbers = cov.files[path].numbers
        pc = numbers.percent
        if below(pc, rule.floor, p):
            out.append(_whole_file(
                path,
                f"coverage {shown(pc, rule.floor, p)}% is below the floor of"
                f" {rule.floor:g}% for '{rule.glob}' ({_counts(numbers)})",
                fingerprint=f"floor {rule.glob}", percent=pc, floor=rule.floor, glob=rule.glob,
            ))
        recorded = _dropped(ctx, f"coverage:{path}", pc, p)
        if recorded is not None:
            out.append(_whole_file(
                path,
                f"coverage fell to {pc:.{d}f}% from the recorded {recorded:.{d}f}% ({_ACCEPT})",
                fingerprint="ratchet", percent=pc, recorded=recorded,
            ))
    for glob, numbers in sorted(ev.by_glob.items()):
        if glob in ev.governed:
            continue  # an exact file path: its own figure was compared above
        recorded = _dropped(ctx, f"coverage:{glob}", numbers.percent, p)
        if recorded is not None:
            out.append(_project(
                _recorded_place(ctx, f"coverage:{glob}"), "TG602",
                f"coverage of '{glob}' fell to {numbers.percent:.{d}f}% from the recorded"
                f" {recorded:.{d}f}% ({_ACCEPT})",
                f"ratchet {glob}", glob=glob, percent=numbers.percent, recorded=recorded,
            ))
    return out


def _line_text(root: Path, path: str, line: int, cache: dict[str, list[str]]) -> str:
    if path not in cache:
        try:
            cache[path] = (root / path).read_text(encoding="utf-8", errors="replace").split("\n")
        except OSError:
            cache[path] = []
    lines = cache[path]
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _arc_text(dest: int) -> str:
    return "the function's exit" if dest < 0 else f"line {dest}"


def _changed_findings(ctx: Context, cov: CoverageSet, changed: ChangedCoverage, ref: str) -> list[Finding]:
    out: list[Finding] = []
    floor = SECTION.of(ctx.config).changed_lines_fail_under
    numbers = changed.numbers
    pc = numbers.percent
    if floor is not None and numbers.statements and below(pc, floor, cov.precision):
        out.append(_project(
            settings_place.setting(ctx.root, ctx.config, NAME, "changed-lines-fail-under"), "TG603",
            f"coverage of the lines changed since {ref} is {shown(pc, floor, cov.precision)}%,"
            f" below the floor of {floor:g}% ({_counts(numbers)} in {plural(changed.files, 'file')})",
            "floor changed lines", percent=pc, floor=floor,
        ))
    texts: dict[str, list[str]] = {}
    for run in changed.uncovered:
        what = f"line {run.start}" if run.start == run.end else f"lines {run.start}-{run.end}"
        out.append(Finding(
            path=run.path, line=run.start, end_line=run.end, col=1, code="TG604", check=NAME,
            severity=Severity.WARNING, message=f"changed {what} not covered by the tests",
            details={"lines": run.lines},
            line_text=_line_text(ctx.root, run.path, run.start, texts),
        ))
    for part in changed.partial:
        missed = ", ".join(_arc_text(d) for d in part.missed) or "one of its branches"
        out.append(Finding(
            path=part.path, line=part.line, col=1, code="TG604", check=NAME,
            severity=Severity.WARNING,
            message=f"changed line {part.line} ran, but never jumped to {missed}",
            details={"missed_branches": part.missed},
            line_text=_line_text(ctx.root, part.path, part.line, texts),
        ))
    return out


def _table(cov: CoverageSet, ev: Evaluation, failed: set[str]) -> list[dict[str, Any]]:
    p = cov.precision
    rows: list[dict[str, Any]] = []
    for path, f in cov.files.items():
        numbers = f.numbers
        rule = ev.governed.get(path)
        rows.append({
            "path": path,
            "statements": numbers.statements,
            "missed": numbers.missing,
            "branches": numbers.branches,
            "missed_branches": numbers.missing_branches,
            "percent": round(numbers.percent, _ratchet_digits(p)),
            "floor": rule.floor if rule else None,
            "glob": rule.glob if rule else None,
            "passed": path not in failed,
        })
    rows.sort(key=lambda r: (r["percent"], -r["missed"], -r["statements"], r["path"]))
    total = ev.total
    rows.append({
        "path": "TOTAL", "statements": total.statements, "missed": total.missing,
        "branches": total.branches, "missed_branches": total.missing_branches,
        "percent": round(total.percent, _ratchet_digits(p)), "floor": None, "glob": None,
        "passed": "" not in failed,
    })
    return rows


_PRUNE = "testguard baseline --prune raises"
_LISTED = 3


def _rise_notes(ctx: Context, figures: dict[str, float]) -> list[str]:
    """The recorded floors this measurement is above (what ``--prune`` would raise)."""
    from testguard.core.baseline import risen, show_figure

    up = risen(ctx.baseline, figures)
    notes: list[str] = []
    total = up.pop(TOTAL, None)
    if total is not None:
        floor, now = total
        notes.append(
            f"coverage {show_figure(now)}% is above its recorded floor {show_figure(floor)}%: {_PRUNE} it"
        )
    if up:
        listed = ", ".join(
            f"{key.partition(':')[2]} {show_figure(now)}% > {show_figure(floor)}%"
            for key, (floor, now) in sorted(up.items())[:_LISTED]
        )
        more = f", and {len(up) - _LISTED} more" if len(up) > _LISTED else ""
        notes.append(
            f"coverage of {plural(len(up), 'path')} is above the recorded floor"
            f" ({listed}{more}): {_PRUNE} {'it' if len(up) == 1 else 'them'}"
        )
    return notes


def run(ctx: Context) -> CheckResult:
    settings = SECTION.of(ctx.config)
    cov, completed = load_coverage(ctx, settings)
    ev = evaluate(cov, FloorRules(settings.paths))
    result = CheckResult(check=NAME, files_checked=len(cov.files))
    result.used = f"{plural(len(cov.files), 'file')} measured, read from {cov.source}"
    if completed is not None:
        result.raw_output = completed.tail()
        result.used += ", after running the tests under coverage"
    result.findings.extend(_total_findings(ctx, cov, ev))
    result.findings.extend(_path_findings(ctx, cov, ev))
    summary: dict[str, Any] = {
        "source": cov.source, "branch": cov.branch, "precision": cov.precision,
        "percent": ev.total.percent, "display": _pc(ev.total, cov.precision),
        "statements": ev.total.statements, "missed": ev.total.missing,
        "branches": ev.total.branches, "missed_branches": ev.total.missing_branches,
    }
    if completed is not None:
        summary["tests_exit_code"] = completed.returncode
    changed = ctx.changed
    if changed is not None:
        cc = changed_coverage(cov, changed, ctx.root)
        result.findings.extend(_changed_findings(ctx, cov, cc, str(ctx.options.diff_base)))
        summary["changed"] = {
            "files": cc.files, "statements": cc.numbers.statements, "missed": cc.numbers.missing,
            "branches": cc.numbers.branches, "missed_branches": cc.numbers.missing_branches,
            "percent": cc.numbers.percent if cc.numbers.statements else None,
        }
    p = cov.precision
    result.figures[TOTAL] = _figure(ev.total.percent, p)
    for glob, numbers in ev.by_glob.items():
        if numbers.statements:
            result.figures[f"coverage:{glob}"] = _figure(numbers.percent, p)
    for path in ev.governed:
        if not cov.files[path].statements:
            continue  # an empty file is 100% and says nothing
        result.figures[f"coverage:{path}"] = _figure(cov.files[path].numbers.percent, p)
    for note in _rise_notes(ctx, result.figures):
        # the globs come from the config and the baseline, which a pull request can change
        print(inert(visible(f"testguard: note: {note}")), file=sys.stderr)
    failed = {f.path for f in result.findings if f.code == "TG602" and f.scope is Scope.FILE}
    if any(f.code == "TG601" for f in result.findings):
        failed.add("")
    result.sections["coverage_table"] = _table(cov, ev, failed)
    result.sections["coverage"] = summary
    return result

