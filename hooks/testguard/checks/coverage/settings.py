"""What a user sets for ``testguard coverage``: ``[tool.testguard.coverage]``."""

from __future__ import annotations

from dataclasses import dataclass, field

from testguard.core.config import Section, percent, string


def _path_floors(value: object) -> str | None:
    if not isinstance(value, dict):
        return 'a table of glob = floor, e.g. { "src/pkg/core/**" = 90 }'
    for floor in value.values():
        if percent(floor) is not None:
            return "a table whose floors are numbers from 0 to 100"
    return None


@dataclass
class CoverageConfig:
    fail_under: float | None = None
    changed_lines_fail_under: float | None = None
    paths: dict[str, float] = field(default_factory=dict)
    run: str | None = None
    data_file: str | None = None


SECTION = Section(
    "coverage",
    {
        "fail-under": percent,
        "changed-lines-fail-under": percent,
        "paths": _path_floors,
        "run": string,
        "data-file": string,
    },
    CoverageConfig,
)
