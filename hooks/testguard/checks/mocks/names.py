"""What the names and strings of one test file stand for: imports, constants, local objects."""

from __future__ import annotations

import builtins
import re

from ast_grep_py import SgNode

from testguard.checks.mocks.uses import MOCK_CLASSES, PATCH_LIBRARIES, library_of
from testguard.core.nodetext import compact, dotted, literal
from testguard.core.static import FileContext

# Other names for a MonkeyPatch: `mp: pytest.MonkeyPatch`, `mp = MonkeyPatch()`,
# `with MonkeyPatch.context() as mp:`, `with monkeypatch.context() as mp:`.
_MONKEYPATCH_BINDING = re.compile(
    r"\b(\w+)\s*(?::\s*[\w.]*MonkeyPatch\b|=\s*[\w.]*MonkeyPatch\b)"
    r"|(?:MonkeyPatch[\w.]*|monkeypatch\.context)\(\)\s+as\s+(\w+)"
)
_BUILTINS = frozenset(dir(builtins))
_THIS_MODULE = re.compile(r"sys\.modules\[__name__\]")
# A name only ever matches a whole identifier here (`\w+` up to a non-word character),
# so the sets these find answer what a search for `def NAME\b` would.
_TOP_LEVEL_DEFINITION = re.compile(r"^(?:async\s+)?(?:def|class)\s+(\w+)", re.MULTILINE)
_DEFINITION = re.compile(r"^\s*(?:async\s+)?(?:def|class)\s+(\w+)", re.MULTILINE)
_ASSIGNED = re.compile(r"^\s*(\w+)\s*=", re.MULTILINE)
_WORD = re.compile(r"\w+")


def string_value(node: SgNode | None, constants: dict[str, str]) -> str | None:
    """A string built from literals and the module's string constants: ``MODULE + ".requests"``,
    ``f"{MODULE}.requests"``; None when any part is not known."""
    if node is None:
        return None
    kind = node.kind()
    if kind == "identifier":
        return constants.get(node.text())
    if kind == "parenthesized_expression":
        inner = next((c for c in node.children() if c.is_named() and c.kind() != "comment"), None)
        return string_value(inner, constants)
    if kind == "binary_operator":
        operator = node.field("operator")
        if operator is None or operator.text() != "+":
            return None
        left = string_value(node.field("left"), constants)
        right = string_value(node.field("right"), constants)
        return left + right if left is not None and right is not None else None
    if kind == "concatenated_string":
        parts = [string_value(c, constants) for c in node.children() if c.kind() == "string"]
        return "".join(p for p in parts if p is not None) if all(p is not None for p in parts) else None
    if kind != "string":
        return None
    if node.find(kind="interpolation") is None:
        return literal(node)
    out: list[str] = []
    for child in node.children():
        if child.kind() == "string_content":
            out.append(child.text())
        elif child.kind() == "interpolation":
            inner = next((c for c in child.children() if c.is_named()), None)
            value = constants.get(inner.text()) if inner is not None and inner.kind() == "identifier" else None
            if value is None or len([c for c in child.children() if c.is_named()]) != 1:
                return None
            out.append(value)
    return "".join(out)


def test_module(path: str) -> str:
    """The dotted name of a test file: ``tests/test_x.py`` -> ``tests.test_x``.

    A target under it is the test's own code (``patch(f"{__name__}.A")``).
    """
    stem = path[: -len(".py")] if path.endswith(".py") else path
    return stem.removesuffix("/__init__").replace("/", ".")


def is_test_local(target: str | None, module: str) -> bool:
    return target is not None and (target == module or target.startswith(module + "."))


class FileNames:
    """How names in one test file resolve: imports, star imports, monkeypatch objects,
    and the file's own definitions (as ``<test module>.<name>``)."""

    def __init__(self, file: FileContext) -> None:
        self.file = file
        self.imports = file.imports
        self.module = test_module(file.path)
        self.star = [
            s.module for s in self.imports.statements
            if ("*", "*") in s.names and library_of(s.module) in PATCH_LIBRARIES
        ]
        self.constants = {"__name__": self.module}
        if "=" in file.source.text:
            self.constants.update(string_constants(file.tree, dict(self.constants)))
        self._locals: dict[str, str | None] | None = None
        # The names the file defines, read once (one scan of the text, not one a name).
        self._top_level: frozenset[str] | None = None
        self._anywhere: frozenset[str] | None = None
        self.monkeypatch = {"monkeypatch"}
        if "MonkeyPatch" in file.source.text or "monkeypatch.context" in file.source.text:
            for match in _MONKEYPATCH_BINDING.finditer(file.source.text):
                self.monkeypatch.add(match.group(1) or match.group(2))

    def resolve(self, text: str) -> str:
        head = text.split(".", 1)[0]
        if not self.imports.is_bound(head):
            if self.star and head in MOCK_CLASSES | {"patch"}:
                return f"{self.star[0]}.{text}"
            return text
        return self.imports.resolve(text)

    def object(self, node: SgNode | None) -> str | None:
        """What an object expression (``billing.requests``) is, through the imports."""
        if node is not None and _THIS_MODULE.fullmatch(compact(node.text())):
            return self.module  # sys.modules[__name__]
        name = dotted(node)
        if name is None:
            return None
        head = name.split(".", 1)[0]
        if self.imports.is_bound(head):
            return self.imports.resolve(name)
        if head in _BUILTINS and not self._defined(head):
            return f"builtins.{name}"
        parts = name.split(".")
        local = ".".join(parts[:2]) if head == "self" and len(parts) > 1 else head
        made = self._assigned(local)
        if made is None:
            own = self._defines(head) and node is not None and not _parameter_of_enclosing(node, head)
            return f"{self.module}.{name}" if own else None
        rest = name[len(local) :]
        return made + rest

    def _assigned(self, local: str) -> str | None:
        """``client = Client()`` / ``self.client = Client()`` anywhere in the file -> ``mypkg.Client``
        (only when every assignment to the name agrees)."""
        if self._locals is None:
            self._locals = self._read_assignments()
        return self._locals.get(local)

    def _read_assignments(self) -> dict[str, str | None]:
        """One pass over the file's assignments (made only when a target needs it)."""
        found: dict[str, str | None] = {}
        for assignment in self.file.tree.find_all(kind="assignment"):
            left = assignment.field("left")
            name = dotted(left)
            if name is None or name.count(".") > (1 if name.startswith("self.") else 0):
                continue
            right = assignment.field("right")
            if right is not None and right.kind() == "call":
                right = right.field("function")
            value = dotted(right)
            head = value.split(".", 1)[0] if value else ""
            resolved: str | None = None
            if value and self.imports.is_bound(head):
                resolved = self.imports.resolve(value)
            elif value and self._defines(head):
                resolved = f"{self.module}.{value}"  # an object of a class the test defines
            if name in found and found[name] != resolved:
                resolved = None
            found[name] = resolved
        return found

    def _defines(self, name: str) -> bool:
        """Whether the file defines a function or class ``name`` at module level (its own code)."""
        if not _WORD.fullmatch(name):  # an identifier with a character `\w` does not match
            return re.search(rf"^(?:async\s+)?(?:def|class)\s+{re.escape(name)}\b", self.file.source.text, re.MULTILINE) is not None
        if self._top_level is None:
            self._top_level = frozenset(_TOP_LEVEL_DEFINITION.findall(self.file.source.text))
        return name in self._top_level

    def _defined(self, name: str) -> bool:
        """Whether a line of the file defines ``name`` (``def``, ``class``) or assigns it."""
        if not _WORD.fullmatch(name):
            return re.search(rf"^\s*(?:async\s+)?(?:def|class)\s+{re.escape(name)}\b|^\s*{re.escape(name)}\s*=", self.file.source.text, re.MULTILINE) is not None
        if self._anywhere is None:
            text = self.file.source.text
            self._anywhere = frozenset(_DEFINITION.findall(text)) | frozenset(_ASSIGNED.findall(text))
        return name in self._anywhere


def _parameter_of_enclosing(node: SgNode, name: str) -> bool:
    """Whether ``name`` is a parameter of a function around ``node`` (a fixture's value, say,
    named like a function of the file)."""
    for ancestor in node.ancestors():
        if ancestor.kind() not in ("function_definition", "lambda"):
            continue
        parameters = ancestor.field("parameters")
        if parameters is not None and name in _parameter_names(parameters):
            return True
    return False


def _parameter_names(parameters: SgNode) -> set[str]:
    names: set[str] = set()
    for child in parameters.children():
        kind = child.kind()
        if kind == "identifier":
            names.add(child.text())
        elif kind in ("default_parameter", "typed_default_parameter"):
            name = child.field("name")
            if name is not None:
                names.add(name.text())
        elif kind in ("typed_parameter", "list_splat_pattern", "dictionary_splat_pattern"):
            first = next((c for c in child.children() if c.kind() == "identifier"), None)
            inner = first or child.find(kind="identifier")
            if inner is not None:
                names.add(inner.text())
    return names


def string_constants(tree: SgNode, known: dict[str, str] | None = None) -> dict[str, str]:
    """Module-level ``NAME = "a.b"``: patch targets are often built from one (or from ``known``)."""
    constants: dict[str, str] = dict(known or {})
    for statement in tree.children():
        assignment = statement.child(0) if statement.kind() == "expression_statement" else None
        if assignment is None or assignment.kind() != "assignment":
            continue
        left, right = assignment.field("left"), assignment.field("right")
        if left is not None and left.kind() == "identifier":
            value = string_value(right, constants)
            if value is not None:
                constants[left.text()] = value
    return constants
