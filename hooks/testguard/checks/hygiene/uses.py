"""TG802's other half: the names a test takes from the project's modules.

A test uses ``RateLimiter`` of ``mypkg.limits`` when it imports it (``from
mypkg.limits import RateLimiter``, at module level or inside a test), or imports
the module and reaches the name through it (``import mypkg.limits`` ...
``mypkg.limits.RateLimiter``).  Imports under ``if TYPE_CHECKING:`` do not count.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from testguard.checks.hygiene.placeholders import DEFINITION
from testguard.core.importgraph import UNPARSABLE, DepGraph, When, ancestors, from_base

RUNS: tuple[When, ...] = ("import", "function")


@dataclass(frozen=True)
class Reference:
    """``name`` taken from ``module`` at ``line`` of the test."""

    module: str
    name: str
    line: int


def _attribute_chains(text: str) -> Iterator[tuple[str, int]]:
    """Every dotted name the module's code uses (``a.b.C``), from its syntax tree."""
    try:
        tree = ast.parse(text)
    except UNPARSABLE:
        return
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not isinstance(node.ctx, ast.Load):
            continue
        parts = [node.attr]
        value = node.value
        while isinstance(value, ast.Attribute):
            parts.append(value.attr)
            value = value.value
        if isinstance(value, ast.Name):
            yield ".".join([value.id, *reversed(parts)]), node.lineno


_NAME = re.compile(r"\b[A-Za-z_]\w*")
_CHAIN = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


def _text_chains(text: str, roots: Iterable[str]) -> Iterator[tuple[str, int]]:
    """The same read from the text, for the chains that start with one of ``roots``
    (strings and comments too: ``exact`` confirms)."""
    found: list[tuple[int, str]] = []
    for root in roots:
        position = text.find(root + ".")
        while position >= 0:
            before = text[position - 1 : position]
            if not (before.isalnum() or before in ("_", ".")):
                match = _CHAIN.match(text, position)
                if match is not None:
                    found.append((position, match.group()))
            position = text.find(root + ".", position + 1)
    found.sort()
    line, counted = 1, 0
    for position, chain in found:
        line += text.count("\n", counted, position)
        counted = position
        yield chain, line


def _words_with_lines(text: str) -> Iterator[tuple[str, int]]:
    line, counted = 1, 0
    for match in _NAME.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        yield match.group(), line


def _public_names(text: str, exact: bool) -> Iterator[tuple[str, int]]:
    """Each public name the module's code reads, at its first line: what a star import may bind."""
    seen: set[str] = set()
    words: Iterator[tuple[str, int]]
    if exact:
        try:
            tree = ast.parse(text)
        except UNPARSABLE:
            return
        found = sorted(
            (node.lineno, node.id) for node in ast.walk(tree)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
        )
        words = ((word, line) for line, word in found)
    else:
        words = _words_with_lines(text)
    for word, line in words:
        if word not in seen and not word.startswith("_"):
            seen.add(word)
            yield word, line


class Uses:
    """What the modules of ``graph`` take from each other (built once per run)."""

    def __init__(self, graph: DepGraph) -> None:
        self.graph = graph
        # Namespace directories are no module, but a dotted name goes through them.
        self.through = {prefix for known in graph.known for prefix in ancestors(known)} | graph.known
        self._seen: dict[tuple[str, bool], list[Reference]] = {}
        self._definitions: dict[str, set[str]] = {}

    def references(self, name: str, exact: bool = False) -> list[Reference]:
        """The names module ``name`` takes from known modules.  ``exact``: read from its
        syntax tree (``graph.refine`` it first), not from its text."""
        key = (name, exact)
        if key not in self._seen:
            self._seen[key] = list(self._references(name, exact))
        return self._seen[key]

    def _defined(self, module: str) -> set[str]:
        """The top-level classes and functions of ``module`` (what a star import of it can bind
        that could be a stub), read once."""
        if module not in self._definitions:
            self._definitions[module] = {m[1] for m in DEFINITION.finditer(self.graph.text(module))}
        return self._definitions[module]

    def _starred(self, name: str) -> list[str]:
        """The known modules module ``name`` star-imports (``from mypkg.limits import *``)."""
        spec = self.graph.specs[name]
        found: list[str] = []
        for site in self.graph.sites(name):
            node = site.node
            if site.when in RUNS and isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
                base = from_base(node, spec)
                if base is not None and base in self.graph.known:
                    found.append(base)
        return found

    def _references(self, name: str, exact: bool) -> Iterator[Reference]:
        starred = self._starred(name)
        if starred:
            names = list(_public_names(self.graph.text(name), exact))
            for starred_module in starred:
                defined = self._defined(starred_module)
                for word, line in names:
                    if word in defined:
                        yield Reference(starred_module, word, line)
        modules: dict[str, str] = {}
        for binding in self.graph.bindings(name, RUNS):
            if binding.name is not None:
                yield Reference(binding.module, binding.name, binding.line)
            else:
                modules.setdefault(binding.bound, binding.module)
        if not modules:
            return
        text = self.graph.text(name)
        chains = _attribute_chains(text) if exact else _text_chains(text, modules)
        seen: set[str] = set()
        for chain, line in chains:
            first, _, rest = chain.partition(".")
            module = modules.get(first)
            if module is None or chain in seen:
                continue
            seen.add(chain)
            for part in rest.split("."):
                deeper = f"{module}.{part}"
                if deeper not in self.through:
                    yield Reference(module, part, line)
                    break
                module = deeper
