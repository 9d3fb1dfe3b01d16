"""One mypy run in the project root against the project's interpreter, its messages as findings."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from testguard.checks.mypy.locate import build_command, find_mypy
from testguard.checks.mypy.output import check_outcome, parse_output, to_findings
from testguard.checks.mypy.settings import DEFAULT_TIMEOUT, SECTION, MypyOptions
from testguard.core import processes
from testguard.core.context import Context
from testguard.core.findings import CheckResult, UsageError
from testguard.core.project import SKIP_DIRS
from testguard.core.report.escape import has_surrogate, visible
from testguard.core.wording import plural

NAME = "mypy"


def _python_files(root: Path, targets: list[str]) -> list[str]:
    """The ``.py``/``.pyi`` files mypy reads under ``targets``, as paths from the root."""
    found: list[str] = []
    for target in targets:
        path = root / target
        if path.is_file():
            found.append(target)
            continue
        for directory, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
            found.extend(
                os.path.relpath(os.path.join(directory, f), root) for f in files if f.endswith((".py", ".pyi"))
            )
    return found


def _not_utf8(paths: list[str]) -> list[str]:
    """The paths whose name is not UTF-8 (Python holds their bytes as lone surrogates)."""
    return [p for p in paths if has_surrogate(p)]


def run(ctx: Context) -> CheckResult:
    python = ctx.interpreter
    if not python.is_file():
        raise UsageError(f"the project interpreter {python} does not exist")
    mypy = find_mypy(ctx, python)
    command, targets = build_command(ctx, mypy, python)
    env = {k: v for k, v in os.environ.items() if k not in ("MYPY_FORCE_COLOR", "FORCE_COLOR")}
    env["PYTHONIOENCODING"] = "utf-8"
    timeout = float(ctx.options.own(MypyOptions).timeout or DEFAULT_TIMEOUT)
    try:
        finished = processes.run(command, cwd=ctx.root, env=env, timeout=timeout)
    except OSError as exc:
        raise UsageError(f"cannot run mypy ({command[0]}): {exc}") from None
    except ValueError as exc:  # a NUL byte in an argument: TOML can spell one, no process takes it
        raise UsageError(
            f"cannot run mypy: {exc} in its command line; check 'args' and 'targets' in [tool.testguard.mypy]"
        ) from None
    if finished.timed_out:
        raise UsageError(
            f"mypy did not finish within {timeout:g}s and was stopped: a mypy plugin, or the project"
            " interpreter mypy asks for its paths, may hang; raise --timeout if the project needs longer"
        )
    proc = subprocess.CompletedProcess(
        command, finished.returncode,
        finished.stdout.decode("utf-8", "replace"), finished.stderr.decode("utf-8", "replace"),
    )
    messages, other = parse_output(proc.stdout, mypy.json_output)
    read = _python_files(ctx.root, targets)
    not_utf8 = _not_utf8(read) if "surrogates not allowed" in proc.stdout + proc.stderr else []
    if not_utf8:
        # mypy crashes on such a name (its cache encodes paths as UTF-8): say which, and what to do.
        names = ", ".join(visible(p) for p in not_utf8[:5])
        raise UsageError(
            f"mypy crashes on a file name that is not UTF-8 ({names}): rename the file, or"
            " leave it out with 'exclude' in mypy's configuration"
        )
    check_outcome(proc, messages, other, SECTION.of(ctx.config).args)
    findings, outside = to_findings(ctx, messages, NAME)
    files = len(read)
    shown = " ".join(targets[:3]) + (" …" if len(targets) > 3 else "")
    on = f"{plural(files, 'file')} ({shown})" if targets else "the files its configuration names"
    return CheckResult(
        check=NAME,
        findings=findings,
        files_checked=files,
        used=f"mypy {mypy.version_text} on {on}",
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

