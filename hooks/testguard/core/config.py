"""``[tool.testguard]`` in pyproject.toml: every key known, typed and validated.

An unknown key or a value of the wrong type is a ``UsageError`` that names the
key and the file, and suggests the closest known key, so exit code 2 always
comes with a message that says what to change.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from testguard.core.findings import UsageError
from testguard.core.options import MAX_FILE_SIZE, MAX_WORKERS, SECONDS_RANGE, valid_seconds

MOCK_CLASSES = (
    "first-party",
    "http",
    "database",
    "filesystem",
    "subprocess",
    "clock",
    "environment",
    "third-party",
    "unknown",
)

Validator = Callable[[Any], str | None]
"""Returns None when the value is valid, else what was expected."""


def _str(value: Any) -> str | None:
    return None if isinstance(value, str) else "a string"


def _bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else "true or false"


def _str_list(value: Any) -> str | None:
    ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    return None if ok else "a list of strings"


def _number(value: Any) -> str | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return None if ok else "a number"


def _percent(value: Any) -> str | None:
    if _number(value) is not None or not 0 <= value <= 100:
        return "a number from 0 to 100"
    return None


def _seconds(value: Any) -> str | None:
    return None if _number(value) is None and valid_seconds(value) else SECONDS_RANGE


def _whole(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value) and value.is_integer()
    return isinstance(value, int) and not isinstance(value, bool)


def _count(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return None if ok else "a whole number, 0 or more"


def _file_size(value: Any) -> str | None:
    if not _whole(value) or not 1 <= value <= MAX_FILE_SIZE:
        return f"a whole number of bytes from 1 to {MAX_FILE_SIZE} (1 GiB)"
    return None


def _workers(value: Any) -> str | None:
    if not _whole(value) or not 0 <= value <= MAX_WORKERS:
        return f"a whole number from 0 (one per core) to {MAX_WORKERS}"
    return None


def _path_floors(value: Any) -> str | None:
    if not isinstance(value, dict):
        return 'a table of glob = floor, e.g. { "src/pkg/core/**" = 90 }'
    for floor in value.values():
        if _percent(floor) is not None:
            return "a table whose floors are numbers from 0 to 100"
    return None


def _min_tests(value: Any) -> str | None:
    if value == "baseline" or _count(value) is None:
        return None
    return '"baseline" or a whole number'


def _mock_classes(value: Any) -> str | None:
    if _str_list(value) is not None:
        return "a list of strings"
    bad = [v for v in value if v not in MOCK_CLASSES]
    if bad:
        return "a list of mock classes out of " + ", ".join(MOCK_CLASSES)
    return None


def _class_table(value: Any) -> str | None:
    if not isinstance(value, dict):
        return 'a table of class = ["module", ...], e.g. { database = ["mydb"] }'
    for name, modules in value.items():
        if name not in MOCK_CLASSES or _str_list(modules) is not None:
            return "a table whose keys are mock classes and whose values are lists of module names"
    return None


# section -> key -> validator.  "" is the top-level table.
SCHEMA: dict[str, dict[str, Validator]] = {
    "": {
        "packages": _str_list,
        "first-party": _str_list,
        "tests": _str_list,
        "exclude": _str_list,
        "python": _str,
        "baseline": _str,
        "rules": _str_list,
        "checks": _str_list,
        "cache-dir": _str,
        "max-file-size": _file_size,
    },
    "imports": {
        "timeout": _seconds,
        "exclude": _str_list,
        "include-main": _bool,
        "workers": _workers,
    },
    "mocks": {
        "allow": _mock_classes,
        "allow-targets": _str_list,
        "classes": _class_table,
    },
    "exits": {},
    "fallbacks": {},
    "mypy": {
        "args": _str_list,
        "targets": _str_list,
        "mypy": _str,
    },
    "coverage": {
        "fail-under": _percent,
        "changed-lines-fail-under": _percent,
        "paths": _path_floors,
        "run": _str,
        "data-file": _str,
    },
    "collect": {
        "min-tests": _min_tests,
        "args": _str_list,
    },
}


@dataclass
class ImportsConfig:
    timeout: float = 30.0
    exclude: list[str] = field(default_factory=list)
    include_main: bool = False
    workers: int = 0


@dataclass
class MocksConfig:
    allow: list[str] = field(default_factory=list)
    allow_targets: list[str] = field(default_factory=list)
    classes: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class MypyConfig:
    args: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    mypy: str | None = None


@dataclass
class CoverageConfig:
    fail_under: float | None = None
    changed_lines_fail_under: float | None = None
    paths: dict[str, float] = field(default_factory=dict)
    run: str | None = None
    data_file: str | None = None


@dataclass
class CollectConfig:
    min_tests: int | str | None = None
    args: list[str] = field(default_factory=list)


@dataclass
class Config:
    """The validated configuration; ``None``/empty means "use the default"."""

    file: Path | None = None
    packages: list[str] = field(default_factory=list)
    first_party: list[str] = field(default_factory=list)
    tests: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    python: str | None = None
    baseline: str = ".testguard-baseline.json"
    rules: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    cache_dir: str = ".testguard_cache"
    max_file_size: int = 10 * 1024 * 1024
    imports: ImportsConfig = field(default_factory=ImportsConfig)
    mocks: MocksConfig = field(default_factory=MocksConfig)
    mypy: MypyConfig = field(default_factory=MypyConfig)
    coverage: CoverageConfig = field(default_factory=CoverageConfig)
    collect: CollectConfig = field(default_factory=CollectConfig)
    raw: dict[str, Any] = field(default_factory=dict)
    pyproject: dict[str, Any] = field(default_factory=dict)


def _attr(key: str) -> str:
    return key.replace("-", "_")


def _suggest(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _validate(table: dict[str, Any], file: Path) -> None:
    for key, value in table.items():
        if key in SCHEMA and key:
            if not isinstance(value, dict):
                raise UsageError(f"{file}: [tool.testguard].{key} must be a table")
            section = SCHEMA[key]
            for sub, sub_value in value.items():
                if sub not in section:
                    raise UsageError(
                        f"{file}: unknown key '{sub}' in [tool.testguard.{key}]"
                        f"{_suggest(sub, list(section))}"
                    )
                expected = section[sub](sub_value)
                if expected:
                    raise UsageError(
                        f"{file}: [tool.testguard.{key}] '{sub}' must be {expected},"
                        f" not {sub_value!r}"
                    )
            continue
        if key not in SCHEMA[""]:
            known = list(SCHEMA[""]) + [k for k in SCHEMA if k]
            raise UsageError(
                f"{file}: unknown key '{key}' in [tool.testguard]{_suggest(key, known)}"
            )
        expected = SCHEMA[""][key](value)
        if expected:
            raise UsageError(
                f"{file}: [tool.testguard] '{key}' must be {expected}, not {value!r}"
            )


def read_toml(file: Path) -> dict[str, Any]:
    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{file} is not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{file} is not valid UTF-8: {exc}") from None


def from_table(table: dict[str, Any], file: Path | None) -> Config:
    """Builds a Config from an already-validated ``[tool.testguard]`` table."""
    config = Config(file=file, raw=table)
    sections = {
        "imports": config.imports,
        "mocks": config.mocks,
        "mypy": config.mypy,
        "coverage": config.coverage,
        "collect": config.collect,
    }
    for key, value in table.items():
        if key in sections:
            for sub, sub_value in value.items():
                setattr(sections[key], _attr(sub), sub_value)
        elif key in ("exits", "fallbacks"):
            continue
        else:
            setattr(config, _attr(key), value)
    config.imports.timeout = float(config.imports.timeout)
    config.imports.workers = int(config.imports.workers)
    config.max_file_size = int(config.max_file_size)
    return config


def load_config(root: Path, explicit: Path | None = None) -> Config:
    """Reads ``[tool.testguard]`` from ``explicit`` or ``root/pyproject.toml``.

    A missing pyproject.toml (or one without the table) gives the defaults;
    an explicit file that does not exist is an error.
    """
    file = explicit if explicit is not None else root / "pyproject.toml"
    if explicit is None and not file.is_file():
        return Config()
    if explicit is not None and not file.is_file():
        raise UsageError(f"config file {file} does not exist")
    data = read_toml(file)
    tool = data.get("tool", {})
    table = tool.get("testguard", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise UsageError(f"{file}: [tool.testguard] must be a table")
    _validate(table, file)
    config = from_table(table, file)
    config.pyproject = data
    return config
