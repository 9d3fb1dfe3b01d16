"""Which modules import a given module when they are imported: a static reverse-import graph.

Only import-time edges count: imports at module level, in class bodies and in
``if``/``try``/``with`` blocks, plus ``importlib.import_module("literal")``;
not imports inside functions, not ``if TYPE_CHECKING:`` blocks.  Importing
``a.b.c`` also runs ``a`` and ``a.b``, so every module depends on its parent
packages.

The imports check builds it over the modules it found; any object with a
``name``, a ``path`` and ``is_package`` will do (``Module``).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Protocol


class Module(Protocol):
    """One importable module: its dotted name, the file that defines it, whether it is a package."""

    @property
    def name(self) -> str: ...

    @property
    def path(self) -> Path: ...

    @property
    def is_package(self) -> bool: ...


_WORD = re.compile(r"\w+")
# An import statement at the start of a line, with its parenthesised or
# backslash-continued rest.  Reading statements from the text instead of
# parsing whole files keeps the graph of a 1,500-module package under a second.
_STATEMENT = re.compile(
    r"^(?P<indent>[ \t]*)(?P<stmt>"
    r"from[ \t]+[.\w]+[ \t]+import[ \t]*(?:\([^)]*\)|[^\\\n]*(?:\\[\s\S][^\\\n]*)*)"
    r"|import[ \t]+[^\\\n]*(?:\\[\s\S][^\\\n]*)*)",
    re.MULTILINE,
)
_DYNAMIC = re.compile(
    r"(?:import_module|__import__)\(\s*(?P<q>['\"])(?P<name>[\w.]+)(?P=q)"
)
_FUNCTION = re.compile(r"(?:async[ \t]+)?def\b|.*\blambda\b")
_TYPE_CHECKING = re.compile(r"if[ \t]+(?:typing\.)?TYPE_CHECKING[ \t]*:")


def _runs_at_import(text: str, line_start: int, indent: int) -> bool:
    """False when the line is inside a function or an ``if TYPE_CHECKING:`` block.

    Walks up to each enclosing block header (the nearest line above with less
    indentation).  Errs towards True, which only adds dependants.
    """
    position = line_start
    current = indent
    while current > 0 and position > 0:
        end = position - 1
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        position = start
        stripped = line.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        width = len(line) - len(stripped)
        if width >= current:
            continue
        current = width
        if _FUNCTION.match(stripped) or _TYPE_CHECKING.match(stripped):
            return False
    return True


def import_statements(text: str) -> list[str]:
    """The import statements of a module that run when it is imported (as source text)."""
    found = []
    for match in _STATEMENT.finditer(text):
        indent = len(match["indent"])
        if indent and not _runs_at_import(text, match.start(), indent):
            continue
        found.append(match["stmt"].replace("\\\n", " "))
    if "import_module(" not in text and "__import__(" not in text:
        return found
    for match in _DYNAMIC.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        line = text[line_start : match.start()]
        indent = len(line) - len(line.lstrip(" \t"))
        if indent and not _runs_at_import(text, line_start, indent):
            continue
        found.append(f"import {match['name']}")
    return found


def _prefixes(dotted: str) -> Iterator[str]:
    parts = dotted.split(".")
    for end in range(1, len(parts) + 1):
        yield ".".join(parts[:end])


def _resolve_relative(
    module: str, is_package: bool, level: int, target: str | None
) -> str | None:
    package = module if is_package else module.rpartition(".")[0]
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    if target:
        base.append(target)
    return ".".join(base) or None


def _nodes(statements: list[str]) -> list[ast.stmt]:
    try:
        return ast.parse("\n".join(s.strip() for s in statements)).body
    except (SyntaxError, ValueError):
        pass
    nodes: list[ast.stmt] = []
    for statement in statements:  # one odd statement must not hide the others
        try:
            nodes += ast.parse(statement.strip()).body
        except (SyntaxError, ValueError):
            continue
    return nodes


def imported_modules(
    statements: list[str], spec: Module, known: set[str]
) -> set[str]:
    """The known modules that importing ``spec`` imports directly."""
    found: set[str] = set()
    for node in _nodes(statements):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.update(p for p in _prefixes(alias.name) if p in known)
        elif isinstance(node, ast.ImportFrom):
            base = (
                _resolve_relative(spec.name, spec.is_package, node.level, node.module)
                if node.level
                else node.module
            )
            if not base:
                continue
            found.update(p for p in _prefixes(base) if p in known)
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    found.add(f"{base}.{alias.name}")
    found.discard(spec.name)
    return found


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return ""


class DepGraph:
    """Reads every module's import statements once; resolves them lazily, only for
    modules whose statements mention the name of the module being followed."""

    def __init__(self, specs: Sequence[Module], gone: Iterable[str] = ()) -> None:
        """``gone``: modules that no longer exist (deleted) but may still be imported."""
        self.specs = {spec.name: spec for spec in specs}
        self.known = set(self.specs) | set(gone)
        self._edges: dict[str, set[str]] = {}
        self._index: dict[str, list[str]] | None = None
        self._statements: dict[str, list[str]] = {}

    def _word_index(self) -> dict[str, list[str]]:
        if self._index is None:
            index: dict[str, list[str]] = defaultdict(list)
            for name, spec in self.specs.items():
                statements = import_statements(_read(spec.path))
                self._statements[name] = statements
                for word in set(_WORD.findall(" ".join(statements))):
                    index[word].append(name)
            self._index = index
        return self._index

    def imports_of(self, name: str) -> set[str]:
        if name not in self._edges:
            self._word_index()
            spec = self.specs[name]
            self._edges[name] = imported_modules(
                self._statements[name], spec, self.known
            )
        return self._edges[name]

    def dependants(self, changed: Iterable[str]) -> set[str]:
        """``changed`` plus every module whose import (transitively) imports one of them."""
        changed = set(changed)
        result = {name for name in changed if name in self.specs}
        frontier = sorted(name for name in changed if name in self.known)
        children: dict[str, list[str]] = defaultdict(list)
        for name in self.specs:
            parent = name.rpartition(".")[0]
            while parent and parent not in self.specs:  # namespace directories
                parent = parent.rpartition(".")[0]
            if parent:
                children[parent].append(name)
        while frontier:
            target = frontier.pop()
            candidates = list(children.get(target, ()))
            last = target.rpartition(".")[2]
            for name in self._word_index().get(last, ()):
                if name not in result and target in self.imports_of(name):
                    candidates.append(name)
            for name in candidates:
                if name not in result:
                    result.add(name)
                    frontier.append(name)
        return result
