"""What a user sets for ``testguard mocks``: ``[tool.testguard.mocks]``."""

from __future__ import annotations

from dataclasses import dataclass, field

from testguard.core.config import Section, string_list

CLASSES = (
    "first-party",
    "http",
    "database",
    "filesystem",
    "subprocess",
    "clock",
    "environment",
    "stdlib",
    "test-local",
    "third-party",
    "unknown",
)
"""What a mock can replace: every patch target is classified as one of these."""


def _classes(value: object) -> str | None:
    if not isinstance(value, list) or string_list(value) is not None:
        return "a list of strings"
    bad = [v for v in value if v not in CLASSES]
    if bad:
        return "a list of mock classes out of " + ", ".join(CLASSES)
    return None


def _class_table(value: object) -> str | None:
    if not isinstance(value, dict):
        return 'a table of class = ["module", ...], e.g. { database = ["mydb"] }'
    for name, modules in value.items():
        if name not in CLASSES or string_list(modules) is not None:
            return "a table whose keys are mock classes and whose values are lists of module names"
    return None


@dataclass
class MocksConfig:
    allow: list[str] = field(default_factory=list)
    allow_targets: list[str] = field(default_factory=list)
    classes: dict[str, list[str]] = field(default_factory=dict)


SECTION = Section(
    "mocks",
    {"allow": _classes, "allow-targets": string_list, "classes": _class_table},
    MocksConfig,
    static=True,
)
