"""``[tool.testguard]`` in pyproject.toml: every key known, typed and validated.

The top-level keys are the core's; each ``[tool.testguard.<check>]`` table is
its check's ``Section`` (keys, validators, typed settings), validated here the
same way.  An unknown key or a value of the wrong type is a ``UsageError`` that
names the key and the file, and suggests the closest known key, so exit code 2
always comes with a message that says what to change.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from testguard.core.findings import UsageError
from testguard.core.options import MAX_FILE_SIZE, MAX_WORKERS, SECONDS_RANGE, valid_seconds

Validator = Callable[[object], str | None]
"""Returns None when the value is valid, else what was expected."""


def string(value: object) -> str | None:
    return None if isinstance(value, str) else "a string"


def boolean(value: object) -> str | None:
    return None if isinstance(value, bool) else "true or false"


def string_list(value: object) -> str | None:
    ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    return None if ok else "a list of strings"


def _finite(value: object) -> float | None:
    """The value when it is a finite number (TOML has nan and inf; a bool is not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value


def number(value: object) -> str | None:
    return None if _finite(value) is not None else "a number"


def percent(value: object) -> str | None:
    found = _finite(value)
    return None if found is not None and 0 <= found <= 100 else "a number from 0 to 100"


def seconds(value: object) -> str | None:
    found = _finite(value)
    return None if found is not None and valid_seconds(found) else SECONDS_RANGE


def _whole(value: object) -> float | None:
    """The value when it is a whole number (``1e7`` too: TOML writes big ones that way)."""
    found = _finite(value)
    return found if found is not None and float(found).is_integer() else None


def count(value: object) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return None if ok else "a whole number, 0 or more"


def _file_size(value: object) -> str | None:
    found = _whole(value)
    if found is None or not 1 <= found <= MAX_FILE_SIZE:
        return f"a whole number of bytes from 1 to {MAX_FILE_SIZE} (1 GiB)"
    return None


def workers(value: object) -> str | None:
    found = _whole(value)
    if found is None or not 0 <= found <= MAX_WORKERS:
        return f"a whole number from 0 (one per core) to {MAX_WORKERS}"
    return None


def _bad_glob(patterns: object) -> str | None:
    """The first of ``patterns`` (strings) that is no glob, and why (a ``[z-a]`` range)."""
    from testguard.core.globs import compile_glob

    for pattern in patterns if isinstance(patterns, (list, dict)) else ():
        try:
            compile_glob(str(pattern))
        except re.error as exc:
            return f"{pattern!r}: {exc.msg}"
    return None


def glob_list(value: object) -> str | None:
    if string_list(value) is not None:
        return "a list of strings"
    bad = _bad_glob(value)
    return None if bad is None else f"a list of valid globs ({bad})"


def _per_file_ignores(value: object) -> str | None:
    ok = isinstance(value, dict) and all(string_list(codes) is None for codes in value.values())
    if not ok:
        return 'a table of globs to lists of rule codes ({ "tests/legacy/**" = ["TG2"] })'
    bad = _bad_glob(value)
    return None if bad is None else f"a table whose keys are valid globs ({bad})"


# [tool.testguard] itself: the keys of the core (the checks' tables are their Sections).
TOP_LEVEL: dict[str, Validator] = {
    "packages": string_list,
    "first-party": string_list,
    "tests": glob_list,
    "exclude": glob_list,
    "python": string,
    "baseline": string,
    "rules": string_list,
    "checks": string_list,
    "cache-dir": string,
    "max-file-size": _file_size,
    "select": string_list,
    "extend-select": string_list,
    "ignore": string_list,
    "per-file-ignores": _per_file_ignores,
}

Settings = TypeVar("Settings", covariant=True)


@dataclass(frozen=True)
class Section(Generic[Settings]):
    """A check's table, ``[tool.testguard.<name>]``: a validator per key, and its typed settings."""

    name: str
    schema: Mapping[str, Validator]
    kind: type[Settings]
    """The settings: a dataclass whose fields are the keys (``fail-under`` -> ``fail_under``)."""
    static: bool = False
    """Its keys change what a static check finds: they are part of the static cache's key."""

    def build(self, table: Mapping[str, object]) -> Settings:
        """The settings of an already-validated table (the defaults for an empty one)."""
        return self.kind(**{_attr(key): value for key, value in table.items()})

    def of(self, config: Config) -> Settings:
        """This section's settings in ``config``."""
        found = config.sections.get(self.name)
        return found if isinstance(found, self.kind) else self.build({})


@dataclass(frozen=True)
class NoSettings:
    """The settings of a check whose table has no keys (yet)."""


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
    select: list[str] | None = None
    """None: not set (every rule, unless the command line selects); ``[]``: none."""
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    sections: dict[str, object] = field(default_factory=dict)
    """Each check's settings, by check name (``Section.of`` reads them)."""
    unscanned: frozenset[str] = frozenset()
    """The tables no static check reads (not part of the static cache's key)."""
    raw: dict[str, Any] = field(default_factory=dict)
    pyproject: dict[str, Any] = field(default_factory=dict)

    def static_table(self) -> dict[str, Any]:
        """The table without the sections no static check reads."""
        return {key: value for key, value in self.raw.items() if key not in self.unscanned}


def _attr(key: str) -> str:
    return key.replace("-", "_")


def _suggest(key: str, known: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _validate(table: dict[str, Any], file: Path, sections: Sequence[Section[object]]) -> None:
    by_name = {section.name: section for section in sections}
    for key, value in table.items():
        section = by_name.get(key)
        if section is not None:
            if not isinstance(value, dict):
                raise UsageError(f"{file}: [tool.testguard].{key} must be a table")
            schema = section.schema
            for sub, sub_value in value.items():
                if sub not in schema:
                    raise UsageError(
                        f"{file}: unknown key '{sub}' in [tool.testguard.{key}]"
                        f"{_suggest(sub, list(schema))}"
                    )
                expected = schema[sub](sub_value)
                if expected:
                    raise UsageError(
                        f"{file}: [tool.testguard.{key}] '{sub}' must be {expected},"
                        f" not {sub_value!r}"
                    )
            continue
        if key not in TOP_LEVEL:
            known = list(TOP_LEVEL) + list(by_name)
            raise UsageError(
                f"{file}: unknown key '{key}' in [tool.testguard]{_suggest(key, known)}"
            )
        expected = TOP_LEVEL[key](value)
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


def from_table(table: dict[str, Any], file: Path | None, sections: Sequence[Section[object]] = ()) -> Config:
    """Builds a Config from an already-validated ``[tool.testguard]`` table."""
    config = Config(file=file, raw=table)
    for key, value in table.items():
        if key in TOP_LEVEL:
            setattr(config, _attr(key), value)
    for section in sections:
        config.sections[section.name] = section.build(table.get(section.name, {}))
    config.unscanned = frozenset(section.name for section in sections if not section.static)
    config.max_file_size = int(config.max_file_size)
    return config


def load_config(root: Path, explicit: Path | None = None, sections: Sequence[Section[object]] = ()) -> Config:
    """Reads ``[tool.testguard]`` from ``explicit`` or ``root/pyproject.toml``.

    ``sections``: the checks' tables (``Check.config``); any other table is an
    unknown key.  A missing pyproject.toml (or one without the table) gives the
    defaults; an explicit file that does not exist is an error.
    """
    file = explicit if explicit is not None else root / "pyproject.toml"
    if explicit is None and not file.is_file():
        return Config()
    if explicit is not None and file.is_dir():
        raise UsageError(f"config file {file} is a directory, not a pyproject.toml file")
    if explicit is not None and not file.is_file():
        what = "is not a regular file" if file.exists() else "does not exist"
        raise UsageError(f"config file {file} {what}")
    data = read_toml(file)
    tool = data.get("tool", {})
    table = tool.get("testguard", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise UsageError(f"{file}: [tool.testguard] must be a table")
    _validate(table, file, sections)
    config = from_table(table, file, sections)
    config.pyproject = data
    return config
