"""The collection count in the job summary."""

from __future__ import annotations

from collections.abc import Mapping

from testguard.core.findings import CheckResult
from testguard.core.report.markdown import Budget
from testguard.core.report.model import Report
from testguard.core.wording import plural


def render_markdown(result: CheckResult, report: Report, budget: Budget) -> None:
    collect = result.sections.get("collect")
    if isinstance(collect, Mapping) and "tests" in collect:
        errors = collect.get("errors", 0)
        budget.add(f"pytest collected {collect['tests']} tests ({plural(int(errors), 'collection error')}).")
        budget.add("")
