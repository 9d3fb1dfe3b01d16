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
from collections.abc import Sequence

from testguard.checks.imports import plan
from testguard.checks.imports.classify import Reporter, classify
from testguard.checks.imports.progress import progress_bar
from testguard.checks.imports.discover import unnameable_note
from testguard.checks.imports.exact import Settings, verdicts
from testguard.core.findings import CheckResult, Finding, UsageError
from testguard.core.project import relpath
from testguard.core.runner import Context
from testguard.core.options import seconds, shard_spec, worker_count

NAME = "imports"
HELP = "import every module of the package, each contained (TG1xx)"
STATIC = False
# --diff-base does not narrow it: a change breaks dependants at lines nobody touched.
DIFF_FILTER = False
CODES = {
    "TG101": "module failed to import: a name or module is missing",
    "TG102": "module raised another exception while importing",
    "TG103": "module exited the process while importing",
    "TG104": "module import timed out",
    "TG105": "the interpreter crashed while importing",
    "TG106": "syntax error",
}


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
    group.add_argument(
        "--python",
        metavar="PATH",
        help="the project's interpreter (default: config, $VIRTUAL_ENV, .venv, venv, python3)",
    )
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


def run(ctx: Context) -> CheckResult:
    started = time.monotonic()
    options = ctx.options
    timeout = float(getattr(options, "timeout", None) or ctx.config.imports.timeout)
    workers = getattr(options, "workers", None)
    workers = ctx.config.imports.workers if workers is None else workers
    if workers < 0:
        raise UsageError("--workers must be 0 (one per core) or more")
    python = ctx.interpreter()
    work = plan.make_plan(
        ctx.root,
        ctx.config,
        python,
        ctx.paths,
        installed=bool(getattr(options, "installed", False)),
        shard_spec=getattr(options, "shard", None),
    )
    outcomes, tally = verdicts(
        Settings(python, timeout, workers, work.sys_path, work.cwd),
        work,
        fresh=bool(getattr(options, "fresh", False)),
        confirm=bool(getattr(options, "confirm", False)),
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


def main(argv: Sequence[str] | None = None) -> int:
    from testguard import cli

    return cli.main([NAME, *(sys.argv[1:] if argv is None else argv)])
