"""``testguard collect``: pytest collection has no errors and does not shrink (TG701, TG702).

Runs ``pytest --collect-only -q`` (plus ``[tool.testguard.collect] args``) in the
project's interpreter with a small plugin that records every collection error
with its real exception, so each TG701 points at the line that caused it: the
module-level ``sys.exit``, the failing import, the syntax error (in the test
module, a conftest.py or the first-party module it imports).  A pytest that
crashes, stops early or collects nothing is a TG701 too.

The number of collected tests is the figure ``collect:tests``; fewer than
``min-tests`` (a number) or than the count recorded in the baseline is TG702.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from testguard.checks.collect.rules import RULES
from testguard.checks.collect.settings import DEFAULT_TIMEOUT, SECTION
from testguard.core.check import Check
from testguard.core.config import Config
from testguard.core.context import Context
from testguard.core.findings import CheckResult
from testguard.core.options import add_python, seconds

if TYPE_CHECKING:
    from testguard.core.report.markdown import Budget
    from testguard.core.report.model import Report


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("collect")
    group.add_argument("--timeout", type=seconds, metavar="SECONDS",
                       help=f"give up on pytest after this long (default {DEFAULT_TIMEOUT:g})")
    add_python(group)


def _run(ctx: Context) -> CheckResult:
    from testguard.checks.collect import gate

    return gate.run(ctx)


def _configured(root: Path, config: Config) -> bool:
    return "collect" in config.raw


def _render_markdown(result: CheckResult, report: Report, budget: Budget) -> None:
    from testguard.checks.collect import report as collect_report

    collect_report.render_markdown(result, report, budget)


CHECK = Check(
    name="collect",
    help="pytest collection has no errors and does not shrink (TG7xx)",
    rules=RULES,
    config=SECTION,
    description=__doc__ or "",
    add_arguments=_add_arguments,
    run=_run,
    diff_filter=False,  # a changed module breaks collection of the tests that import it
    configured=_configured,
    enable="add a [tool.testguard.collect] table",
    render_markdown=_render_markdown,
)
