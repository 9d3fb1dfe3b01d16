"""Markdown for a GitHub job summary, always under GitHub's 1 MiB limit."""

from __future__ import annotations

import os
from collections.abc import Mapping

from testguard.core.check import find
from testguard.core.findings import Finding, Status
from testguard.core.report.escape import inert_markup, uri_path
from testguard.core.report.markdown import Budget, code, md
from testguard.core.report.model import Report, failed_checks, headline
from testguard.core.report.text import location
from testguard.core.wording import plural

# GitHub rejects a step summary over 1 MiB; stay well clear of it.
MAX_BYTES = 1024 * 1024 - 64 * 1024
TOP_FINDINGS = 20


def link_base(env: Mapping[str, str]) -> str | None:
    server, repo, sha = (
        env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA")
    )
    if server and repo and sha:
        return f"{server.rstrip('/')}/{repo}/blob/{sha}/"
    return None


def finding_link(f: Finding, base: str | None) -> str:
    where = code(location(f))
    if not base or not f.path:
        return where
    anchor = ""
    if f.line > 0:
        anchor = f"#L{f.line}" if f.end_line <= f.line else f"#L{f.line}-L{f.end_line}"
    return f"[{where}]({base}{uri_path(f.path)}{anchor})"


def _finding_row(f: Finding, base: str | None) -> str:
    state = "new" if f.status is Status.NEW else "baselined"
    return f"| {finding_link(f, base)} | {code(f.title)} | {f.severity.value} | {state} | {md(f.message)} |"


def render(
    report: Report, env: Mapping[str, str] | None = None, limit: int = MAX_BYTES
) -> str:
    env = os.environ if env is None else env
    base = link_base(env)
    budget = Budget(limit)
    findings = report.findings()
    blocking = report.blocking
    failed = failed_checks(report)
    icon = "❌" if blocking or failed else "✅"
    budget.add(f"### {icon} testguard {md(report.version)}: {md(headline(report))}")
    budget.add("")
    for result in failed:
        budget.add(f"**{md(result.check)} could not run:** {md(result.error or '')}")
        budget.add("")
    if report.diff_base:
        budget.add(f"Only lines changed since {code(report.diff_base)} are reported.")
        budget.add("")
    budget.add("| check | files | new | baselined | fixed | blocking |")
    budget.add("|---|---:|---:|---:|---:|---:|")
    for c in report.counts().values():
        mark = "❌" if c.blocking else "✅"
        budget.add(
            f"| {mark} {md(c.check)} | {c.files_checked} | {c.new} | {c.baselined} | {c.fixed} | {c.blocking} |"
        )
    budget.add("")
    _, left = report.annotation_plan()
    if left:
        budget.add(
            f"{plural(len(left), 'finding')} could not be annotated on the diff (GitHub shows at most "
            f"{report.annotation_limit} annotations of each level, error, warning and notice, per step): "
            "they are listed here and in the SARIF and JSON reports."
        )
        budget.add("")
    if findings:
        ranked = report.by_importance()
        top, rest = ranked[:TOP_FINDINGS], ranked[TOP_FINDINGS:]
        header = [
            "| where | rule | severity | status | message |",
            "|---|---|---|---|---|",
        ]
        budget.add("#### Most important findings")
        budget.add("")
        for line in header:
            budget.add(line)
        for f in top:
            budget.add(_finding_row(f, base))
        budget.add("")
        if rest:
            budget.add(
                f"<details><summary>{plural(len(rest), 'more finding')}</summary>"
            )
            budget.add("")
            for line in header:
                budget.add(line)
            shown = 0
            for f in rest:
                if not budget.add(_finding_row(f, base)):
                    break
                shown += 1
            budget.add("")
            if shown < len(rest):
                budget.note(
                    f"… and {len(rest) - shown} more, left out to keep this summary under "
                    "GitHub's 1 MiB limit: see the JSON or SARIF report."
                )
                budget.note("")
            budget.note("</details>")
            budget.note("")
    fixed = [e for r in report.results for e in report.fixed_entries(r)]
    if fixed:
        budget.add(
            f"#### {plural(len(fixed), 'baseline entry', 'baseline entries')} fixed"
        )
        budget.add("")
        for e in fixed:
            if not budget.add(f"- {code(e.path)} {code(e.code)} {md(e.line_text)}"):
                break
        budget.add("")
        budget.add("Run `testguard baseline --prune` to drop them from the baseline.")
        budget.add("")
    for result in report.results:  # each check places its own sections (Check.render_markdown)
        check = find(report.checks, result.check)
        if check is not None and check.render_markdown is not None:
            check.render_markdown(result, report, budget)
    if budget.truncated:
        budget.note("_This summary was shortened to stay under GitHub's 1 MiB limit._")
    return inert_markup("\n".join(budget.lines) + "\n")
