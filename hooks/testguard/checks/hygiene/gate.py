"""One run of ``testguard hygiene``: the project's modules, the three detectors, the scope."""

from __future__ import annotations

import time
from collections.abc import Callable

from testguard.checks.hygiene import cycles, modules, stubs, testcode
from testguard.checks.hygiene.found import NAME, Found
from testguard.checks.hygiene.settings import SECTION
from testguard.core.context import Context
from testguard.core.findings import CheckResult, Finding
from testguard.core.source import compile_error, read_source

DETECTORS = (("TG801", testcode.find), ("TG802", stubs.find), ("TG803", cycles.find))


def _not_read(project: modules.Project, is_test: Callable[[str], bool]) -> list[Found]:
    """Production files that could not be read: their imports and definitions are unknown
    (a test file that cannot be read is the static checks' TG001)."""
    by_path = {m.path: m.file for m in project.modules}
    why = {by_path[path]: reason for path, reason in project.graph.unreadable.items() if path in by_path}
    why.update(project.skipped)
    return [
        Found(
            Finding(
                path=file,
                line=1,
                col=1,
                code="TG001",
                check=NAME,
                message=f"file not checked: {reason}; its imports and definitions are unknown",
            ),
            [(file, 1, 1)],
        )
        for file, reason in sorted(why.items())
        if not is_test(file)
    ]


def _not_listed(project: modules.Project) -> list[Found]:
    """Package directories that could not be listed: the modules in them are unknown."""
    return [
        Found(
            Finding(
                path=directory,
                line=1,
                col=1,
                code="TG001",
                check=NAME,
                message=f"cannot read directory: {why}; the modules in it are not checked"
                " — make it readable, or add it to 'exclude' in [tool.testguard]",
            ),
            [(directory, 1, 1)],
        )
        for directory, why in sorted(project.unlisted.items())
    ]


def _given_not_read(ctx: Context, is_test: Callable[[str], bool], reported: set[str]) -> list[Found]:
    """Given production files (a hook call) that cannot be read, decoded or compiled: a
    module its imports would fail on, whose imports this check can only guess from the text."""
    out: list[Found] = []
    for path in ctx.paths:
        if not path.endswith(".py") or is_test(path) or path in reported:
            continue
        source = read_source(ctx.root, path, ctx.config.max_file_size)
        bad = source if isinstance(source, Finding) else compile_error(source)
        if bad is not None:
            bad.check = NAME
            out.append(Found(bad, [(path, bad.line, bad.line)]))
    return out


def _scoped(found: list[Found], paths: list[str]) -> list[Finding]:
    """With given files (pre-commit): the findings that rest on one of them, and every
    other finding in the same files (so that no baseline entry there looks fixed)."""
    if not paths:
        return [f.finding for f in found]
    kept = [f for f in found if f.touches(paths)]
    files = {f.finding.path for f in kept}
    return [f.finding for f in found if f in kept or f.finding.path in files]


def run(ctx: Context) -> CheckResult:
    started = time.monotonic()
    settings = SECTION.of(ctx.config)
    project = modules.load(ctx.root, ctx.config, settings.test_code)
    found: list[Found] = []
    seconds: dict[str, float] = {}
    for code, detect in DETECTORS:
        if settings.enabled(code):
            began = time.monotonic()
            found += detect(project)
            seconds[code] = round(time.monotonic() - began, 3)
    is_test = modules.test_code_matcher(ctx.root, ctx.config, settings.test_code)
    found += _not_read(project, is_test)
    found += _not_listed(project)
    found += _given_not_read(ctx, is_test, {f.finding.path for f in found if f.finding.code == "TG001"})
    findings = sorted(_scoped(found, ctx.paths), key=Finding.sort_key)
    return CheckResult(
        check=NAME,
        findings=findings,
        files_checked=len(project.modules),
        sections={
            "hygiene": {
                "modules": len(project.modules),
                "tests": len(project.tests),
                "disabled": list(settings.disable),
                "seconds": round(time.monotonic() - started, 3),
                "seconds_by_code": seconds,
            }
        },
    )
