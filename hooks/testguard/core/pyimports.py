"""What the names of a file refer to: its imports, read from the ast-grep tree.

Scopes are flattened (an import inside a function counts for the whole file):
checks want to know what ``s.exit`` or ``bye`` *can* be, and a test file that
binds the same name to two different modules is rare enough to ignore.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ast_grep_py import SgNode

from testguard.core import astgrep
from testguard.core.nodetext import compact


@dataclass(frozen=True)
class ImportStatement:
    module: str  # the imported module (``a.b`` / ``.rel``)
    names: tuple[tuple[str, str], ...]  # (imported name, local name); empty for ``import x``
    line: int
    col: int
    end_line: int
    end_col: int
    node: SgNode = field(compare=False, hash=False)


@dataclass
class ImportMap:
    """local name -> the dotted name it is bound to."""

    bindings: dict[str, str] = field(default_factory=dict)
    statements: list[ImportStatement] = field(default_factory=list)

    def resolve(self, dotted: str) -> str:
        """``s.exit`` -> ``sys.exit`` when ``import sys as s``; unchanged otherwise."""
        head, _, rest = dotted.partition(".")
        target = self.bindings.get(head)
        if target is None:
            return dotted
        return f"{target}.{rest}" if rest else target

    def is_bound(self, name: str) -> bool:
        return name in self.bindings


IMPORT_KINDS = ("import_statement", "import_from_statement")
_QUERY: dict[str, Any] = {"rule": {"any": [{"kind": kind} for kind in IMPORT_KINDS]}}


def read_imports(root: SgNode) -> ImportMap:
    return imports_of(astgrep.find_all(root, _QUERY))


def imports_of(statements: Iterable[SgNode]) -> ImportMap:
    """The imports of a file from its import statements, in the order of the file."""
    result = ImportMap()
    for node in statements:
        line, col = astgrep.start(node)
        end_line, end_col = astgrep.end(node)
        if node.kind() == "import_statement":
            for child in node.field_children("name"):
                if child.kind() == "aliased_import":
                    name_node = child.field("name")
                    alias_node = child.field("alias")
                    if name_node is None or alias_node is None:
                        continue
                    module = compact(name_node.text())
                    result.bindings[alias_node.text()] = module
                else:
                    module = compact(child.text())
                    head = module.split(".", 1)[0]
                    result.bindings.setdefault(head, head)
                result.statements.append(
                    ImportStatement(module, (), line, col, end_line, end_col, node)
                )
            continue
        module_node = node.field("module_name")
        if module_node is None:
            continue
        module = compact(module_node.text())
        names: list[tuple[str, str]] = []
        for child in node.field_children("name"):
            if child.kind() == "aliased_import":
                name_node = child.field("name")
                alias_node = child.field("alias")
                if name_node is None or alias_node is None:
                    continue
                imported, local = compact(name_node.text()), alias_node.text()
            else:
                imported = compact(child.text())
                local = imported
            names.append((imported, local))
            sep = "" if module.endswith(".") else "."
            result.bindings[local] = f"{module}{sep}{imported}"
        if node.find({"rule": {"kind": "wildcard_import"}}) is not None:
            names.append(("*", "*"))
        result.statements.append(
            ImportStatement(module, tuple(names), line, col, end_line, end_col, node)
        )
    return result
