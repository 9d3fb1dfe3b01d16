"""The checks, one module (or small package) each; the registry the CLI reads."""

from __future__ import annotations

import importlib
from types import ModuleType

# subcommand -> module; imported lazily so a hook call loads only its own check.
CHECK_MODULES: dict[str, str] = {
    "imports": "testguard.checks.imports",
    "mocks": "testguard.checks.mocks",
    "exits": "testguard.checks.exits",
    "fallbacks": "testguard.checks.fallbacks",
    "mypy": "testguard.checks.mypy",
    "coverage": "testguard.checks.coverage",
    "collect": "testguard.checks.collect",
}
STATIC_CHECKS = ("mocks", "exits", "fallbacks")
HELP: dict[str, str] = {
    "imports": "import every module of the package, each contained (TG1xx)",
    "mocks": "flag mock use in tests and classify what is mocked (TG2xx)",
    "exits": "flag process exits in test code (TG3xx)",
    "fallbacks": "flag tests that hide first-party import failures (TG4xx)",
    "mypy": "run mypy against the project's own environment; only new errors block (TG5xx)",
    "coverage": "total, per-path and changed-lines coverage floors (TG6xx)",
    "collect": "pytest collection has no errors and does not shrink (TG7xx)",
}


def available() -> list[str]:
    """Every check's subcommand, in the order --help lists them."""
    return list(CHECK_MODULES)


def load(name: str) -> ModuleType:
    return importlib.import_module(CHECK_MODULES[name])
