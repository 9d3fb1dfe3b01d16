"""The contract every check fulfils: all that the CLI, the runner, the baseline and the reporters know of one.

A check is one package under ``testguard.checks`` whose ``__init__`` declares a
``Check`` and imports nothing heavy: ``testguard.checks.CHECKS`` lists them all,
and a hook call (``testguard exits FILE``) imports every declaration but only
the work of its own check.  The functions of a ``Check`` import that work when
they are called.

A check is either *static* (``static``: it scans test files one by one inside
the shared pass of core/static.py, which reads and parses each file once for
all static checks) or not (``run``: it does its own work, e.g. runs mypy).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from testguard.core.config import Config, Section
    from testguard.core.context import Context, RunOptions
    from testguard.core.findings import CheckResult, Finding
    from testguard.core.fixes import FileFix
    from testguard.core.prefilter import Screened
    from testguard.core.report.markdown import Budget
    from testguard.core.report.model import Report
    from testguard.core.rulebook import RuleDoc
    from testguard.core.static import FileContext, StaticState


@dataclass(frozen=True)
class StaticScan:
    """How a static check scans one test file (loaded once per run, by ``Check.static``)."""

    name: str
    prefilter: Screened
    """A file whose text does not match has no finding of this check: it is not parsed for it."""
    scan: Callable[[FileContext], list[Finding]]
    prepare: Callable[[StaticState], None] | None = None
    """Called once per run, before the files are scanned."""


def no_arguments(parser: argparse.ArgumentParser) -> None:
    """A check without options of its own: the common ones are enough."""


def always(root: Path, config: Config) -> bool:
    return True


def never(options: RunOptions) -> bool:
    return False


@dataclass(frozen=True)
class Check:
    """One check: a subcommand, its rules, its config section, how it runs and reports."""

    name: str
    """The subcommand, the ``check`` of its findings and the ``[tool.testguard.<name>]`` table."""
    help: str
    """One line for ``testguard --help``."""
    config: Section[object]
    """Its ``[tool.testguard.<name>]`` table: keys, validators and typed settings."""
    rules: Sequence[RuleDoc]
    """The documentation of every rule it reports (its ``rules.py``); its codes are theirs."""
    description: str = ""
    """``testguard <name> --help``: the check's package docstring (``help`` without one)."""
    add_arguments: Callable[[argparse.ArgumentParser], None] = no_arguments
    """Its own options, added to its subcommand only (``RunOptions.own`` reads them)."""
    run: Callable[[Context], CheckResult] | None = None
    """A check that is not static: its whole run."""
    static: Callable[[], StaticScan] | None = None
    """A static check: loads its scanner for the shared pass."""
    finish: Callable[[CheckResult, Context], None] | None = None
    """A static check: called once after the pass, with the check's result (e.g. an inventory)."""
    diff_filter: bool = True
    """Whether ``--diff-base`` keeps only its findings on changed lines.  False when a
    change breaks code elsewhere: a renamed class makes a dependant fail to import at
    a line nobody touched.  Findings about a whole file or the project (``Finding.scope``)
    are always kept."""
    configured: Callable[[Path, Config], bool] = always
    """Whether ``run`` (and ``baseline``) run it when no checks are named."""
    enable: str = ""
    """What turns it on when ``configured`` says no (``run`` says so when it skips it)."""
    unit: str = "file"
    """What ``CheckResult.files_checked`` counts, for its line on stderr."""
    report_only: Callable[[RunOptions], bool] = never
    """Whether these options make the run a report whose exit code is 0 (``mocks --inventory``)."""
    fix: Callable[[str, Sequence[Finding]], FileFix] | None = None
    """Its safe fixes (``--fix``, ``--diff``): one file's text and findings -> the new text."""
    render_text: Callable[[CheckResult], str] | None = None
    """Its report sections as plain text, after the findings ("" for none)."""
    render_markdown: Callable[[CheckResult, Report, Budget], None] | None = None
    """Its report sections in the Markdown job summary."""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(rule.code for rule in self.rules)

    @property
    def is_static(self) -> bool:
        return self.static is not None


def find(checks: Sequence[Check], name: str) -> Check | None:
    """The check called ``name`` (None for core findings and custom rules)."""
    return next((check for check in checks if check.name == name), None)
