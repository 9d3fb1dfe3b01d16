"""The report: every check's result of one run, and the numbers reporters share."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from testguard.core.findings import CheckResult, Finding, FixedEntry, Severity, Status, UsageError
from testguard.core.wording import plural

if TYPE_CHECKING:
    from testguard.core.check import Check

_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.NOTE: 2}

# How baselined findings are annotated: as notices (GitHub counts those apart from
# errors and warnings), or not at all. They are never errors: they do not block.
BASELINED_ANNOTATIONS = ("notice", "none")
ANNOTATION_LEVELS = ("error", "warning", "notice")
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


@dataclass
class CheckCounts:
    """Per-check tallies shown in the summary table and the JSON report."""

    check: str
    new: int = 0
    baselined: int = 0
    fixed: int = 0
    blocking: int = 0
    files_checked: int = 0


@dataclass
class Report:
    """Everything one run found, as every reporter sees it."""

    results: list[CheckResult]
    root: Path
    version: str
    diff_base: str | None = None
    baseline_path: str | None = None
    annotation_limit: int = 10
    # Shown paths are relative to this directory (the Action: GITHUB_WORKSPACE,
    # which GitHub resolves annotations and SARIF from); None: the project root.
    path_base: Path | None = None
    baselined_annotations: str = "notice"
    # The run checked only the paths it was given. pre-commit splits the staged
    # files over several processes and prints their outputs one after another, so
    # each verdict speaks for its own files only, and a clean one says nothing.
    given_paths: bool = False
    # Every check there is (testguard.checks.CHECKS): each renders its own report
    # sections, and SARIF takes its rules' documentation from them.
    checks: Sequence[Check] = ()
    # --fix: how many findings it fixed (None: no --fix); the count line says so, as ruff does.
    fixed_now: int | None = None
    # --fail-on: "new" (baselined findings do not block) or "any" (every error blocks).
    fail_on: str = "new"
    path_prefix: str = field(init=False, default="")

    def __post_init__(self) -> None:
        if self.path_base is not None:
            self.path_prefix = prefix_within(self.root, self.path_base)

    def shown_path(self, path: str) -> str:
        """``path`` (relative to the project root) as every reporter shows it."""
        if not self.path_prefix or not path or posixpath.isabs(path):
            return path
        return posixpath.normpath(self.path_prefix + path)

    def findings(self) -> list[Finding]:
        """All findings of all checks, in path/line/col/code order, with shown paths."""
        found = sorted(
            (f for r in self.results for f in r.findings), key=Finding.sort_key
        )
        if not self.path_prefix:
            return found
        return [replace(f, path=self.shown_path(f.path)) for f in found]

    def fixed_entries(self, result: CheckResult) -> list[FixedEntry]:
        """The baseline entries ``result`` found fixed, sorted, with shown paths."""
        return sorted(
            (replace(e, path=self.shown_path(e.path)) for e in result.fixed),
            key=lambda e: (e.path, e.code, e.line_text),
        )

    def new_findings(self) -> list[Finding]:
        return [f for f in self.findings() if f.status is Status.NEW]

    def baselined_findings(self) -> list[Finding]:
        return [f for f in self.findings() if f.status is Status.BASELINED]

    def blocks(self, f: Finding) -> bool:
        """Whether ``f`` makes the run exit 1 (as ``runner.exit_code`` decides): every
        report says so of exactly the findings that do."""
        return f.blocking or (self.fail_on == "any" and f.severity is Severity.ERROR)

    def listed(self, f: Finding) -> bool:
        """Whether the text report lists ``f``: the new findings, and any other that blocks."""
        return f.status is Status.NEW or self.blocks(f)

    @property
    def blocking(self) -> int:
        return sum(1 for r in self.results for f in r.findings if self.blocks(f))

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
                if self.blocks(f):
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

    def annotation_level(self, f: Finding) -> str | None:
        """The workflow command that annotates ``f``; None: not annotated."""
        if f.status is Status.BASELINED and not self.blocks(f):
            return "notice" if self.baselined_annotations == "notice" else None
        return _LEVEL[f.severity]

    def annotation_plan(self) -> tuple[list[Finding], list[Finding]]:
        """(annotated, left over): GitHub shows at most ``annotation_limit`` annotations
        of each level per step. The budget goes to new findings on changed lines first,
        then to the other new ones, then to baselined ones; within each of these it goes
        round the files, so that many findings in one file cannot crowd out the others."""
        by_level: dict[str, list[Finding]] = {level: [] for level in ANNOTATION_LEVELS}
        for f in self.findings():
            level = self.annotation_level(f)
            if level is not None:
                by_level[level].append(f)
        shown: list[Finding] = []
        left: list[Finding] = []
        for level in ANNOTATION_LEVELS:
            picked = _round_robin(by_level[level], self.annotation_limit)
            chosen = {id(f) for f in picked}
            shown += sorted(picked, key=importance_key)
            left += sorted((f for f in by_level[level] if id(f) not in chosen), key=importance_key)
        return shown, left


def prefix_within(root: Path, base: Path) -> str:
    """The project root relative to ``base``, as a prefix for root-relative paths."""
    try:
        relative = root.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        raise UsageError(
            f"--paths-relative-to {base}: the project root {root} is not inside it"
        ) from None
    return "" if relative == "." else relative + "/"


def _round_robin(findings: list[Finding], budget: int) -> list[Finding]:
    """Up to ``budget`` findings, tier by tier (see ``annotation_plan``); within a
    tier the first finding of every file, then the second of every file, and so on."""
    tiers: dict[tuple[int, int], dict[str, list[Finding]]] = {}
    for f in findings:  # in path and line order
        tier = (0 if f.status is Status.NEW else 1, 0 if f.details.get("changed") is True else 1)
        tiers.setdefault(tier, {}).setdefault(f.path, []).append(f)
    picked: list[Finding] = []
    for tier in sorted(tiers):
        files = list(tiers[tier].values())
        depth = 0
        while len(picked) < budget and any(depth < len(found) for found in files):
            for found in files:
                if depth < len(found) and len(picked) < budget:
                    picked.append(found[depth])
            depth += 1
    return picked


def importance_key(f: Finding) -> tuple[int, int, int, str, int, int, str]:
    return (
        0 if f.status is Status.NEW else 1,
        _SEVERITY_RANK[f.severity],
        0 if f.details.get("changed") is True else 1,
        *f.sort_key(),
    )


def count_line(report: Report) -> str:
    """``Found 3 errors (2 new, 1 baselined).`` or ``All checks passed.``; on given
    files, ``Found 1 error in 4 files.``"""
    findings = report.findings()
    if report.fixed_now:
        found = len(findings) + report.fixed_now
        return f"Found {plural(found, 'error')} ({report.fixed_now} fixed, {len(findings)} remaining)."
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
    if report.given_paths and report.files_checked:
        what += f" in {plural(report.files_checked, 'file')}"
    baselined = len(report.baselined_findings())
    if baselined:
        new = len(findings) - baselined
        return f"Found {what} ({new} new, {baselined} baselined)."
    return f"Found {what}."


def failed_checks(report: Report) -> list[CheckResult]:
    """The checks that could not run (``testguard run`` went on without them, exit 2)."""
    return [r for r in report.results if r.error is not None]


def headline(report: Report) -> str:
    """The count line, after the checks that could not run: never "All checks passed." then."""
    failed = failed_checks(report)
    if not failed:
        return count_line(report)
    names = " and ".join(r.check for r in failed)
    return f"{names} could not run (exit 2); {count_line(report)}"


def verdict(report: Report) -> str | None:
    """The closing line of the text and github formats. A run on given files says
    nothing when it found nothing: another process of the same pre-commit hook may
    have found something, and the hook's output must not contradict itself."""
    if failed_checks(report):
        return headline(report)
    if report.given_paths and not report.findings() and not report.fixed_count and not report.fixed_now:
        return None
    return count_line(report)
