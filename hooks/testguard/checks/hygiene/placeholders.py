"""TG802's placeholders: the top-level definitions of a module, and which of them are stubs.

A definition is found in the module's text (a ``class``/``def`` at column 0) and
only its own lines are parsed, so a check of the names the tests import costs a
small part of parsing the modules that define them.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from testguard.core.importgraph import UNPARSABLE

DEFINITION = re.compile(r"^(?:async[ \t]+def|def|class)[ \t]+(\w+)", re.MULTILINE)
_DECORATOR = re.compile(r"^@", re.MULTILINE)
_ABSTRACT = frozenset({"abstractmethod", "abstractproperty", "abstractclassmethod", "abstractstaticmethod"})

Definition = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef

# The tokens the screen reads: a string, a comment, a line end, brackets, any other run.
_TOKEN = re.compile(
    r'(?P<string>"""[\s\S]*?"""|' r"'''[\s\S]*?'''|" r'"(?:[^"\\\n]|\\.)*"|' r"'(?:[^'\\\n]|\\.)*')"
    r"|(?P<comment>#[^\n]*)|(?P<newline>\n)|(?P<open>[(\[{])|(?P<close>[)\]}])"
    r"|(?P<other>[^\n\"'#()\[\]{}]+)"
)
# What a statement of a stub starts with: a header, pass, ..., raise NotImplementedError
# (a docstring is a string token).
_STUB_STATEMENT = re.compile(r"(?:@|(?:async[ \t]+)?def\b|class\b|pass\b|\.\.\.|raise[ \t]+NotImplementedError\b)")


def stub_extent(text: str, first: int, header: int) -> int | None:
    """Where the definition whose decorators start at ``first`` and whose ``def`` or
    ``class`` line starts at ``header`` ends, when it could be a stub; None as soon as
    one of its statements is anything else (most definitions: they are not parsed)."""
    header_end = text.find("\n", header)
    if header_end < 0:
        return len(text)
    depth = 0
    line_start = True
    indented = False
    for token in _TOKEN.finditer(text, first):
        kind = token.lastgroup
        if kind == "newline":
            line_start, indented = True, False
            continue
        if kind == "comment" or not line_start:
            if kind == "open":
                depth += 1
            elif kind == "close":
                depth = max(depth - 1, 0)
            continue
        value = token.group()
        if kind == "other" and not value.strip(" \t\r\f"):
            indented = True  # the statement starts at the next token
            continue
        line_start = False
        if depth == 0:
            if not indented and kind in ("other", "string") and value[0] not in " \t" and token.start() > header_end:
                return token.start()  # a statement at column 0: the module goes on
            if kind == "other" and not _STUB_STATEMENT.match(value.lstrip(" \t")):
                return None
            if kind in ("open", "close"):
                return None
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(depth - 1, 0)
    return len(text)


@dataclass(frozen=True)
class Placeholder:
    """A stub; ``body`` says what it holds."""

    name: str
    kind: str  # "class" or "function"
    body: str
    line: int
    col: int
    end_line: int


def _last(expr: ast.expr) -> str:
    """``abc.abstractmethod`` -> ``abstractmethod``; ``Protocol[T]`` -> ``Protocol``."""
    if isinstance(expr, ast.Call):
        expr = expr.func
    if isinstance(expr, ast.Subscript):
        expr = expr.value
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return expr.id if isinstance(expr, ast.Name) else ""


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


def _is_nothing(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Pass) or (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and statement.value.value is Ellipsis
    )


def _raises_not_implemented(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Raise)
        and statement.exc is not None
        and _last(statement.exc) == "NotImplementedError"
    )


def _describe(body: list[ast.stmt]) -> str:
    if any(_raises_not_implemented(s) for s in body):
        return "only raises NotImplementedError"
    if any(isinstance(s, ast.Pass) for s in body):
        return "is only pass"
    if any(_is_nothing(s) for s in body):
        return "is only ..."
    return "is only a docstring"


def _stub_function(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Only pass, ..., a docstring or raise NotImplementedError; not abstract, not an overload."""
    if {_last(d) for d in node.decorator_list} & (_ABSTRACT | {"overload"}):
        return False
    return all(_is_docstring(s) or _is_nothing(s) or _raises_not_implemented(s) for s in node.body)


def _stub_methods(node: ast.ClassDef) -> list[str] | None:
    """The class's methods when it is a placeholder ([] for an empty body), else None.

    A class with a base (other than ``object``) or a metaclass inherits behaviour:
    an exception class, a ``Protocol``, a mixin combination, an ABC.  Without
    one it is a placeholder when its body holds nothing but stub methods.
    """
    if node.keywords or any(_last(base) != "object" for base in node.bases):
        return None
    methods: list[str] = []
    for statement in node.body:
        if _is_docstring(statement) or _is_nothing(statement):
            continue
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and _stub_function(statement):
            methods.append(statement.name)
            continue
        return None
    return methods


class Definitions:
    """The top-level classes and functions of one module's text, parsed on demand."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: dict[str, int] = {}
        for match in DEFINITION.finditer(text):
            self.starts[match[1]] = match.start()  # the last one wins, as when the module runs
        self._tree: ast.Module | None | bool = False

    def __contains__(self, name: str) -> bool:
        return name in self.starts

    def _whole(self, name: str) -> Definition | None:
        """From the whole module's tree: when the definition's own lines do not parse alone."""
        if self._tree is False:
            try:
                self._tree = ast.parse(self.text)
            except UNPARSABLE:
                self._tree = None
        if not isinstance(self._tree, ast.Module):
            return None
        found = None
        for node in self._tree.body:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
                found = node
        return found

    def node(self, name: str) -> tuple[Definition, int] | None:
        """The definition parsed from its own lines, and the line its text starts after;
        None when it is not there, or cannot be a stub (most definitions are not parsed)."""
        start = self.starts.get(name)
        if start is None:
            return None
        first = start
        while first > 0:  # the decorators above it belong to it
            previous = self.text.rfind("\n", 0, first - 1) + 1
            if not _DECORATOR.match(self.text, previous):
                break
            first = previous
        end = stub_extent(self.text, first, start)
        if end is None:
            return None
        segment = self.text[first:end]
        try:
            body = ast.parse(segment).body
        except UNPARSABLE:
            return self._located(name)
        if len(body) != 1 or not isinstance(body[0], (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            return self._located(name)
        return body[0], self.text.count("\n", 0, first)

    def _located(self, name: str) -> tuple[Definition, int] | None:
        node = self._whole(name)
        return None if node is None else (node, 0)

    def placeholder(self, name: str, exact: bool = False) -> Placeholder | None:
        """Top-level ``name`` when it is a stub.  ``exact``: from the whole module's tree
        (a definition quoted at column 0 inside a string cannot fool it), for the few found."""
        found = self._located(name) if exact else self.node(name)
        if found is None:
            return None
        node, offset = found
        if isinstance(node, ast.ClassDef):
            methods = _stub_methods(node)
            if methods is None:
                return None
            body = f"has only stub methods: {', '.join(methods)}" if methods else _describe(node.body)
            return _placeholder(node, "class", body, offset)
        if _stub_function(node):
            return _placeholder(node, "function", _describe(node.body), offset)
        return None


def _placeholder(node: Definition, kind: str, body: str, offset: int) -> Placeholder:
    end = node.end_lineno or node.lineno
    return Placeholder(node.name, kind, body, node.lineno + offset, node.col_offset + 1, end + offset)
