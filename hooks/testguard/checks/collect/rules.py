"""The rules of ``testguard collect`` (collection gate): what each catches, why, an example, the fix."""

from __future__ import annotations

from testguard.core.rulebook import RuleDoc

RULES = (
    RuleDoc(
        code="TG701",
        check="collect",
        name="collection-error",
        summary="pytest collection error",
        why="A test module that fails to collect runs none of its tests; with `-x` or in some "
            "configurations the rest of the suite is skipped too.",
        bad="# tests/test_api.py\nfrom mypkg.api import Clinet  # typo: ImportError at collection",
        good="# tests/test_api.py\nfrom mypkg.api import Client",
        fix="Run `pytest --collect-only` and fix the error it reports.",
    ),
    RuleDoc(
        code="TG702",
        check="collect",
        name="tests-collected-below-floor",
        summary="Fewer tests collected than the recorded floor",
        why="Tests that disappear (a renamed file, a bad `-k`, a skipped conftest) are coverage "
            "lost without anyone deciding it.",
        bad="# baseline: 412 tests collected; now: 380",
        good="# restore the lost tests, or record the new count on purpose",
        fix="Find why tests disappeared; if it was intended, record the new count with "
            "`testguard baseline --allow-lower collect` (or set `[tool.testguard.collect] min-tests`).",
    ),
)
