"""The coverage table: as text after the findings (when a floor failed), and in the job summary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from testguard.core.findings import CheckResult, Finding, Scope, Status
from testguard.core.report.markdown import Budget, code, md
from testguard.core.report.model import Report

TEXT_TABLE_ROWS = 40
FAIL, BASELINED, SUPPRESSED, OK = "FAIL", "baselined", "suppressed", "ok"
_FLOORS = ("TG601", "TG602")


def row_verdicts(result: CheckResult) -> dict[str, str]:
    """Each row's verdict in the words of the exit code: FAIL only where a new floor
    finding blocks; ``baselined`` where the baseline accepts it; ``suppressed`` where
    an ``ignore-file`` took it away.  Rows are keyed by path, ``TOTAL`` for the total."""
    found: dict[str, list[Finding]] = {}
    for finding in result.findings:
        if finding.code == "TG601":
            found.setdefault("TOTAL", []).append(finding)
        elif finding.code == "TG602" and finding.scope is Scope.FILE:
            found.setdefault(finding.path, []).append(finding)
    verdicts: dict[str, str] = {}
    rows = result.sections.get("coverage_table")
    for row in rows if isinstance(rows, list) else []:
        if not isinstance(row, Mapping):
            continue
        path = str(row.get("path", ""))
        mine = found.get(path, [])
        if any(f.status is Status.NEW for f in mine):
            verdicts[path] = FAIL
        elif mine:
            verdicts[path] = BASELINED
        else:
            verdicts[path] = OK if row.get("passed", True) else SUPPRESSED
    return verdicts


def render_coverage_table_text(rows: list[dict[str, Any]], verdicts: Mapping[str, str]) -> str:
    """The per-path table for the text report, worst first, like `coverage report`.

    Shown only when a floor blocks, so that a passing run stays one line (the
    JSON report and the job summary always carry the table).
    """
    if not rows or FAIL not in verdicts.values():
        return ""
    total = rows[-1] if rows[-1]["path"] == "TOTAL" else None
    body = rows[:-1] if total is not None else rows
    shown_rows = body[:TEXT_TABLE_ROWS]
    width = max([len("Name"), *(len(r["path"]) for r in shown_rows), 5])
    head = f"{'Name':<{width}}  {'Stmts':>6}  {'Miss':>6}  {'Cover':>7}  {'Floor':>5}  Result"
    out = ["Coverage, worst first:", head, "-" * len(head)]

    def row(r: dict[str, Any]) -> str:
        floor = "" if r["floor"] is None else f"{r['floor']:g}"
        verdict = verdicts.get(r["path"], OK if r["passed"] else FAIL)
        return (
            f"{r['path']:<{width}}  {r['statements']:>6}  {r['missed']:>6}  "
            f"{r['percent']:>6.2f}%  {floor:>5}  {verdict}"
        )

    out.extend(row(r) for r in shown_rows)
    if len(body) > len(shown_rows):
        out.append(f"... {len(body) - len(shown_rows)} more files (all of them in --format json and --summary)")
    if total is not None:
        out += ["-" * len(head), row(total)]
    return "\n".join(out)


def _bar(percent: float, width: int = 20) -> str:
    filled = max(0, min(width, round(percent / 100 * width)))
    return "█" * filled + "░" * (width - filled)


_MARKS = {OK: "✅", FAIL: "❌"}


def _table(budget: Budget, report: Report, check: str, rows: list[Any], verdicts: Mapping[str, str]) -> None:
    budget.add(f"#### Coverage ({md(check)})")
    budget.add("")
    budget.add("| path | statements | missed | coverage | floor | |")
    budget.add("|---|---:|---:|---|---:|---|")
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            continue
        percent = float(row.get("percent", 0.0))
        floor = row.get("floor")
        path = str(row.get("path", ""))
        verdict = verdicts.get(path, OK if row.get("passed", True) else FAIL)
        ok = _MARKS.get(verdict, verdict)
        line = (
            f"| {code(path if path == 'TOTAL' else report.shown_path(path))} | {row.get('statements', '')} | "
            f"{row.get('missed', '')} | `{_bar(percent)}` {percent:.1f}% | "
            f"{'' if floor is None else f'{float(floor):.1f}%'} | {ok} |"
        )
        if not budget.add(line):
            budget.note(
                f"| … {len(rows) - i} more rows: see the JSON report | | | | | |"
            )
            break
    budget.add("")


def render_markdown(result: CheckResult, report: Report, budget: Budget) -> None:
    """The total, then the table (every file, worst first)."""
    summary = result.sections.get("coverage")
    if isinstance(summary, Mapping) and "display" in summary:
        budget.add(f"Total coverage ({md(result.check)}): {md(str(summary['display']))}.")
        budget.add("")
    rows = result.sections.get("coverage_table")
    if isinstance(rows, list) and rows:
        _table(budget, report, result.check, rows, row_verdicts(result))
