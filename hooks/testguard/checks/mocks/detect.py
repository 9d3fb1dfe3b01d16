"""Finds every mock use in one test file: what it is, where, and what it targets.

One ast-grep rule (``checks/mocks/rules.yml``, ``mock-candidate``) finds the
candidate nodes in one pass; imports and ``mocker`` parameters are read here,
calls in ``calls.py``, names through ``names.py``; ``classify.py`` then says
what each target is.
"""

from __future__ import annotations

import re

from ast_grep_py import SgNode

from testguard.checks.mocks.calls import MOCKER, RULES, alias_rule, call_uses
from testguard.checks.mocks.names import FileNames
from testguard.checks.mocks.uses import Use, library_of, scope_of
from testguard.core import astgrep
from testguard.core.nodetext import compact
from testguard.core.static import FileContext
from testguard.core.typechecking import under_type_checking

_UNITTEST_MOCK = re.compile(r"unittest\s*\.\s*mock\b")


def import_uses(file: FileContext, node: SgNode) -> list[Use]:
    """TG201 where ruff's banned-api puts it: the alias of ``import``, the statement of ``from``."""
    uses: list[Use] = []
    if node.kind() == "import_statement":
        for child in node.field_children("name"):
            name_node = child.field("name") if child.kind() == "aliased_import" else child
            library = library_of(compact(name_node.text())) if name_node is not None else None
            if library:
                uses.append(Use(child, "import", "TG201", compact(child.text()), what=library))
        return uses
    module_node = node.field("module_name")
    if module_node is None:
        return uses
    module = compact(module_node.text())
    library = library_of(module)
    if library:
        return [Use(node, "import", "TG201", module, what=library)]
    for child in node.field_children("name"):
        name_node = child.field("name") if child.kind() == "aliased_import" else child
        if name_node is None:
            continue
        library = library_of(f"{module}.{compact(name_node.text())}")
        if library:
            uses.append(Use(child, "import", "TG201", f"{module}.{compact(name_node.text())}", what=library))
    return uses


def mocker_uses(file: FileContext, parameters: SgNode) -> list[Use]:
    uses = []
    for child in parameters.children():
        name = child.child(0) if child.kind() in ("typed_parameter", "default_parameter", "typed_default_parameter") else child
        if name is None or name.kind() != "identifier" or not MOCKER.match(name.text()):
            continue
        if name.text() not in file.imports.bindings:
            uses.append(Use(name, "mocker-fixture", "TG205", name.text(), what="pytest_mock", scope=scope_of(name)))
    return uses


def _imports_unittest_mock(file: FileContext) -> bool:
    """``import unittest.mock``, ``from unittest import mock``, ``from unittest.mock import …``."""
    for statement in file.imports.statements:
        if library_of(statement.module) == "unittest.mock":
            return True
        if statement.module == "unittest" and any(name == "mock" for name, _ in statement.names):
            return True
    return False


def _unittest_mock_entry(file: FileContext) -> SgNode | None:
    """Where the mock library enters a file that only does ``import unittest``: its first
    ``unittest.mock`` (None when an import of the library is already the file's TG201)."""
    if file.imports.bindings.get("unittest") != "unittest" or not _UNITTEST_MOCK.search(file.source.text):
        return None
    if _imports_unittest_mock(file):
        return None
    found = astgrep.builtin_rules(RULES)["mock-attribute"].find_all(file.tree)
    return min(found, key=lambda node: node.range().start.index, default=None)


def collect(file: FileContext) -> list[Use]:
    """Every mock use in the file, in one pass over its tree."""
    names = FileNames(file)
    uses: list[Use] = []
    calls: list[SgNode] = []
    for node in astgrep.builtin_rules(RULES)["mock-candidate"].find_all(file.tree):
        kind = node.kind()
        if kind == "call":
            calls.append(node)
        elif kind == "parameters":
            uses.extend(mocker_uses(file, node))
        elif not under_type_checking(node, file.imports):  # an annotation's import mocks nothing
            uses.extend(import_uses(file, node))
    entry = _unittest_mock_entry(file)
    if entry is not None:
        uses.append(Use(entry, "attribute", "TG201", "unittest.mock", what="unittest.mock"))
    alias = alias_rule(names)
    if alias is not None:
        calls.extend(file.tree.find_all(alias))
    return uses + call_uses(calls, names)
