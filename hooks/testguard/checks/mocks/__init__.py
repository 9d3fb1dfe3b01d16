"""``testguard mocks``: every mock in test code, and what it replaces (TG201–TG205).

Reported: mock libraries imported (unittest.mock, mock, pytest_mock,
asynctest, with aliases); patch / patch.object / patch.dict / patch.multiple
as decorator, context manager or call; mock objects (Mock, MagicMock,
AsyncMock, create_autospec, mocker.Mock…); the ``mocker`` fixture and its
``mocker.patch*`` / ``mocker.spy``; ``monkeypatch.setattr`` / ``delattr`` (not
setenv, delenv, chdir or syspath_prepend: those change the real environment).

Every patch target is classified by what it really is — first-party, http,
database, filesystem, subprocess, clock, environment, stdlib (with its part:
io, interpreter, import…), test-local, third-party, unknown —
following the patched module's own imports: ``patch("mypkg.billing.requests")``
is http.  ``--inventory`` adds the per-file and total counts by class and kind,
a complexity band and the real replacement for each class (exit code 0: it is
a report).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING

from testguard.checks.mocks.rules import RULES
from testguard.checks.mocks.settings import SECTION
from testguard.core.check import Check, StaticScan
from testguard.core.context import Context, RunOptions
from testguard.core.findings import CheckResult

if TYPE_CHECKING:
    from testguard.core.report.markdown import Budget
    from testguard.core.report.model import Report


@dataclass(frozen=True)
class MocksOptions:
    """The options of ``testguard mocks`` (defaults when another command runs the check)."""

    inventory: bool = False


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--inventory", action="store_true",
        help="also report, per file and in total, what the mocks replace (by class and kind),"
        " a complexity band and the real replacement for each class; exits 0",
    )


def _inventory_asked(options: RunOptions) -> bool:
    return options.own(MocksOptions).inventory


def _scanner() -> StaticScan:
    from testguard.checks.mocks import scan

    return scan.SCAN


def _finish(result: CheckResult, ctx: Context) -> None:
    """After the static pass: the inventory when ``--inventory`` was given."""
    if _inventory_asked(ctx.options):
        from testguard.checks.mocks import inventory

        result.sections["inventory"] = inventory.build(result.findings)


def _render_text(result: CheckResult) -> str:
    if "inventory" not in result.sections:
        return ""
    from testguard.checks.mocks import inventory

    return inventory.render_text(result.sections["inventory"])


def _render_markdown(result: CheckResult, report: Report, budget: Budget) -> None:
    from testguard.checks.mocks import inventory

    inventory.render_markdown(result, report, budget)


CHECK = Check(
    name="mocks",
    help="flag mock use in tests and classify what is mocked (TG2xx)",
    rules=RULES,
    config=SECTION,
    description=__doc__ or "",
    add_arguments=_add_arguments,
    static=_scanner,
    finish=_finish,
    report_only=_inventory_asked,
    render_text=_render_text,
    render_markdown=_render_markdown,
)
