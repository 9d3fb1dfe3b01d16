"""``testguard rule CODE`` / ``rule --all``: the rule reference in the terminal, like ``ruff rule``.

The text comes from the same ``RuleDoc`` collection the README's rule reference is
generated from (``testguard.checks.RULES``), so the two never drift apart.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping

from testguard.core.findings import UsageError
from testguard.core.rulebook import RuleDoc

FORMATS = ("text", "json")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", nargs="?", metavar="CODE", help="the rule code, e.g. TG301")
    parser.add_argument("--all", action="store_true", help="list every rule, one a line")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format (default: text; json for editors)")


def as_json(rule: RuleDoc) -> dict[str, object]:
    return {
        "code": rule.code,
        "name": rule.name,
        "check": rule.check,
        "severity": rule.severity.value,
        "summary": rule.summary,
        "why": rule.why,
        "policy": rule.policy,
        "bad": rule.bad,
        "good": rule.good,
        "example_language": rule.lang,
        "fix": rule.fix,
        "fixable": rule.fixable,
        "url": rule.help_uri,
    }


def as_text(rule: RuleDoc) -> str:
    fixable = "yes (--fix)" if rule.fixable else "no"
    lines = [
        f"# {rule.name} ({rule.code})",
        "",
        f"Check: {rule.check}    Default severity: {rule.severity.value}    Fixable: {fixable}",
        "",
        "## What it catches",
        rule.summary,
        "",
        "## Why it matters",
        rule.why,
        "",
    ]
    if rule.policy:
        lines += ["## What counts", rule.policy, ""]
    lines += [
        "## Example",
        f"```{rule.lang}",
        rule.bad,
        "```",
        "",
        "Use instead:",
        f"```{rule.lang}",
        rule.good,
        "```",
        "",
        "## How to fix or suppress",
        rule.fix,
        "",
        f"More: {rule.help_uri}",
    ]
    return "\n".join(lines) + "\n"


def one_line(rule: RuleDoc, name_width: int) -> str:
    return f"{rule.code}  {rule.name:<{name_width}}  {rule.check:<9}  {rule.summary}"


def render(args: argparse.Namespace, rules: Mapping[str, RuleDoc]) -> str:
    """What ``testguard rule`` prints; UsageError for a missing or unknown code."""
    if args.all:
        if args.code:
            raise UsageError("rule: give a CODE or --all, not both")
        if args.format == "json":
            return json.dumps([as_json(rule) for rule in rules.values()], indent=2) + "\n"
        width = max(len(rule.name) for rule in rules.values())
        return "".join(one_line(rule, width) + "\n" for rule in rules.values())
    if not args.code:
        raise UsageError("rule: give a rule CODE (e.g. testguard rule TG301) or --all")
    code = args.code.strip().upper()
    rule = rules.get(code)
    if rule is None:
        raise UsageError(
            f"rule: unknown rule code {args.code!r}; `testguard rule --all` lists them"
        )
    if args.format == "json":
        return json.dumps(as_json(rule), indent=2) + "\n"
    return as_text(rule)
