"""Which functions of a test file are CLI commands (click, typer): an exit in one is the framework's.

A test that defines a small command and runs it through ``CliRunner`` tests how
exit codes are handled; the runner catches the ``SystemExit``.  A decorator
counts only when it resolves, through the file's imports, to a CLI framework:

- ``click.command`` / ``click.group`` (also from ``rich_click`` and
  ``asyncclick``, which re-export click's API), with or without parentheses;
- ``<group>.command`` / ``<group>.group``, where ``<group>`` is a function
  decorated as a click group in this file, or a name assigned ``click.Group(...)``;
- ``<app>.command`` / ``<app>.callback``, where ``<app>`` is a name assigned
  ``typer.Typer(...)`` in this file.

A ``.command()`` of any other object (a name bound elsewhere, a parameter)
says nothing about what it is, so it does not count.
"""

from __future__ import annotations

from ast_grep_py import SgNode

from testguard.core.nodetext import compact, dotted
from testguard.core.pyimports import ImportMap

_CLICK_MODULES = ("click", "rich_click", "asyncclick")
_CLICK_COMMAND = frozenset(f"{m}.{name}" for m in _CLICK_MODULES for name in ("command", "decorators.command"))
_CLICK_GROUP = frozenset(f"{m}.{name}" for m in _CLICK_MODULES for name in ("group", "decorators.group"))
_CLICK_GROUP_CLASS = frozenset(f"{m}.{name}" for m in _CLICK_MODULES for name in ("Group", "core.Group"))
_TYPER_APP_CLASS = frozenset({"typer.Typer", "typer.main.Typer"})

_GROUP_METHODS = frozenset({"command", "group"})
_APP_METHODS = frozenset({"command", "callback"})


def _decorator_name(decorator: SgNode) -> str | None:
    """``cli.command`` for ``@cli.command("x")`` and ``@cli.command``; None for anything else."""
    expression = next((c for c in decorator.children() if c.is_named() and c.kind() != "comment"), None)
    if expression is not None and expression.kind() == "call":
        expression = expression.field("function")
    return dotted(expression)


def _decorators(definition: SgNode) -> list[str]:
    parent = definition.parent()
    if parent is None or parent.kind() != "decorated_definition":
        return []
    names = (_decorator_name(c) for c in parent.children() if c.kind() == "decorator")
    return [name for name in names if name is not None]


class CliCommands:
    """The CLI objects of one file, found once, and whether a function is a command."""

    def __init__(self, tree: SgNode, imports: ImportMap) -> None:
        self.imports = imports
        self.groups: set[str] = set()  # click groups: names whose .command()/.group() make commands
        self.apps: set[str] = set()  # typer apps: names whose .command()/.callback() make commands
        self._read_assignments(tree)
        self._read_group_functions(tree)

    def _read_assignments(self, tree: SgNode) -> None:
        for assignment in tree.find_all(kind="assignment"):
            left, right = assignment.field("left"), assignment.field("right")
            if left is None or right is None or left.kind() != "identifier" or right.kind() != "call":
                continue
            function = right.field("function")
            if function is None:
                continue
            made = self.imports.resolve(compact(function.text()))
            if made in _CLICK_GROUP_CLASS:
                self.groups.add(left.text())
            elif made in _TYPER_APP_CLASS:
                self.apps.add(left.text())

    def _read_group_functions(self, tree: SgNode) -> None:
        """Functions decorated as click groups (a group's ``.group()`` makes another one)."""
        definitions: list[tuple[str, SgNode]] = []
        for decorated in tree.find_all(kind="decorated_definition"):
            definition = decorated.field("definition")
            name_node = definition.field("name") if definition is not None else None
            if definition is not None and name_node is not None and definition.kind() == "function_definition":
                definitions.append((name_node.text(), definition))
        grew = True
        while grew:
            grew = False
            for function, definition in definitions:
                if function not in self.groups and any(self._makes_group(d) for d in _decorators(definition)):
                    self.groups.add(function)
                    grew = True

    def _makes_group(self, decorator: str) -> bool:
        if self.imports.resolve(decorator) in _CLICK_GROUP:
            return True
        owner, _, method = decorator.rpartition(".")
        return method == "group" and owner in self.groups and not self.imports.is_bound(owner)

    def _makes_command(self, decorator: str) -> bool:
        resolved = self.imports.resolve(decorator)
        if resolved in _CLICK_COMMAND or resolved in _CLICK_GROUP:
            return True
        owner, _, method = decorator.rpartition(".")
        if not owner or self.imports.is_bound(owner):
            return False
        return (owner in self.groups and method in _GROUP_METHODS) or (
            owner in self.apps and method in _APP_METHODS
        )

    def is_command(self, definition: SgNode) -> bool:
        """Whether the function ``definition`` is decorated as a CLI command, group or callback."""
        return any(self._makes_command(d) for d in _decorators(definition))
