"""SARIF 2.1.0: one run, rules with help, results with stable fingerprints."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from testguard.core.findings import CUSTOM_CHECK, CUSTOM_RULES_SECTION, Finding, Severity, Status
from testguard.core.report.escape import uri_path
from testguard.core.report.json import dump
from testguard.core.report.model import Report, failed_checks
from testguard.core.rulebook import PROJECT_URL, RuleDoc, collect

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


def _custom_descriptor(code: str, rule: Mapping[str, Any], level: str) -> dict[str, Any]:
    """A custom ast-grep rule: its ``message`` describes it, its ``note`` is the help."""
    message = str(rule.get("message") or code)
    note = str(rule.get("note") or "")
    descriptor: dict[str, Any] = {
        "id": code,
        "name": str(rule.get("id") or code),
        "shortDescription": {"text": message},
        "fullDescription": {"text": note or message},
        "defaultConfiguration": {"level": level},
        "properties": {"check": CUSTOM_CHECK, "source": str(rule.get("source", "")),
                       "tags": ["testguard", CUSTOM_CHECK]},
    }
    if note:
        descriptor["help"] = {"text": note, "markdown": note}
    return descriptor


def _custom_rules(report: Report) -> dict[str, Mapping[str, Any]]:
    """The custom rules the run loaded, by code (the first rule of a shared code)."""
    rules: dict[str, Mapping[str, Any]] = {}
    for result in report.results:
        if result.check != CUSTOM_CHECK:
            continue
        described = result.sections.get(CUSTOM_RULES_SECTION)
        for rule in described if isinstance(described, list) else []:
            if isinstance(rule, Mapping) and isinstance(rule.get("code"), str):
                rules.setdefault(rule["code"], rule)
    return rules


def _rule_descriptor(
    code: str, rule: RuleDoc | None, example: Finding | None,
    custom: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    if rule is None and custom is not None:
        level = _LEVEL[example.severity] if example else _LEVEL[Severity(custom.get("severity", "error"))]
        return _custom_descriptor(code, custom, level)
    if rule is None:
        # A code nothing describes: all we know is what its findings say.
        title = example.title if example else code
        return {
            "id": code,
            "name": code,
            "shortDescription": {"text": title},
            "fullDescription": {"text": example.message if example else title},
            "defaultConfiguration": {
                "level": _LEVEL[example.severity] if example else "error"
            },
            "properties": {"check": example.check if example else ""},
        }
    policy = f"What counts: {rule.policy}\n\n" if rule.policy else ""
    markdown = (
        f"**{rule.summary}**\n\n{rule.why}\n\n{policy}"
        f"Bad:\n\n```{rule.lang}\n{rule.bad}\n```\n\nGood:\n\n```{rule.lang}\n{rule.good}\n```\n\n"
        f"How to fix: {rule.fix}"
    )
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": f"{rule.why}\n\nHow to fix: {rule.fix}", "markdown": markdown},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"check": rule.check, "tags": ["testguard", rule.check]},
    }


def fingerprint(f: Finding) -> str:
    """Stable across line shifts, like the baseline: rule, path, line text."""
    anchor = " ".join((f.line_text or f.message).split())
    key = f"{f.code}\0{f.path}\0{anchor}"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:32]


def _location(f: Finding) -> dict[str, Any]:
    physical: dict[str, Any] = {
        "artifactLocation": {
            "uri": uri_path(f.path or "."),
            "uriBaseId": "%SRCROOT%",
        }
    }
    if f.line > 0:
        region: dict[str, Any] = {
            "startLine": f.line,
            "endLine": max(f.line, f.end_line),
        }
        if f.col > 0:
            region["startColumn"] = f.col
            # SARIF endColumn is exclusive, like Finding.end_col.
            end_col = (
                f.end_col if f.end_col > f.col or f.end_line > f.line else f.col + 1
            )
            region["endColumn"] = max(1, end_col)
        physical["region"] = region
    return {"physicalLocation": physical}


def to_data(report: Report) -> dict[str, Any]:
    findings = report.findings()
    checks = {r.check for r in report.results}
    examples: dict[str, Finding] = {}
    for f in findings:
        examples.setdefault(f.code, f)
    docs = collect(report.checks)
    custom = _custom_rules(report)
    codes = sorted({c for c, r in docs.items() if r.check in checks} | set(examples) | set(custom))
    rules = [
        _rule_descriptor(code, docs.get(code), examples.get(code), custom.get(code))
        for code in codes
    ]
    index = {code: i for i, code in enumerate(codes)}
    results = []
    for f in findings:
        message = f.message if f.title == f.code else f"{f.title}: {f.message}"
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": index[f.code],
                "level": _LEVEL[f.severity],
                "message": {"text": message or f.code},
                "locations": [_location(f)],
                "partialFingerprints": {"testguard/v1": fingerprint(f)},
                "baselineState": "new" if f.status is Status.NEW else "unchanged",
                "properties": {
                    "check": f.check,
                    "title": f.title,
                    "details": f.details,
                },
            }
        )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "testguard",
                "version": report.version,
                "semanticVersion": report.version,
                "informationUri": PROJECT_URL,
                "rules": rules,
            }
        },
        "originalUriBaseIds": {
            "%SRCROOT%": {"uri": (report.path_base or report.root).resolve().as_uri() + "/"}
        },
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    failed = failed_checks(report)
    if failed:  # the run is not the whole answer: say which checks are missing from it
        run["invocations"] = [{
            "executionSuccessful": False,
            "toolExecutionNotifications": [
                {"level": "error", "message": {"text": f"{r.check} could not run: {r.error}"}}
                for r in failed
            ],
        }]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report) -> str:
    return dump(to_data(report))
