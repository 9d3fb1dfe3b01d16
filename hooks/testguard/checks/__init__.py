"""The checks, one package each; ``CHECKS`` is the list the CLI passes to the runner,
the baseline and the reporters.  Adding a check: its package, and its line here."""

from __future__ import annotations

from testguard.checks import collect, coverage, exits, fallbacks, hygiene, imports, mocks, mypy
from testguard.core import rulebook
from testguard.core.check import Check

# In the order `testguard --help` lists them; `run` runs the static ones first, in one pass.
CHECKS: tuple[Check, ...] = (
    imports.CHECK,
    mocks.CHECK,
    exits.CHECK,
    fallbacks.CHECK,
    mypy.CHECK,
    coverage.CHECK,
    collect.CHECK,
    hygiene.CHECK,
)

RULES = rulebook.collect(CHECKS)
"""Every rule testguard reports, by code: the core's, then each check's."""
