"""A mock use, and the mock libraries' names: what every part of the check shares."""

from __future__ import annotations

from dataclasses import dataclass

from ast_grep_py import SgNode

MOCK_LIBRARIES = ("unittest.mock", "mock", "pytest_mock", "asynctest")
# Libraries whose module-level functions patch or build mocks.
PATCH_LIBRARIES = ("unittest.mock", "mock", "asynctest")
PATCHERS = {"patch": "patch", "patch.object": "patch.object", "patch.dict": "patch.dict", "patch.multiple": "patch.multiple"}
MOCK_CLASSES = frozenset(
    {
        "Mock", "MagicMock", "AsyncMock", "NonCallableMock", "NonCallableMagicMock", "PropertyMock",
        "ThreadingMock", "CoroutineMock", "CoroutineFunctionMock", "create_autospec", "mock_open",
    }
)


@dataclass
class Use:
    """One mock use; ``target`` is dotted and resolved through the test file's imports."""

    node: SgNode
    kind: str
    code: str
    written: str
    target: str | None = None
    what: str = ""  # the mock library (imports) or the constructor (mock objects)
    scope: int | None = None  # start of the enclosing test/fixture/helper; None: module level
    cls: str = "unknown"
    resolved: str | None = None
    part: str | None = None  # stdlib: which part of it, when known

    @property
    def targeted(self) -> bool:
        """Patches and mock objects: uses that replace something (not imports, not fixtures)."""
        return self.code in ("TG202", "TG203", "TG204")


def scope_of(node: SgNode) -> int | None:
    """Start of the function a node belongs to (a decorator belongs to what it decorates)."""
    for ancestor in node.ancestors():
        kind = ancestor.kind()
        if kind == "function_definition":
            return ancestor.range().start.index
        if kind == "decorator":
            parent = ancestor.parent()
            definition = parent.field("definition") if parent is not None else None
            if definition is not None and definition.kind() == "function_definition":
                return definition.range().start.index
            return None
        if kind == "class_definition":
            return None
    return None


def library_of(module: str) -> str | None:
    """The mock library a module belongs to (``unittest.mock`` for ``unittest.mock.patch``)."""
    for library in MOCK_LIBRARIES:
        if module == library or module.startswith(library + "."):
            return library
    return None


def mock_name(resolved: str) -> tuple[str, str] | None:
    """(library, name inside it) for ``unittest.mock.patch.object`` and friends."""
    for library in PATCH_LIBRARIES:
        if resolved.startswith(library + "."):
            name = resolved[len(library) + 1 :]
            if library == "mock" and name.startswith("mock."):
                name = name[len("mock.") :]
            return library, name
    return None
