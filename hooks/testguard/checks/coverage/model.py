"""Measured coverage, whatever it was read from: per file, with coverage.py's arithmetic."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass
class Numbers:
    """Counts that add up; the percentage is coverage.py's (statements + branches)."""

    statements: int = 0
    missing: int = 0
    branches: int = 0
    missing_branches: int = 0

    def __add__(self, other: Numbers) -> Numbers:
        return Numbers(
            self.statements + other.statements,
            self.missing + other.missing,
            self.branches + other.branches,
            self.missing_branches + other.missing_branches,
        )

    @property
    def percent(self) -> float:
        total = self.statements + self.branches
        if total == 0:
            return 100.0
        return 100.0 * (total - self.missing - self.missing_branches) / total


@dataclass
class FileCoverage:
    """One measured file: root-relative POSIX path (absolute when outside the root)."""

    path: str
    statements: frozenset[int]
    missing: frozenset[int]
    branches: int = 0
    missing_branches: int = 0
    # line -> (exits, exits taken), only lines that branch
    branch_lines: dict[int, tuple[int, int]] = field(default_factory=dict)
    # line -> destinations never taken (negative: the code object's exit)
    missing_arcs: dict[int, list[int]] = field(default_factory=dict)

    @property
    def numbers(self) -> Numbers:
        return Numbers(len(self.statements), len(self.missing), self.branches, self.missing_branches)


@dataclass
class CoverageSet:
    """All measured files, and how coverage.py is configured to judge them."""

    files: dict[str, FileCoverage]
    branch: bool
    precision: int
    source: str  # what the data was read from, for messages
    fail_under: float = 0.0  # coverage.py's own [report] fail_under

    def total(self) -> Numbers:
        out = Numbers()
        for f in self.files.values():
            out = out + f.numbers
        return out


def display(percent: float, precision: int) -> str:
    """coverage.py's display rule: never shows 0 or 100 unless it is exactly that."""
    near0 = 1.0 / 10**precision
    if 0 < percent < near0:
        percent = near0
    elif 100.0 - near0 < percent < 100.0:
        percent = 100.0 - near0
    else:
        percent = round(percent, precision)
    return f"{percent:.{precision}f}"


def fail_precision(floor: float, precision: int) -> int:
    """Enough decimals to represent the floor (coverage.py: ``fail_under = 92.5``)."""
    if floor == int(floor):
        return precision
    exponent = Decimal(str(floor)).as_tuple().exponent
    return max(precision, -int(exponent)) if isinstance(exponent, int) else precision


def below(percent: float, floor: float, precision: int) -> bool:
    """coverage.py's fail-under test: 100 must really be 100, else compare rounded."""
    if floor >= 100.0:
        return percent < 100.0
    return round(percent, fail_precision(floor, precision)) < floor


def shown(percent: float, floor: float, precision: int) -> str:
    """The figure as it was compared with ``floor``."""
    digits = fail_precision(floor, precision)
    if floor >= 100.0 or percent in (0.0, 100.0):
        return display(percent, digits)
    return f"{round(percent, digits):.{digits}f}"
