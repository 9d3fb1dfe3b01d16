"""What a user sets for ``testguard mypy``: ``[tool.testguard.mypy]``."""

from __future__ import annotations

from dataclasses import dataclass, field

from testguard.core.config import Section, string, string_list


@dataclass
class MypyConfig:
    args: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    mypy: str | None = None


SECTION = Section("mypy", {"args": string_list, "targets": string_list, "mypy": string}, MypyConfig)
