"""The rules of ``testguard coverage`` (coverage floors): what each catches, why, an example, the fix."""

from __future__ import annotations

from testguard.core.rulebook import WARNING, RuleDoc

RULES = (
    RuleDoc(
        code="TG601",
        check="coverage",
        name="total-coverage-below-floor",
        summary="Total coverage below floor",
        why="Coverage that falls means new code arrived without tests.",
        bad="[tool.testguard.coverage]\nfail-under = 85   # measured: 81.2%",
        good="# add tests for the new code until coverage is back above 85%",
        fix="Add tests for the uncovered code shown in the summary, or lower `fail-under` on purpose.",
        lang="toml",
    ),
    RuleDoc(
        code="TG602",
        check="coverage",
        name="path-coverage-below-floor",
        summary="A configured path below its floor",
        why="Critical parts of the code (security, billing) deserve a higher floor than the total.",
        bad='paths = { "src/mypkg/security/**" = 95 }   # measured: 90%',
        good="# test the uncovered branches of src/mypkg/security/",
        fix="Add tests for that path or change its floor in `[tool.testguard.coverage] paths`.",
        lang="toml",
    ),
    RuleDoc(
        code="TG603",
        check="coverage",
        name="changed-lines-coverage-below-floor",
        summary="Changed-lines coverage below floor",
        why="The lines a pull request adds or changes should be tested, whatever the total says.",
        bad="changed-lines-fail-under = 90   # this PR: 40% of changed lines covered",
        good="# add tests that run the changed lines",
        fix="Cover the changed lines marked TG604, or set `changed-lines-fail-under`.",
        lang="toml",
    ),
    RuleDoc(
        code="TG604",
        check="coverage",
        name="changed-line-not-covered",
        summary="Changed line not covered",
        severity=WARNING,
        why="Shows the reviewer exactly which new lines no test runs.",
        bad="def refund(order):\n    if order.paid:       # covered\n        return undo(order)  # not covered",
        good="def test_refund_paid_order():\n    assert refund(paid_order()).status == 'refunded'",
        fix="Add a test that runs the line.",
    ),
)
