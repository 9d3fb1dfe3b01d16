"""What the names and strings of one test file stand for: imports, constants, local objects."""

from __future__ import annotations

import builtins
import re

from ast_grep_py import SgNode

from testguard.checks.mocks.uses import MOCK_CLASSES, PATCH_LIBRARIES, library_of
from testguard.core.nodetext import dotted, literal
from testguard.core.static import FileContext

# Other names for a MonkeyPatch: `mp: pytest.MonkeyPatch`, `mp = MonkeyPatch()`,
# `with MonkeyPatch.context() as mp:`, `with monkeypatch.context() as mp:`.
_MONKEYPATCH_BINDING = re.compile(
    r"\b(\w+)\s*(?::\s*[\w.]*MonkeyPatch\b|=\s*[\w.]*MonkeyPatch\b)"
    r"|(?:MonkeyPatch[\w.]*|monkeypatch\.context)\(\)\s+as\s+(\w+)"
)
_BUILTINS = frozenset(dir(builtins))


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


class FileNames:
    """How names in one test file resolve: imports, star imports, monkeypatch objects."""

    def __init__(self, file: FileContext) -> None:
        self.file = file
        self.imports = file.imports
        self.star = [
            s.module for s in self.imports.statements
            if ("*", "*") in s.names and library_of(s.module) in PATCH_LIBRARIES
        ]
        self.constants = string_constants(file.tree) if "=" in file.source.text else {}
        self._locals: dict[str, str | None] | None = None
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
            return None
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
            resolved = self.imports.resolve(value) if value and self.imports.is_bound(head) else None
            if name in found and found[name] != resolved:
                resolved = None
            found[name] = resolved
        return found

    def _defined(self, name: str) -> bool:
        return re.search(rf"^\s*(?:async\s+)?(?:def|class)\s+{name}\b|^\s*{name}\s*=", self.file.source.text, re.MULTILINE) is not None


def string_constants(tree: SgNode) -> dict[str, str]:
    """Module-level ``NAME = "a.b"``: patch targets are often built from one."""
    constants: dict[str, str] = {}
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
