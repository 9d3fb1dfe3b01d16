"""``testguard mypy``: mypy against the project's own environment; only new errors block (TG501).

mypy runs in the project root with ``--python-executable`` set to the project's
interpreter (config ``python``, $VIRTUAL_ENV, .venv, venv, python3 on PATH), so
the packages installed there and their types are found: no
``--ignore-missing-imports`` needed.  The mypy installed in that interpreter runs
if there is one, else the one installed with testguard ([tool.testguard.mypy]
mypy = "path/to/mypy" picks another).  The project's own mypy configuration
(mypy.ini, .mypy.ini, pyproject.toml, setup.cfg, or --config-file in args) is
honoured, and [tool.testguard.mypy] args are added; they win over the
configuration files, as on mypy's command line.

Targets: [tool.testguard.mypy] targets, else the files/modules/packages of the
mypy configuration, else the project's packages plus its test directories
(pytest's testpaths, as the other checks find the tests; else tests/).

Files given on the command line (pre-commit passes the staged files) do NOT
narrow the run: the configured targets are always checked as a whole, because a
change in one file can break a caller in another; mypy's incremental cache
(.mypy_cache) keeps that fast.

Each mypy error is a TG501 titled with mypy's code (``TG501 [attr-defined]``);
mypy's notes are attached to their error.  Errors in files outside the project
root (installed packages, stubs elsewhere) are not the project's findings: they
are counted in the report, not reported.  A mypy crash, a broken mypy
configuration, a missing project interpreter or a mypy that runs past
--timeout (default 1800 s: a plugin that hangs) is exit 2, never a pass.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from testguard.checks.mypy.rules import RULES
from testguard.checks.mypy.settings import DEFAULT_TIMEOUT, SECTION
from testguard.core.check import Check
from testguard.core.config import Config
from testguard.core.context import Context
from testguard.core.findings import CheckResult
from testguard.core.options import add_python, seconds


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("mypy")
    group.add_argument("--timeout", type=seconds, metavar="SECONDS",
                       help=f"give up on mypy after this long (default {DEFAULT_TIMEOUT:g})")
    add_python(group)


def _run(ctx: Context) -> CheckResult:
    from testguard.checks.mypy import gate

    return gate.run(ctx)


def _configured(root: Path, config: Config) -> bool:
    """Run by default when [tool.testguard.mypy] or a mypy configuration exists."""
    if "mypy" in config.raw:
        return True
    tool = config.pyproject.get("tool", {})
    if isinstance(tool, dict) and "mypy" in tool:
        return True
    return any((root / f).is_file() for f in ("mypy.ini", ".mypy.ini"))


CHECK = Check(
    name="mypy",
    help="run mypy against the project's own environment; only new errors block (TG5xx)",
    rules=RULES,
    config=SECTION,
    description=__doc__ or "",
    add_arguments=_add_arguments,
    run=_run,
    configured=_configured,
    enable="add a [tool.testguard.mypy] table, or a mypy configuration: mypy.ini, [tool.mypy]",
)
