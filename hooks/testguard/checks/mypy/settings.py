"""What a user sets for ``testguard mypy``: ``[tool.testguard.mypy]``."""

from __future__ import annotations

from dataclasses import dataclass, field

from testguard.core.config import Section, string, string_list

DEFAULT_TIMEOUT = 1800.0
"""Far above a cold run on a large project; a plugin or interpreter that hangs must not hang the run."""


@dataclass
class MypyConfig:
    args: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    mypy: str | None = None


SECTION = Section("mypy", {"args": string_list, "targets": string_list, "mypy": string}, MypyConfig)


@dataclass(frozen=True)
class MypyOptions:
    """The options of ``testguard mypy`` (defaults when another command runs the check)."""

    timeout: float | None = None
