"""The documentation of every rule: what it catches, why, an example, and how to fix it.

Each check keeps its rules' documentation beside its detector (``rules.py`` in its
package, ``Check.rules``); the core keeps the type, the rules of its own
(TG001, TG002, TG003) and ``collect``, which gathers them all for the SARIF reporter
and ``scripts/gen_rule_docs.py`` (the README's rule reference), so the two never
drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from testguard.core.findings import Severity

if TYPE_CHECKING:
    from testguard.core.check import Check

PROJECT_URL = "https://github.com/testguard/testguard"
ERROR = Severity.ERROR
WARNING = Severity.WARNING


@dataclass(frozen=True)
class RuleDoc:
    """One rule, ruff style: what it catches (``summary``), ``why`` it matters, a ``bad``
    and a ``good`` example, and how to ``fix`` it; ``policy``: what counts and what does
    not, where the summary alone would leave a user guessing."""

    code: str
    check: str
    name: str
    summary: str
    why: str
    bad: str
    good: str
    fix: str
    severity: Severity = ERROR
    lang: str = "python"  # of the bad/good examples
    policy: str = ""
    fixable: bool = False
    """Whether ``--fix`` can fix its findings (safely; ``testguard rule`` and the README say so)."""

    @property
    def anchor(self) -> str:
        return f"{self.code.lower()}-{self.name}"

    @property
    def help_uri(self) -> str:
        return f"{PROJECT_URL}#{self.anchor}"


def suppress(code: str) -> str:
    """The sentence that ends the ``fix`` of a rule one line of code can be excused from."""
    return f"Suppress one line with `# testguard: ignore[{code}]`, or record it with `testguard baseline`."


# The core's own rules: a file that could not be checked, a suppression without codes, a removed baseline.
CORE_RULES = (
    RuleDoc(
        code="TG001",
        check="core",
        name="file-not-checked",
        summary="File or directory not checked: unreadable, binary, not valid Python for the target version, or not decodable",
        why="A file testguard cannot read is a file nobody has checked; staying silent would "
            "let a broken or mis-encoded test file pass every gate.",
        bad="# tests/test_latin.py saved as Latin-1 without a coding cookie\nname = 'Müller'",
        good="# -*- coding: latin-1 -*-\nname = 'Müller'",
        fix="Save the file as UTF-8 (or declare its encoding with a PEP 263 cookie), fix the "
            "syntax, or exclude generated and binary files with `exclude` in `[tool.testguard]`.",
    ),
    RuleDoc(
        code="TG002",
        check="core",
        name="bare-ignore",
        summary="Bare `# testguard: ignore` without rule codes",
        why="A suppression without codes hides every present and future finding on the line, "
            "including ones nobody has looked at.",
        bad="from unittest import mock  # testguard: ignore",
        good="from unittest import mock  # testguard: ignore[TG201]",
        fix="Name the codes you mean: `# testguard: ignore[TG201]` (several comma-separated).",
    ),
    RuleDoc(
        code="TG003",
        check="core",
        name="baseline-removed",
        summary="The baseline file was deleted or emptied, while the diff base (or HEAD) has one",
        why="The baseline holds the accepted findings and the floors that only rise (coverage, "
            "collected tests). Deleting it turns the floors off without a word, and with "
            "`--diff-base` the findings it accepted stay out of sight on unchanged lines: the "
            "run would pass on a pull request that lowers coverage.",
        bad="$ git rm .testguard-baseline.json && git commit -m 'clean up'\n"
            "$ testguard run --diff-base origin/main\n"
            ".testguard-baseline.json:1:1: TG003 the baseline was deleted, but the merge-base with"
            " origin/main has one: its 12 accepted findings and 2 floors (collect:tests 412,"
            " coverage:total 87.5) no longer apply; ...",
        good="$ testguard baseline --prune   # fixed entries leave, floors rise; the file stays\n"
             "$ testguard run --diff-base origin/main\nAll checks passed.",
        fix="Restore the file (`git checkout origin/main -- .testguard-baseline.json`); shrink it "
            "with `testguard baseline --prune`, or lower a floor on purpose with `testguard baseline "
            "--allow-lower`, where a reviewer sees it. Retiring a baseline that still holds "
            "something is a reviewer's decision: the pull request that deletes it fails with this "
            "finding once; runs after the merge no longer see it. A run on given files (a hook "
            "call) does not look, and `--no-baseline` ignores the baseline and says so.",
        lang="console",
    ),
    RuleDoc(
        code="TG004",
        check="core",
        name="baseline-lowered",
        summary="A floor in the baseline is lower than the merge-base of `--diff-base` recorded",
        why="The recorded floors (coverage, collected tests) only rise. `testguard baseline` "
            "refuses to lower one without `--allow-lower`, but the baseline is a JSON file in the "
            "repository: a pull request can lower `coverage:total` by hand, or re-record with "
            "`--allow-lower`, and only the diff of that file shows it. With `--diff-base`, the "
            "run compares every figure with the one committed at the merge-base.",
        bad="$ sed -i 's/\"coverage:total\": 87.5/\"coverage:total\": 60/' .testguard-baseline.json\n"
            "$ testguard run --diff-base origin/main\n"
            ".testguard-baseline.json:4:1: TG004 the baseline lowers what the merge-base with "
            "origin/main recorded: coverage:total 87.5 → 60 (lowered); a floor only rises: ...",
        good="$ testguard baseline --prune   # floors rise with the measurements, never fall\n"
             "$ testguard run --diff-base origin/main\nAll checks passed.",
        fix="Restore the figures (`git checkout origin/main -- .testguard-baseline.json`) and "
            "bring coverage or the test count back up. A figure of a file that is gone goes "
            "with it and is no lowering. A lowering meant on purpose (a feature removed with "
            "its tests) is a reviewer's call: that pull request's run passes with "
            "`--ignore TG004`; runs after the merge compare with the new figures.",
        lang="console",
    ),
)


def collect(checks: Iterable[Check]) -> dict[str, RuleDoc]:
    """Every rule by code: the core's, then each check's, in the order of ``checks``."""
    rules = {rule.code: rule for rule in CORE_RULES}
    for check in checks:
        rules.update((rule.code, rule) for rule in check.rules)
    return rules
