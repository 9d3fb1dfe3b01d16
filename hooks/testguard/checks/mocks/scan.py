"""How the mocks of one test file are found, classified and judged against the allow policy."""

from __future__ import annotations

from collections import Counter
from typing import Any

from testguard.checks.mocks import detect
from testguard.checks.mocks.classify import Classified, classifier
from testguard.checks.mocks.names import is_test_local, test_module
from testguard.checks.mocks.policy import Policy, reported
from testguard.checks.mocks.settings import SECTION
from testguard.checks.mocks.uses import Use
from testguard.core.check import StaticScan
from testguard.core.findings import Finding
from testguard.core.prefilter import Screened
from testguard.core.static import FileContext, StaticState

NAME = "mocks"
# Every route a mock takes into a file spells one of these: the mock library's
# name (all of Mock, patch… come from an import of it, or from `mocker`),
# asynctest, or a monkeypatch method call.
PREFILTER = Screened(
    ("mock", "asynctest", "onkey"),
    r"mock\b|mocker|pytest_mock|asynctest|\.(?:set|del)(?:attr|item)\(",
    starts=("mock", "pytest_mock", "asynctest", ".set", ".del"),
)


def prepare(state: StaticState) -> None:
    state.shared["mocks.policy"] = Policy.from_config(SECTION.of(state.config))


def _describe(dotted: str) -> str:
    if "." not in dotted:
        return f"the {dotted} module"
    return f"'{dotted}'"


def _label(use: Use) -> str:
    """``http``, ``stdlib: io``: the class, and the part of the stdlib when known."""
    return f"{use.cls}: {use.part}" if use.part else use.cls


def _message(use: Use) -> str:
    if use.code == "TG201":
        return f"mock library '{use.what}' imported"
    if use.code == "TG205":
        return f"'{use.written}' fixture requested: pytest-mock replaces code for this test"
    if use.kind == "mock-object":
        if use.target:
            return f"{use.what} builds a mock of '{use.target}' ({_label(use)})"
        return f"{use.what} builds a mock object that stands in for real code ({_label(use)})"
    if use.target is None or use.resolved is None:
        return f"{use.kind} of '{use.written}': the target cannot be resolved (unknown)"
    verb = "wraps" if use.kind == "mocker.spy" else "replaces"
    if use.cls == "first-party":
        return f"{use.kind} of '{use.target}' {verb} the project's own code (first-party)"
    if use.cls == "test-local":
        return f"{use.kind} of '{use.written}' {verb} code the test file defines itself (test-local)"
    if use.resolved and use.resolved != use.target:
        return f"{use.kind} of '{use.target}' {verb} {_describe(use.resolved)} ({_label(use)})"
    return f"{use.kind} {verb} {_describe(use.target)} ({_label(use)})"


def _classify(uses: list[Use], state: StaticState, module: str) -> None:
    """Each target's class; ``module``: the test file's own (its names are test-local)."""
    resolver = classifier(state)
    for use in uses:
        if not use.targeted:
            continue
        if is_test_local(use.target, module):
            use.cls, use.resolved = "test-local", use.target
            continue
        found: Classified = resolver.classify(use.target)
        use.cls, use.resolved, use.part = found.cls, found.resolved, found.part
        if use.code == "TG203" and use.cls == "first-party":
            use.code = "TG202"


def scan(file: FileContext) -> list[Finding]:
    uses = detect.collect(file)
    if not uses:
        return []
    _classify(uses, file.state, test_module(file.path))
    policy: Policy = file.state.shared["mocks.policy"]  # set by prepare(), before any file
    kept = reported(uses, policy)
    findings: list[Finding] = []
    for use in kept:
        details: dict[str, Any] = {"kind": "import" if use.kind == "attribute" else use.kind}
        if use.targeted:
            details.update({"class": use.cls, "target": use.target, "resolved": use.resolved})
            if use.part:
                details["part"] = use.part
        else:
            # An import serves the whole file, a fixture its test: they get the class mocked most there.
            classes = Counter(u.cls for u in kept if u.targeted and (use.code == "TG201" or u.scope == use.scope))
            main = classes.most_common(1)[0][0] if classes else "unknown"
            details.update({"class": main, "target": use.what, "classes": sorted(classes)})
        findings.append(file.finding(use.node, use.code, _message(use), NAME, **details))
    return findings


SCAN = StaticScan(NAME, PREFILTER, scan, prepare)
