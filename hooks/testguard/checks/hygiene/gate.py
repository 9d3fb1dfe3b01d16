"""One run of ``testguard hygiene``: the project's modules, the three detectors, the scope."""

from __future__ import annotations

import time

from testguard.checks.hygiene import cycles, modules, stubs, testcode
from testguard.checks.hygiene.found import NAME, Found
from testguard.checks.hygiene.settings import SECTION
from testguard.core.context import Context
from testguard.core.findings import CheckResult, Finding

DETECTORS = (("TG801", testcode.find), ("TG802", stubs.find), ("TG803", cycles.find))


def _unreadable(project: modules.Project) -> list[Found]:
    """Production files that could not be read: their imports and definitions are unknown."""
    by_path = {m.path: m for m in project.production}
    return [
        Found(
            Finding(
                path=by_path[path].file,
                line=1,
                col=1,
                code="TG001",
                check=NAME,
                message=f"cannot read the file ({why}): its imports and definitions were not checked",
            ),
            [(by_path[path].file, 1, 1)],
        )
        for path, why in sorted(project.graph.unreadable.items())
        if path in by_path
    ]


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
    found += _unreadable(project)
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
