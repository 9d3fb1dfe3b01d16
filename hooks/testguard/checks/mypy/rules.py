"""The rules of ``testguard mypy`` (mypy gate): what each catches, why, an example, the fix."""

from __future__ import annotations

from testguard.core.rulebook import RuleDoc

RULES = (
    RuleDoc(
        code="TG501",
        check="mypy",
        name="mypy-error",
        summary="mypy error (mypy's own code goes in the title)",
        why="Type errors are bugs found before running anything; new ones should not enter the code.",
        bad="def total(prices: list[int]) -> int:\n    return sum(prices) / len(prices)",
        good="def average(prices: list[int]) -> float:\n    return sum(prices) / len(prices)",
        fix="Fix the type error; mypy's own `# type: ignore[code]` works as usual. Existing errors "
            "are recorded with `testguard baseline` so only new ones block.",
    ),
)
