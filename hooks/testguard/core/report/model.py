"""The report: every check's result of one run, and the numbers reporters share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from testguard.core.findings import CheckResult, Finding, Severity, Status

_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.NOTE: 2}


@dataclass
class CheckCounts:
    """Per-check tallies shown in the summary table and the JSON report."""

    check: str
    new: int = 0
    baselined: int = 0
    fixed: int = 0
    blocking: int = 0
    files_checked: int = 0

    @property
    def total(self) -> int:
        return self.new + self.baselined


@dataclass
class Report:
    """Everything one run found, as every reporter sees it."""

    results: list[CheckResult]
    root: Path
    version: str
    diff_base: str | None = None
    baseline_path: str | None = None
    annotation_limit: int = 10

    def findings(self) -> list[Finding]:
        """All findings of all checks, in path/line/col/code order."""
        return sorted(
            (f for r in self.results for f in r.findings), key=Finding.sort_key
        )

    def new_findings(self) -> list[Finding]:
        return [f for f in self.findings() if f.status is Status.NEW]

    def baselined_findings(self) -> list[Finding]:
        return [f for f in self.findings() if f.status is Status.BASELINED]

    @property
    def blocking(self) -> int:
        return sum(1 for r in self.results for f in r.findings if f.blocking)

    @property
    def fixed_count(self) -> int:
        return sum(len(r.fixed) for r in self.results)

    @property
    def files_checked(self) -> int:
        """The most files any check looked at: the static checks share one pass over
        the same files, so a sum would count each file once per check."""
        return max((r.files_checked for r in self.results), default=0)

    def counts(self) -> dict[str, CheckCounts]:
        """New / baselined / fixed / blocking per check, in the order checks ran."""
        out: dict[str, CheckCounts] = {}
        for result in self.results:
            c = out.setdefault(result.check, CheckCounts(result.check))
            c.files_checked += result.files_checked
            c.fixed += len(result.fixed)
            for f in result.findings:
                if f.status is Status.NEW:
                    c.new += 1
                else:
                    c.baselined += 1
                if f.blocking:
                    c.blocking += 1
        return out

    def severity_counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Severity}
        for f in self.findings():
            counts[f.severity.value] += 1
        return counts

    def by_importance(self) -> list[Finding]:
        """Most important first: new over baselined, errors over warnings,
        changed lines over the rest, then file order."""
        return sorted(self.findings(), key=importance_key)

    def annotation_plan(self) -> tuple[list[Finding], list[Finding]]:
        """(annotated, not annotated): GitHub shows at most ``annotation_limit``
        annotations of each level per step, so only the most important are emitted."""
        used = {s: 0 for s in Severity}
        shown: list[Finding] = []
        left: list[Finding] = []
        for f in self.by_importance():
            if used[f.severity] < self.annotation_limit:
                used[f.severity] += 1
                shown.append(f)
            else:
                left.append(f)
        return shown, left


def importance_key(f: Finding) -> tuple[int, int, int, str, int, int, str]:
    return (
        0 if f.status is Status.NEW else 1,
        _SEVERITY_RANK[f.severity],
        0 if f.details.get("changed") is True else 1,
        *f.sort_key(),
    )


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def count_line(report: Report) -> str:
    """``Found 3 errors (2 new, 1 baselined).`` or ``All checks passed.``"""
    findings = report.findings()
    if not findings:
        return "All checks passed."
    sev = report.severity_counts()
    parts = [
        plural(sev[s.value], s.value)
        for s in (Severity.ERROR, Severity.WARNING, Severity.NOTE)
        if sev[s.value]
    ]
    what = (
        " and ".join(parts)
        if len(parts) <= 2
        else f"{parts[0]}, {parts[1]} and {parts[2]}"
    )
    baselined = len(report.baselined_findings())
    if baselined:
        new = len(findings) - baselined
        return f"Found {what} ({new} new, {baselined} baselined)."
    return f"Found {what}."
