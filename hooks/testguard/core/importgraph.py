"""Which modules import a given module when they are imported: a static reverse-import graph.

Only import-time edges count: imports at module level, in class bodies and in
``if``/``try``/``with`` blocks, plus ``importlib.import_module("literal")``;
not imports inside functions, not ``if TYPE_CHECKING:`` blocks.  Importing
``a.b.c`` also runs ``a`` and ``a.b``, so every module depends on its parent
packages.

The imports check builds it over the modules it found; any object with a
``name``, a ``path`` and ``is_package`` will do (``Module``).

The hygiene check reads it per statement: ``sites`` (each import statement,
its line, and whether it runs at import, in a function, or never), ``edges``
(what importing a module runs, without its own parent packages), ``bindings``
(the names a module imports), ``refine`` (the same, read exactly from the
syntax tree), and ``strongly_connected`` / ``shortest_cycle`` for its cycles.
"""

from __future__ import annotations

import ast
import bisect
import re
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from testguard.core.findings import Finding
from testguard.core.source import read_bytes


class Module(Protocol):
    """One importable module: its dotted name, the file that defines it, whether it is a package."""

    @property
    def name(self) -> str: ...

    @property
    def path(self) -> Path: ...

    @property
    def is_package(self) -> bool: ...


UNPARSABLE = (SyntaxError, ValueError, RecursionError, MemoryError)
"""What ``ast.parse`` raises on source it cannot read: CPython's parser gives up on deep
nesting (``1+1+...``, ``----1``) with RecursionError or a bare MemoryError."""

_WORD = re.compile(r"\w+")
# An import statement at the start of a line, with its parenthesised or
# backslash-continued rest.  Reading statements from the text instead of
# parsing whole files keeps the graph of a 1,500-module package under a second.
# A parenthesis is not followed past a line that starts another import (no name
# in the list can be ``from`` or ``import``): a file of unclosed ones must not be
# read to its end once for each.  A comment in the list may hold a ``)``; it is read
# to its line's end (``$``): one that may end anywhere backtracks exponentially in an
# unclosed list of commented lines.
_STATEMENT = re.compile(
    r"^(?P<indent>[ \t]*)(?P<stmt>"
    r"from[ \t]+[.\w]+[ \t]+import[ \t]*"
    r"(?:\([^)#\n]*(?:(?:#[^\n]*$|\n(?![ \t]*(?:from|import)[ \t]))[^)#\n]*)*\)|[^\\\n]*(?:\\[\s\S][^\\\n]*)*)"
    r"|import[ \t]+[^\\\n]*(?:\\[\s\S][^\\\n]*)*)",
    re.MULTILINE,
)
_DYNAMIC = re.compile(
    r"(?:import_module|__import__)\(\s*(?P<q>['\"])(?P<name>[\w.]+)(?P=q)"
)
_FUNCTION = re.compile(r"(?:async[ \t]+)?def\b|.*\blambda\b")
_TYPE_CHECKING = re.compile(r"if[ \t]+(?:typing\.)?TYPE_CHECKING[ \t]*:")


def import_statements(text: str) -> list[str]:
    """The import statements of a module that run when it is imported (as source text).

    Unlike ``read_sites`` it does not look for strings that span lines: a statement
    quoted in a docstring counts (erring towards more dependants)."""
    found: list[tuple[int, bool, str]] = []  # (line start, indented, statement)
    for match in _STATEMENT.finditer(text):
        found.append((match.start(), bool(match["indent"]), match["stmt"].replace("\\\n", " ")))
    if "import_module(" in text or "__import__(" in text:
        for match in _DYNAMIC.finditer(text):
            line_start = text.rfind("\n", 0, match.start()) + 1
            found.append((line_start, text[line_start : line_start + 1] in (" ", "\t"), f"import {match['name']}"))
    starts = {start for start, indented, _ in found if indented}
    whens = _whens(text, starts, []) if starts else {}
    return [statement for start, _, statement in found if whens.get(start, "import") == "import"]


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
    except UNPARSABLE:
        pass
    nodes: list[ast.stmt] = []
    for statement in statements:  # one odd statement must not hide the others
        try:
            nodes += ast.parse(statement.strip()).body
        except UNPARSABLE:
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
            base = from_base(node, spec)
            if not base:
                continue
            found.update(p for p in _prefixes(base) if p in known)
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    found.add(f"{base}.{alias.name}")
    found.discard(spec.name)
    return found


# Whitespace before the last form feed that starts a line: CPython's tokenizer resets the
# indentation there (``\f    import x`` is indented by four).
_FORM_FEED_INDENT = re.compile(r"^[ \t\f]*\f", re.MULTILINE)


def python_text(data: bytes) -> str:
    """Source as the statement reader sees what CPython does: bytes that are not UTF-8
    replaced, no byte order mark, ``\n`` for every line end (``\r\n`` and a lone ``\r`` end
    lines too), and no form feed in the indentation."""
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\f" in text:
        text = _FORM_FEED_INDENT.sub("", text)
    return text


def _read(path: Path) -> str | Finding:
    """The text of ``path`` (``python_text``), or why it cannot be read (``read_bytes``: a
    named pipe is not waited on)."""
    data = read_bytes(path.parent, path.name, sys.maxsize)
    return data if isinstance(data, Finding) else python_text(data)


# --- Every import statement, with its line and when it runs; edges; cycles ---
#
# The imports check needs only "who imports X at import time"; the hygiene check
# needs each statement's line (a finding points at it), imports inside functions
# too (a test may import what it tests there) and the names a statement binds.
# The same fast reading of the text serves both; ``DepGraph.refine`` re-reads the
# few modules a finding rests on with ``ast``, which a docstring quoting an import
# statement cannot fool.

When = Literal["import", "function", "type-checking"]
"""When a statement runs: when its module is imported, when a function is called,
or never (``if TYPE_CHECKING:``)."""

IMPORT_TIME: tuple[When, ...] = ("import",)


@dataclass(frozen=True)
class ImportSite:
    """One import statement of a module (``importlib.import_module("m")`` reads as ``import m``)."""

    line: int
    when: When
    node: ast.Import | ast.ImportFrom


@dataclass(frozen=True)
class Binding:
    """A name an import binds: a module (``name`` None) or a name imported from ``module``.

    ``bound`` is what the importer's code writes: ``np`` for ``import numpy as
    np``, ``os`` for ``import os.path`` (``os.path.join`` reaches the submodule
    through it).
    """

    bound: str
    module: str
    name: str | None
    line: int
    when: When


# A triple-quoted string to its end (escapes honoured; an unterminated one runs to the end).
_TRIPLE = re.compile(
    r'"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*(?:"""|\Z)'
    r"|'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*(?:'''|\Z)"
)
_TRIPLE_START = re.compile(r"\"\"\"|'''")
# What may come before a triple quote on its line: comments and one-line strings.
_LITERAL = re.compile(r'#[^\n]*|"(?:[^"\\\n]|\\.)*"|' r"'(?:[^'\\\n]|\\.)*'")


def _opens_string(prefix: str) -> bool:
    """Whether a triple quote after ``prefix`` (the start of its line) opens a string,
    rather than sitting in a comment or a one-line string."""
    if "#" not in prefix and '"' not in prefix and "'" not in prefix:
        return True
    rest: list[str] = []
    position = 0
    for literal in _LITERAL.finditer(prefix):
        if literal.group()[0] == "#":
            return False
        rest.append(prefix[position : literal.start()])
        position = literal.end()
    rest.append(prefix[position:])
    return not any(quote in part for part in rest for quote in "\"'#")


def _multiline_strings(text: str) -> list[tuple[int, int]]:
    """Where the strings that span lines are (start, end), in order: docstrings above all."""
    spans: list[tuple[int, int]] = []
    position = 0
    while (start := _TRIPLE_START.search(text, position)) is not None:
        line_start = text.rfind("\n", 0, start.start()) + 1
        if not _opens_string(text[line_start : start.start()]):
            position = start.end()
            continue
        string = _TRIPLE.match(text, start.start())
        end = string.end() if string else len(text)
        if text.find("\n", start.start(), end) >= 0:
            spans.append((start.start(), end))
        position = max(end, start.end())
    return spans


def _outside(spans: list[tuple[int, int]]) -> Callable[[int], bool]:
    """Whether a position is outside every span (positions asked in rising order)."""
    index = 0

    def outside(position: int) -> bool:
        nonlocal index
        while index < len(spans) and spans[index][1] <= position:
            index += 1
        return index == len(spans) or position < spans[index][0]

    return outside


# A line of code; not blank, not a comment, and not one that starts by closing a
# bracket: ``) -> int:`` ends a header whose ``def`` line encloses what follows.
_CODE_LINE = re.compile(r"^[ \t]*(?=[^ \t\r\n#)\]}])", re.MULTILINE)


def _whens(text: str, starts: set[int], strings: list[tuple[int, int]]) -> dict[int, When]:
    """When the statements on the lines starting at ``starts`` run, from the block headers
    above them (a header over several lines is one; lines in ``strings`` are none),
    in one pass over the module's lines."""
    found: dict[int, When] = {}
    enclosing: list[tuple[int, int]] = []  # (indentation, where its text starts), outermost first
    outside = _outside(strings)
    last = text.find("\n", max(starts, default=0))
    for line in _CODE_LINE.finditer(text, 0, len(text) if last < 0 else last):
        if strings and not outside(line.start()):
            continue
        width = line.end() - line.start()
        while enclosing and enclosing[-1][0] >= width:
            enclosing.pop()
        if line.start() in starts:
            when: When = "import"
            for _, at in enclosing:
                if _TYPE_CHECKING.match(text, at):
                    when = "type-checking"
                    break
                if _FUNCTION.match(text, at):
                    when = "function"
            found[line.start()] = when
        enclosing.append((width, line.end()))
    return found


def _parsed(statements: list[tuple[int, When, str]]) -> list[ImportSite]:
    """The statements parsed, each node with the line and time of the statement it came from."""
    sites: list[ImportSite] = []
    starts: list[int] = []
    joined: list[str] = []
    row = 1
    for _, _, statement in statements:
        text = statement.strip()
        starts.append(row)
        joined.append(text)
        row += text.count("\n") + 1
    try:
        body = ast.parse("\n".join(joined)).body
    except UNPARSABLE:
        body = []
        for start, text in zip(starts, joined):  # one odd statement must not hide the others
            try:
                nodes = ast.parse(text).body
            except UNPARSABLE:
                continue
            for node in nodes:
                node.lineno += start - 1
            body += nodes
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            line, when, _ = statements[bisect.bisect_right(starts, node.lineno) - 1]
            sites.append(ImportSite(line, when, node))
    return sites


def read_sites(text: str) -> list[ImportSite]:
    """Every import statement of a module, read from its text: fast, and what
    ``exact_sites`` reads but in rare cases (a line that only looks like the
    start of a statement; an import after ``;``)."""
    found: list[tuple[int, int, str]] = []  # (line start, indentation, statement)
    for match in _STATEMENT.finditer(text):
        found.append((match.start(), len(match["indent"]), match["stmt"].replace("\\\n", " ")))
    if "import_module(" in text or "__import__(" in text:
        for match in _DYNAMIC.finditer(text):
            line_start = text.rfind("\n", 0, match.start()) + 1
            before = text[line_start : match.start()]
            found.append((line_start, len(before) - len(before.lstrip(" \t")), f"import {match['name']}"))
    found.sort(key=lambda item: item[0])
    strings = _multiline_strings(text)
    if strings:
        outside = _outside(strings)
        found = [item for item in found if outside(item[0])]
    indented = {start for start, indent, _ in found if indent}
    whens = _whens(text, indented, strings) if indented else {}
    statements: list[tuple[int, When, str]] = []
    line, counted = 1, 0
    for start, _, statement in found:
        line += text.count("\n", counted, start)
        counted = start
        statements.append((line, whens.get(start, "import"), statement))
    return sorted(_parsed(statements), key=lambda site: site.line)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _dynamic(node: ast.Call) -> ast.Import | None:
    """``import_module("m")`` / ``importlib.import_module("m")`` / ``__import__("m")`` as ``import m``."""
    func = node.func
    called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if called not in ("import_module", "__import__") or not node.args:
        return None
    first = node.args[0]
    if not isinstance(first, ast.Constant) or not isinstance(first.value, str):
        return None
    if not all(part.isidentifier() for part in first.value.split(".")):
        return None
    return ast.Import(names=[ast.alias(name=first.value)], lineno=node.lineno, col_offset=node.col_offset)


def _statement_lists(node: ast.AST) -> Iterator[list[ast.stmt]]:
    """The blocks of statements directly inside ``node`` (bodies, branches, handlers, cases)."""
    for _, value in ast.iter_fields(node):
        if isinstance(value, list) and value:
            if isinstance(value[0], ast.stmt):
                yield value
            elif isinstance(value[0], (ast.excepthandler, ast.match_case)):
                for part in value:
                    yield part.body


def exact_sites(text: str) -> list[ImportSite] | None:
    """Every import statement of a module, from its syntax tree (None: it does not parse)."""
    try:
        tree = ast.parse(text)
    except UNPARSABLE:
        return None
    # Expressions are walked only when a call could import (``import_module("m")``):
    # statements alone are a small part of a tree.
    expressions = "import_module(" in text or "__import__(" in text
    sites: list[ImportSite] = []
    work: list[tuple[ast.AST, When]] = [(tree, "import")]
    while work:  # iterative: a deeply nested module must not hit the recursion limit
        node, when = work.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            sites.append(ImportSite(node.lineno, when, node))
            continue
        if isinstance(node, ast.Call) and (dynamic := _dynamic(node)) is not None:
            sites.append(ImportSite(node.lineno, when, dynamic))
        inner: When = "function" if when == "import" else when
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # Decorators and defaults run with the enclosing block; the body when called.
            if expressions:
                work.extend((child, when) for child in (*node.decorator_list, node.args))
            work.extend((child, inner) for child in node.body)
        elif isinstance(node, ast.Lambda):
            work.append((node.body, inner))
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            work.extend((child, "type-checking") for child in node.body)
            work.extend((child, when) for child in node.orelse)
        elif expressions:
            work.extend((child, when) for child in ast.iter_child_nodes(node))
        else:
            work.extend((child, when) for block in _statement_lists(node) for child in block)
    return sorted(sites, key=lambda site: (site.line, site.node.col_offset))


def ancestors(module: str) -> set[str]:
    """The packages that contain ``module``: importing it has started them already."""
    return set(list(_prefixes(module))[:-1])


def from_base(node: ast.ImportFrom, spec: Module) -> str | None:
    if node.level:
        return _resolve_relative(spec.name, spec.is_package, node.level, node.module)
    return node.module


def statement_targets(node: ast.Import | ast.ImportFrom, spec: Module, known: set[str]) -> list[str]:
    """The known modules that running ``node`` in ``spec`` runs, in order.

    ``import a.b.c`` runs ``a``, ``a.b`` and ``a.b.c``; ``from a.b import c``
    runs ``a``, ``a.b``, and ``a.b.c`` when that is a module.  A package that
    contains ``spec`` has been started before ``spec`` runs, so it only counts
    when the statement names it: ``import pkg`` or ``from pkg import name``
    (a name ``pkg``'s ``__init__`` must already have defined), never as the
    parent of a module the statement imports.
    """
    containing = ancestors(spec.name)
    found: list[str] = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            for prefix in _prefixes(alias.name):
                if prefix in known and (prefix == alias.name or prefix not in containing):
                    found.append(prefix)
    else:
        base = from_base(node, spec)
        if not base:
            return []
        submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in known]
        attributes = len(submodules) < len(node.names)
        for prefix in _prefixes(base):
            named = prefix == base and attributes
            if prefix in known and (named or prefix not in containing):
                found.append(prefix)
        found += submodules
    return [name for name in dict.fromkeys(found) if name != spec.name]


def statement_bindings(site: ImportSite, spec: Module, known: set[str]) -> list[Binding]:
    """The names ``site`` binds in ``spec`` that stand for known modules or names in them."""
    node = site.node
    found: list[Binding] = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                if alias.name in known:
                    found.append(Binding(alias.asname, alias.name, None, site.line, site.when))
            else:
                top = alias.name.split(".", 1)[0]
                found.append(Binding(top, top, None, site.line, site.when))
        return found
    base = from_base(node, spec)
    if not base:
        return found
    for alias in node.names:
        if alias.name == "*":
            continue
        bound = alias.asname or alias.name
        dotted = f"{base}.{alias.name}"
        if dotted in known:
            found.append(Binding(bound, dotted, None, site.line, site.when))
        elif base in known:
            found.append(Binding(bound, base, alias.name, site.line, site.when))
    return found


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
        self._texts: dict[Path, str] = {}
        self._sites: dict[Path, list[ImportSite]] = {}
        self._exact: set[Path] = set()
        self._targets: dict[tuple[str, tuple[When, ...]], tuple[list[ImportSite], dict[str, int]]] = {}
        """``edges`` worked out, with the sites they were read from."""
        self.unreadable: dict[Path, str] = {}
        """Files that could not be read (``sites``, ``text``), and why."""

    def _word_index(self) -> dict[str, list[str]]:
        if self._index is None:
            index: dict[str, list[str]] = defaultdict(list)
            for name, spec in self.specs.items():
                text = _read(spec.path)
                statements = import_statements(text if isinstance(text, str) else "")
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

    def package(self, name: str) -> str:
        """The nearest module that contains ``name`` ("" when none): importing ``name``
        runs it first (namespace directories between them are no module)."""
        parent = name.rpartition(".")[0]
        while parent and parent not in self.specs:
            parent = parent.rpartition(".")[0]
        return parent

    def dependants(self, changed: Iterable[str]) -> set[str]:
        """``changed`` plus every module whose import (transitively) imports one of them."""
        changed = set(changed)
        result = {name for name in changed if name in self.specs}
        frontier = sorted(name for name in changed if name in self.known)
        children: dict[str, list[str]] = defaultdict(list)
        for name in self.specs:
            if parent := self.package(name):
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

    # --- per statement (the hygiene check): lines, when each runs, what it binds ---

    def text(self, name: str) -> str:
        """The source of module ``name`` ("" when it cannot be read: see ``unreadable``)."""
        path = self.specs[name].path
        if path not in self._texts:
            text = _read(path)
            if isinstance(text, Finding):
                self.unreadable[path] = text.message.partition("; not checked")[0]
                text = ""
            self._texts[path] = text
        return self._texts[path]

    def sites(self, name: str) -> list[ImportSite]:
        """Every import statement of module ``name``, read from its text (``refine``: exactly)."""
        path = self.specs[name].path
        if path not in self._sites:
            self._sites[path] = read_sites(self.text(name))
        return self._sites[path]

    def refine(self, names: Iterable[str]) -> None:
        """Re-reads these modules' statements from their syntax trees (a module that
        does not parse keeps what its text says)."""
        for name in names:
            path = self.specs[name].path
            if path in self._exact:
                continue
            self._exact.add(path)
            exact = exact_sites(self.text(name))
            if exact is not None:
                self._sites[path] = exact

    def edges(self, name: str, when: Sequence[When] = IMPORT_TIME) -> dict[str, int]:
        """The known modules that importing ``name`` runs (``statement_targets``), each
        with the line of the first statement that does; only statements that run ``when``.
        Worked out once per reading of the module (callers must not change it)."""
        sites = self.sites(name)
        key = (name, tuple(when))
        cached = self._targets.get(key)
        if cached is not None and cached[0] is sites:  # not re-read by ``refine`` since
            return cached[1]
        spec = self.specs[name]
        found: dict[str, int] = {}
        for site in sites:
            if site.when in when:
                for target in statement_targets(site.node, spec, self.known):
                    found.setdefault(target, site.line)
        self._targets[key] = (sites, found)
        return found

    def bindings(self, name: str, when: Sequence[When] = IMPORT_TIME) -> list[Binding]:
        """The names module ``name`` binds to known modules, or to names in them."""
        spec = self.specs[name]
        return [
            binding
            for site in self.sites(name)
            if site.when in when
            for binding in statement_bindings(site, spec, self.known)
        ]


def strongly_connected(graph: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, in time linear in nodes plus edges.

    Iterative, so a deep chain of imports cannot reach the recursion limit.  Each
    component is sorted; they come dependencies first.  A node's targets that are
    not keys of ``graph`` are nodes without edges.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []

    def enter(node: str) -> tuple[str, Iterator[str]]:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        return node, iter(graph.get(node, ()))

    for root in graph:
        if root in index:
            continue
        work = [enter(root)]
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    work.append(enter(target))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
    return components


def shortest_cycle(start: str, graph: Mapping[str, Sequence[str]], members: set[str]) -> list[str]:
    """A shortest cycle through ``start`` within ``members`` (breadth-first, targets in
    the order given): ``[start, ..., start]``, or ``[]`` when there is none."""
    parent: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for target in graph.get(node, ()):
                if target not in members:
                    continue
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    return [start, *reversed(path[:-1]), start] if node != start else [start, start]
                if target not in parent:
                    parent[target] = node
                    following.append(target)
        frontier = following
    return []
