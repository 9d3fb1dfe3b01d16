"""Where a setting is written: the file and line a project-level finding points at.

A floor that fails (total coverage, the collected-test count) is about the whole
project; its finding points at the line that sets the floor, so that every
finding reads ``path:line:col`` and an editor opens the place to change.  The
line is found by reading the file's lines (no TOML positions in tomllib): the
key inside its ``[tool.testguard.<table>]``, else the table's header, else
line 1.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from testguard.core.config import Config

_HEADER = re.compile(r"^\s*\[\s*([^\]\[]+?)\s*\]\s*(?:#.*)?$")


@dataclass(frozen=True)
class Place:
    path: str  # relative to the project root
    line: int


def _lines(file: Path) -> list[str]:
    try:
        return file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _shown(root: Path, file: Path) -> str | None:
    try:
        return file.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError):
        return None


def _table_name(header: str) -> str:
    return ".".join(part.strip().strip("\"'") for part in header.split("."))


def toml_key_line(lines: list[str], table: str, key: str | None) -> int | None:
    """The line of ``key`` in ``[table]`` (or of the header without ``key``); None when absent.

    ``key = …`` inside the table, or ``<last part>.key = …`` / ``<last part> = {…}``
    in its parent table, as TOML allows.
    """
    parent, _, last = table.rpartition(".")
    current = ""
    header_line: int | None = None
    for number, text in enumerate(lines, start=1):
        header = _HEADER.match(text)
        if header is not None and not text.lstrip().startswith("[["):
            current = _table_name(header.group(1))
            if current == table and header_line is None:
                header_line = number
            continue
        if key is None:
            continue
        if current == table and re.match(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=", text):
            return number
        if current == parent and re.match(rf"\s*{re.escape(last)}\s*(?:\.\s*{re.escape(key)}\s*)?=", text):
            return number
    return header_line


def setting(root: Path, config: Config, table: str, key: str | None = None) -> Place:
    """Where ``[tool.testguard.<table>] key`` is set (the project's pyproject.toml when
    nothing sets it, line 1)."""
    file = config.file if config.file is not None else root / "pyproject.toml"
    shown = _shown(root, file) or "pyproject.toml"
    line = toml_key_line(_lines(file), f"tool.testguard.{table}", key)
    return Place(shown, line or 1)


def in_file(root: Path, file: Path, pattern: str) -> Place | None:
    """The first line of ``file`` (inside the project) that matches ``pattern``; None when none does."""
    shown = _shown(root, file)
    if shown is None:
        return None
    compiled = re.compile(pattern)
    for number, text in enumerate(_lines(file), start=1):
        if compiled.search(text):
            return Place(shown, number)
    return None


def recorded_figure(root: Path, baseline: Path, key: str) -> Place | None:
    """The line of the baseline file that records the figure ``key`` (as ``render`` writes
    it); None when the file has no such line."""
    return in_file(root, baseline, re.escape(json.dumps(key)))
