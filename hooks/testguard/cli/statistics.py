"""``--statistics``: one line per code, ``count  code  name``, most frequent first, instead of the findings."""

from __future__ import annotations

import json
from collections import Counter

from testguard.core.findings import CUSTOM_CHECK
from testguard.core.report.escape import inert, one_line, visible
from testguard.core.report.model import Report, verdict
from testguard.core.rulebook import collect


def counts(report: Report) -> list[tuple[int, str, str]]:
    """``(count, code, name)`` of the findings the text report would show (the new ones,
    and with ``--fail-on any`` the baselined errors too), by count, most first, then by code."""
    rules = collect(report.checks)
    found: Counter[str] = Counter()
    names: dict[str, str] = {}
    for finding in report.findings():
        if not report.listed(finding):
            continue
        found[finding.code] += 1
        rule = rules.get(finding.code)
        if rule is not None:
            names[finding.code] = rule.name
        elif finding.check == CUSTOM_CHECK:
            names.setdefault(finding.code, str(finding.details.get("rule", "custom-rule")))
        else:
            names.setdefault(finding.code, finding.check)
    return sorted(((n, code, names[code]) for code, n in found.items()), key=lambda t: (-t[0], t[1]))


def render_statistics(fmt: str, report: Report) -> str:
    rows = counts(report)
    if fmt == "json":
        return json.dumps([{"count": n, "code": code, "name": name} for n, code, name in rows], indent=2) + "\n"
    lines = []
    if rows:
        count_width = max(len(str(n)) for n, _, _ in rows)
        code_width = max(len(code) for _, code, _ in rows)
        lines = [f"{n:>{count_width}}  {code:<{code_width}}  {name}" for n, code, name in rows]
    closing = verdict(report)
    if closing is not None:
        lines.append(closing)
    return "".join(inert(visible(one_line(line))) + "\n" for line in lines)
