"""What a user sets for ``testguard collect``: ``[tool.testguard.collect]`` and its options."""

from __future__ import annotations

from dataclasses import dataclass, field

from testguard.core.config import Section, count, string_list

DEFAULT_TIMEOUT = 300.0


def _min_tests(value: object) -> str | None:
    if value == "baseline" or count(value) is None:
        return None
    return '"baseline" or a whole number'


@dataclass
class CollectConfig:
    min_tests: int | str | None = None
    args: list[str] = field(default_factory=list)


SECTION = Section("collect", {"min-tests": _min_tests, "args": string_list}, CollectConfig)


@dataclass(frozen=True)
class CollectOptions:
    """The options of ``testguard collect`` (defaults when another command runs the check)."""

    timeout: float | None = None
