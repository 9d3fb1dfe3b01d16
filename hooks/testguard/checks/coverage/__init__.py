"""``testguard coverage``: total, per-path and changed-lines coverage floors (TG601–TG604).

Reads the coverage the project measured (``.coverage`` through coverage.py with
the project's own coverage configuration, parallel files combined, or
``coverage.json`` / ``coverage.xml``), or runs the tests under coverage first
when ``[tool.testguard.coverage] run`` is set.  Percentages are coverage.py's:
statements plus branches when branch coverage was measured, compared with a
floor the way ``coverage report --fail-under`` compares them (``precision``
honoured, 100 means 100).

- TG601: the total below ``fail-under`` (default: coverage.py's own
  ``[report] fail_under``), or below the total recorded in the baseline;
- TG602: a file below the floor of the most specific ``paths`` glob that
  matches it, or a glob's files (or one of them) below the figure recorded in
  the baseline;
- TG603: with ``--diff-base``, the changed statements below
  ``changed-lines-fail-under``;
- TG604 (warning): with ``--diff-base``, each run of changed statements that
  never ran, and each changed line with a branch never taken.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from testguard.checks.coverage.rules import RULES
from testguard.checks.coverage.settings import SECTION
from testguard.core.check import Check
from testguard.core.config import Config
from testguard.core.context import Context
from testguard.core.findings import CheckResult
from testguard.core.options import add_python

if TYPE_CHECKING:
    from testguard.core.report.markdown import Budget
    from testguard.core.report.model import Report


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("coverage")
    add_python(group, ", for run = ...")


def _run(ctx: Context) -> CheckResult:
    from testguard.checks.coverage import gate

    return gate.run(ctx)


def _configured(root: Path, config: Config) -> bool:
    return "coverage" in config.raw


def _render_text(result: CheckResult) -> str:
    if "coverage_table" not in result.sections:
        return ""
    from testguard.checks.coverage import report

    return report.render_coverage_table_text(result.sections["coverage_table"], report.row_verdicts(result))


def _render_markdown(result: CheckResult, report: Report, budget: Budget) -> None:
    from testguard.checks.coverage import report as coverage_report

    coverage_report.render_markdown(result, report, budget)


CHECK = Check(
    name="coverage",
    help="total, per-path and changed-lines coverage floors (TG6xx)",
    rules=RULES,
    config=SECTION,
    description=__doc__ or "",
    add_arguments=_add_arguments,
    run=_run,
    configured=_configured,
    enable="add a [tool.testguard.coverage] table",
    render_text=_render_text,
    render_markdown=_render_markdown,
)
