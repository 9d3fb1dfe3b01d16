"""What a user sets for ``testguard hygiene``: ``[tool.testguard.hygiene]``."""

from __future__ import annotations

from dataclasses import dataclass, field

from testguard.core.config import Section, string_list

CODES = ("TG801", "TG802", "TG803")


def _codes(value: object) -> str | None:
    """``disable``: a list of this check's codes."""
    if string_list(value) is None and isinstance(value, list) and all(code in CODES for code in value):
        return None
    return f"a list of codes from {', '.join(CODES)}"


@dataclass
class HygieneConfig:
    test_code: list[str] = field(default_factory=list)
    """Globs of more test code (a test-helper package): as the test globs and conftest.py."""
    disable: list[str] = field(default_factory=list)
    """Codes not reported (and not worked out)."""

    def enabled(self, code: str) -> bool:
        return code not in self.disable


SECTION = Section("hygiene", {"test-code": string_list, "disable": _codes}, HygieneConfig)
