"""What a user sets for ``testguard imports``: ``[tool.testguard.imports]``."""

from __future__ import annotations

from dataclasses import dataclass, field

from testguard.core.config import Section, boolean, seconds, string_list, workers


@dataclass
class ImportsConfig:
    timeout: float = 30.0
    exclude: list[str] = field(default_factory=list)
    include_main: bool = False
    workers: int = 0

    def __post_init__(self) -> None:
        self.timeout = float(self.timeout)  # TOML gives 30 for 30.0, and 1e3 for a thousand
        self.workers = int(self.workers)


SECTION = Section(
    "imports",
    {"timeout": seconds, "exclude": string_list, "include-main": boolean, "workers": workers},
    ImportsConfig,
)
