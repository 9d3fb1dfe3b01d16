"""``testguard mypy``: mypy against the project's own environment; only new errors block (TG501).

mypy runs in the project root with ``--python-executable`` set to the project's
interpreter (config ``python``, $VIRTUAL_ENV, .venv, venv, python3 on PATH), so
the packages installed there and their types are found: no
``--ignore-missing-imports`` needed.  The mypy installed in that interpreter runs
if there is one, else the one installed with testguard ([tool.testguard.mypy]
mypy = "path/to/mypy" picks another).  The project's own mypy configuration
(mypy.ini, .mypy.ini, pyproject.toml, setup.cfg, or --config-file in args) is
honoured, and [tool.testguard.mypy] args are added.

Targets: [tool.testguard.mypy] targets, else the files/modules/packages of the
mypy configuration, else the project's packages plus tests/.

Files given on the command line (pre-commit passes the staged files) do NOT
narrow the run: the configured targets are always checked as a whole, because a
change in one file can break a caller in another; mypy's incremental cache
(.mypy_cache) keeps that fast.

Each mypy error is a TG501 titled with mypy's code (``TG501 [attr-defined]``);
mypy's notes are attached to their error.  Errors in files outside the project
root (installed packages, stubs elsewhere) are not the project's findings: they
are counted in the report, not reported.  A mypy crash, a broken mypy
configuration or a missing project interpreter is exit 2, never a pass.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from testguard.checks.mypy.locate import build_command, find_mypy
from testguard.checks.mypy.output import check_outcome, parse_output, to_findings
from testguard.core import processes
from testguard.core.findings import CheckResult, UsageError
from testguard.core.options import add_python
from testguard.core.project import SKIP_DIRS
from testguard.core.context import Context

NAME = "mypy"
HELP = "run mypy against the project's own environment; only new errors block (TG5xx)"
STATIC = False
CODES = {"TG501": "mypy error (mypy's own code in the title)"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("mypy")
    add_python(group)


def _count_files(root: Path, targets: list[str]) -> int:
    count = 0
    for target in targets:
        path = root / target
        if path.is_file():
            count += 1
            continue
        for _, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
            count += sum(1 for f in files if f.endswith((".py", ".pyi")))
    return count


def run(ctx: Context) -> CheckResult:
    python = ctx.interpreter
    if not python.is_file():
        raise UsageError(f"the project interpreter {python} does not exist")
    mypy = find_mypy(ctx, python)
    command, targets = build_command(ctx, mypy, python)
    env = {k: v for k, v in os.environ.items() if k not in ("MYPY_FORCE_COLOR", "FORCE_COLOR")}
    env["PYTHONIOENCODING"] = "utf-8"
    try:
        finished = processes.run(command, cwd=ctx.root, env=env)
    except OSError as exc:
        raise UsageError(f"cannot run mypy ({command[0]}): {exc}") from None
    proc = subprocess.CompletedProcess(
        command, finished.returncode,
        finished.stdout.decode("utf-8", "replace"), finished.stderr.decode("utf-8", "replace"),
    )
    messages, other = parse_output(proc.stdout, mypy.json_output)
    check_outcome(proc, messages, other)
    findings, outside = to_findings(ctx, messages, NAME)
    return CheckResult(
        check=NAME,
        findings=findings,
        files_checked=_count_files(ctx.root, targets),
        raw_output="\n".join([*other, proc.stderr.strip()]).strip(),
        sections={
            "mypy": {
                "version": mypy.version_text,
                "command": command,
                "targets": targets,  # empty: the mypy configuration's files/modules/packages
                "errors_outside_project": outside,
                "exit_code": proc.returncode,
            }
        },
    )


def main(argv: Sequence[str] | None = None) -> int:
    from testguard import cli

    return cli.main([NAME, *(sys.argv[1:] if argv is None else argv)])
