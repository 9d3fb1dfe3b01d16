"""``testguard imports``: every module of the package imports, each one contained (TG101–TG106).

Modules are imported in the project's own interpreter by a pool of warm
workers; each import happens in a forked child, so a module that raises,
exits, hangs or crashes the interpreter is a finding for that module and the
run goes on.  Given files (pre-commit), only those modules and the modules
that import them are checked.  ``--installed`` checks the package as
installed in the interpreter (the deploy gate); ``--shard I/N`` splits the
work across CI jobs.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from testguard.checks.imports.rules import RULES
from testguard.checks.imports.settings import SECTION
from testguard.core.check import Check
from testguard.core.config import Config
from testguard.core.context import Context
from testguard.core.findings import CheckResult, Finding, UsageError
from testguard.core.options import add_python, seconds, shard_spec, worker_count

NAME = "imports"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("imports")
    group.add_argument(
        "--installed",
        action="store_true",
        help="import the package as installed in the interpreter (site-packages),"
        " not the source tree: the deploy gate for a built wheel",
    )
    group.add_argument(
        "--shard",
        type=shard_spec,
        metavar="I/N",
        help="check only shard I of N (deterministic; run N jobs to cover everything)",
    )
    group.add_argument(
        "--timeout",
        type=seconds,
        metavar="SECONDS",
        help="per-module timeout (default: imports.timeout, 30)",
    )
    add_python(group)
    group.add_argument(
        "--workers",
        type=worker_count,
        metavar="N",
        help="worker processes (default: imports.workers, 0 = one per core)",
    )
    group.add_argument(
        "--fresh",
        action="store_true",
        help="import each module in a fresh interpreter (slow; the reference behaviour)",
    )
    group.add_argument(
        "--confirm",
        action="store_true",
        help="re-import each failing module in a fresh interpreter and report that verdict",
    )


@dataclass(frozen=True)
class ImportsOptions:
    """The options of ``testguard imports`` (defaults when another command runs the check)."""

    installed: bool = False
    shard: tuple[int, int] | None = None
    timeout: float | None = None
    workers: int | None = None
    fresh: bool = False
    confirm: bool = False


def run(ctx: Context) -> CheckResult:
    # The work is imported here: declaring the check must stay cheap (core/check.py).
    from testguard.checks.imports import plan
    from testguard.checks.imports.classify import Reporter, classify
    from testguard.checks.imports.progress import progress_bar
    from testguard.checks.imports.discover import unnameable_note
    from testguard.checks.imports.exact import Settings, verdicts
    from testguard.core.project import relpath

    started = time.monotonic()
    options = ctx.options.own(ImportsOptions)
    settings = SECTION.of(ctx.config)
    timeout = float(options.timeout or settings.timeout)
    workers = settings.workers if options.workers is None else options.workers
    if workers < 0:
        raise UsageError("--workers must be 0 (one per core) or more")
    python = ctx.interpreter
    work = plan.make_plan(
        ctx.root,
        ctx.config,
        python,
        ctx.paths,
        installed=options.installed,
        shard_spec=options.shard,
    )
    outcomes, tally = verdicts(
        Settings(python, timeout, workers, work.sys_path, work.cwd),
        work,
        fresh=options.fresh,
        confirm=options.confirm,
        progress=progress_bar(sys.stderr),
    )
    if work.unnameable:
        print(unnameable_note(work.unnameable, ctx.root), file=sys.stderr)
    reporter = Reporter(
        root=ctx.root,
        python=python,
        timeout=timeout,
        first_party=work.first_party,
        display=work.display,
        source_only=work.source_only,
        read_line=plan.line_reader(ctx.root),
    )
    findings: list[Finding] = list(work.findings)
    for spec in work.modules:
        finding = classify(outcomes[spec.name], spec, work.report_path(spec), reporter)
        if finding is not None:
            findings.append(finding)
    findings.sort(key=Finding.sort_key)
    failed = len(findings)
    return CheckResult(
        check=NAME,
        findings=findings,
        files_checked=len(work.modules),
        sections={
            "imports": {
                "modules": len(work.modules),
                "failed": failed,
                "seconds": round(time.monotonic() - started, 2),
                "interpreter": str(python),
                "installed": work.installed,
                "changed_only": bool(ctx.paths),
                "reverified": tally.reverified,
                "changed_when_reverified": tally.changed,
                "seconds_warm": round(tally.warm_seconds, 2),
                "seconds_reverifying": round(tally.verify_seconds, 2),
                "unnameable": [relpath(ctx.root, path) for path in work.unnameable],
            }
        },
    )



def _configured(root: Path, config: Config) -> bool:
    """Run by default when the project has a package to import."""
    from testguard.core.project import detect_packages

    return bool(detect_packages(root, config))


CHECK = Check(
    name=NAME,
    help="import every module of the package, each contained (TG1xx)",
    rules=RULES,
    config=SECTION,
    description=__doc__ or "",
    add_arguments=add_arguments,
    run=run,
    diff_filter=False,  # a change breaks dependants at lines nobody touched
    configured=_configured,
    enable='no package found: set packages = ["mypkg"] in [tool.testguard]',
    unit="module",
)
