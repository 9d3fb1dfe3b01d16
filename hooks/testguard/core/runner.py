"""One run: the checks, then suppressions, baseline and diff filter, then the exit code."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from testguard.core.check import Check, find
from testguard.core.config import Config
from testguard.core.context import Context
from testguard.core.findings import CheckResult, Finding, Scope, Severity, Status, UsageError
from testguard.core.source import FILES_CHECK, Source, read_source
from testguard.core.wording import plural

# ast-grep (and with it the static pipeline) is imported only when needed:
# `testguard mypy` on a warm cache must not pay for a parser it never uses.
if TYPE_CHECKING:
    from testguard.core.astgrep import Rule


def _suppress_nonstatic(root: Path, result: CheckResult, config: Config) -> None:
    """Inline and file-level suppressions for checks that do not read sources themselves."""
    by_path: dict[str, list[Finding]] = {}
    kept: list[Finding] = []
    for finding in result.findings:
        if finding.scope is Scope.PROJECT:
            kept.append(finding)  # it points at a setting, not at code a comment could excuse
        else:
            by_path.setdefault(finding.path, []).append(finding)
    for path, findings in by_path.items():
        source = read_source(root, path, config.max_file_size) if path else None
        if not isinstance(source, Source) or "testguard:" not in source.text:
            kept.extend(findings)
            continue
        from testguard.core import astgrep
        from testguard.core.suppress import parse_suppressions

        for f in findings:
            if f.line_text is None:
                f.line_text = source.line(f.line).strip()
        suppressions = parse_suppressions(source, astgrep.parse(source.text), FILES_CHECK)
        kept.extend(f for f in suppressions.apply(findings) if f.code != "TG002")
    result.findings = kept


def run_checks(ctx: Context, checks: Sequence[Check], keep_going: bool = False) -> list[CheckResult]:
    """Runs ``checks``; the static ones share one pass over the files.

    ``keep_going``: a check that cannot run (its UsageError: mypy cannot use its
    configuration, no coverage data) is said on stderr and kept as a result with its
    ``error``, and the others still run; without it, the error ends the run.
    """
    static = [check for check in checks if check.is_static]
    results: list[CheckResult] = []
    custom: list[Rule] = []
    if ctx.options.custom_rules and ctx.config.rules:
        from testguard.core import astgrep

        custom = [
            rule for rule in astgrep.load_custom_rules(ctx.root, ctx.config.rules)
            if ctx.selection.selects(rule.code)
        ]
    if static or custom:
        from testguard.core.static import run_static

        changed = ctx.changed
        static_results = run_static(
            ctx.root,
            ctx.config,
            ctx.paths,
            [load() for check in static if (load := check.static) is not None],
            use_cache=ctx.options.use_cache,
            custom_rules=custom,
            changed=changed.files if changed is not None else (),
        )
        results.extend(static_results)
        by_name = {r.check: r for r in static_results}
        for check in static:
            if check.finish is not None and check.name in by_name:
                check.finish(by_name[check.name], ctx)  # per-run results such as the mock inventory
    for check in checks:
        if check.run is None:
            continue
        asked = ctx.interpreter_asked
        try:
            result = check.run(ctx)
        except UsageError as exc:
            if not keep_going:
                raise
            results.append(CheckResult(check=check.name, error=str(exc)))
            say_could_not_run(check.name, str(exc))
            continue
        say_what_was_used(ctx, check, result, used_interpreter=ctx.interpreter_asked > asked)
        _suppress_nonstatic(ctx.root, result, ctx.config)
        results.append(result)
    return results


def say_what_was_used(ctx: Context, check: Check, result: CheckResult, used_interpreter: bool) -> None:
    """One line on stderr: what the check worked on, with which interpreter and how it was found."""
    from testguard.core.report.escape import inert, one_line, visible

    what = result.used or plural(result.files_checked, check.unit)
    if used_interpreter:
        python = ctx.located_interpreter
        what += f" with {python.path} (found: {python.found})"
    print(inert(visible(f"{check.name}: {one_line(what)}")), file=sys.stderr)


def say_could_not_run(name: str, why: str) -> None:
    from testguard.core.report.escape import inert_lines

    print(inert_lines(f"testguard: error: {name} could not run: {why}"), file=sys.stderr)


def say_skipped(skipped: Sequence[tuple[Check, str]]) -> None:
    """One line on stderr per check ``run`` left out, and why."""
    for check, why in skipped:
        print(f"{check.name}: skipped, {why}", file=sys.stderr)


def apply_filters(ctx: Context, results: list[CheckResult], checks: Sequence[Check]) -> None:
    """Baseline (marks findings as baselined, lists fixed entries) and --diff-base;
    TG003 when the working tree lost the baseline git has, TG004 when its floors went down."""
    if ctx.options.no_baseline or not ctx.paths:
        from testguard.core.baseline_lowered import check_lowered
        from testguard.core.baseline_removed import check_baseline

        check_baseline(ctx, results)
        check_lowered(ctx, results)
    selection = ctx.selection
    if selection.restricts:
        for result in results:
            result.findings = [f for f in result.findings if selection.wants(f.code, f.path)]
    baseline = ctx.baseline
    changed = ctx.changed
    if baseline is not None:
        # Limited to the given files (pre-commit) and the files findings were made in
        # (the import smoke test reports dependants of the staged files): entries
        # elsewhere are neither matched nor reported fixed.
        checked = None
        if ctx.paths:
            from testguard.core.entries import entry_path

            checked = set(ctx.paths) | {entry_path(f) for r in results for f in r.findings}
        baseline.apply(results, checked, changed)
        if selection.restricts:  # an entry of a rule this run does not report is not fixed
            for result in results:
                result.fixed = [e for e in result.fixed if selection.wants(e.code, e.path)]
    if changed is not None:
        for result in results:
            check = find(checks, result.check)
            line_bound = check.diff_filter if check is not None else True
            kept = []
            for finding in result.findings:
                on_changed = finding.line > 0 and changed.covers(
                    finding.path, finding.line, finding.end_line
                )
                if finding.code == "TG001" and finding.check == FILES_CHECK and finding.path in changed.files:
                    on_changed = True  # a changed file that could not be checked, wherever its error is
                if on_changed:
                    finding.details["changed"] = True
                about_the_line = finding.scope is Scope.LINE and finding.line > 0
                if on_changed or not about_the_line or not line_bound:
                    kept.append(finding)
            result.findings = kept


def exit_code(results: list[CheckResult], fail_on: str) -> int:
    if any(result.error is not None for result in results):
        return 2
    for result in results:
        for finding in result.findings:
            if finding.severity is not Severity.ERROR:
                continue
            if fail_on == "any" or finding.status is Status.NEW:
                return 1
    return 0
