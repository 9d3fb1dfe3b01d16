"""Markdown for a GitHub job summary, always under GitHub's 1 MiB limit."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from testguard.core.findings import Finding, Status
from testguard.core.report.escape import encodable, inert_markup, one_line, uri_path
from testguard.core.report.model import Report, count_line
from testguard.core.wording import plural
from testguard.core.report.text import location

# GitHub rejects a step summary over 1 MiB; stay well clear of it.
MAX_BYTES = 1024 * 1024 - 64 * 1024
_NOTE_RESERVE = 4 * 1024
TOP_FINDINGS = 20
_MESSAGE_CHARS = 300


def md(text: str, limit: int = _MESSAGE_CHARS) -> str:
    """Project text as inert Markdown table-cell content."""
    text = one_line(text)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    for a, b in (
        ("&", "&amp;"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ("|", "\\|"),
        ("`", "&#96;"),
    ):
        text = text.replace(a, b)
    return inert_markup(text)


def code(text: str) -> str:
    return f"<code>{md(text)}</code>"


class _Budget:
    def __init__(self, limit: int) -> None:
        self.lines: list[str] = []
        self.left = limit
        self.truncated = False

    def add(self, line: str, reserve: int = _NOTE_RESERVE) -> bool:
        line = encodable(line)
        size = len(line.encode()) + 1
        if size > self.left - reserve:
            self.truncated = True
            return False
        self.lines.append(line)
        self.left -= size
        return True

    def note(self, line: str) -> None:
        self.add(line, reserve=0)


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


def _bar(percent: float, width: int = 20) -> str:
    filled = max(0, min(width, round(percent / 100 * width)))
    return "█" * filled + "░" * (width - filled)


def _coverage(budget: _Budget, report: Report, check: str, rows: list[Any]) -> None:
    budget.add(f"#### Coverage ({md(check)})")
    budget.add("")
    budget.add("| path | statements | missed | coverage | floor | |")
    budget.add("|---|---:|---:|---|---:|---|")
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            continue
        percent = float(row.get("percent", 0.0))
        floor = row.get("floor")
        ok = "✅" if row.get("passed", True) else "❌"
        path = str(row.get("path", ""))
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


def _counts(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): int(v) for k, v in value.items() if isinstance(v, (int, float))}


def _inventory(budget: _Budget, report: Report, check: str, inv: Mapping[str, Any]) -> None:
    totals = inv.get("totals", {})
    totals = totals if isinstance(totals, Mapping) else {}
    # {"by_class": {...}, "uses": n, "files": m} from the mock check; a plain
    # {class: count} mapping is read the same way.
    by_class = (
        _counts(totals.get("by_class")) if "by_class" in totals else _counts(totals)
    )
    replacements = inv.get("replacements", {})
    replacements = replacements if isinstance(replacements, Mapping) else {}
    files = inv.get("files", [])
    files = (
        [f for f in files if isinstance(f, Mapping)] if isinstance(files, list) else []
    )
    uses = totals.get("uses", sum(by_class.values()))
    budget.add(f"#### Mock inventory ({md(check)}): {uses} uses in {len(files)} files")
    budget.add("")
    if by_class:
        budget.add("| class | uses | reach for instead |")
        budget.add("|---|---:|---|")
        for cls, count in sorted(by_class.items(), key=lambda kv: (-kv[1], kv[0])):
            budget.add(
                f"| {md(cls)} | {count} | {md(str(replacements.get(cls, '')))} |"
            )
        budget.add("")
    if not files:
        return
    per_file = [_counts(f.get("by_class", f.get("counts"))) for f in files]
    classes = sorted({c for counts in per_file for c in counts})
    budget.add("| file | uses | band | " + " | ".join(md(c) for c in classes) + " |")
    budget.add("|---|---:|---|" + "---:|" * len(classes))
    for i, (entry, counts) in enumerate(zip(files, per_file)):
        cells = " | ".join(str(counts.get(c, 0)) for c in classes)
        used = entry.get("uses", sum(counts.values()))
        line = (
            f"| {code(report.shown_path(str(entry.get('path', ''))))} | {used} | "
            f"{md(str(entry.get('band', '')))} | {cells} |"
        )
        if not budget.add(line):
            budget.note(f"| … {len(files) - i} more files: see the JSON report | | |")
            break
    budget.add("")


def _figures_line(check: str, sections: Mapping[str, Any]) -> str | None:
    collect = sections.get("collect")
    if isinstance(collect, Mapping) and "tests" in collect:
        errors = collect.get("errors", 0)
        return f"pytest collected {collect['tests']} tests ({plural(int(errors), 'collection error')})."
    coverage = sections.get("coverage")
    if isinstance(coverage, Mapping) and "display" in coverage:
        return f"Total coverage ({md(check)}): {md(str(coverage['display']))}."
    return None


def render(
    report: Report, env: Mapping[str, str] | None = None, limit: int = MAX_BYTES
) -> str:
    env = os.environ if env is None else env
    base = link_base(env)
    budget = _Budget(limit)
    findings = report.findings()
    blocking = report.blocking
    icon = "❌" if blocking else "✅"
    budget.add(f"### {icon} testguard {md(report.version)}: {md(count_line(report))}")
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
    for result in report.results:
        figures = _figures_line(result.check, result.sections)
        if figures:
            budget.add(figures)
            budget.add("")
        rows = result.sections.get("coverage_table")
        if isinstance(rows, list) and rows:
            _coverage(budget, report, result.check, rows)
        inventory = result.sections.get("inventory")
        if isinstance(inventory, Mapping):
            _inventory(budget, report, result.check, inventory)
    if budget.truncated:
        budget.note("_This summary was shortened to stay under GitHub's 1 MiB limit._")
    return inert_markup("\n".join(budget.lines) + "\n")
