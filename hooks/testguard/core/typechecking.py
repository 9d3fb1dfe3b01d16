"""Code under ``if TYPE_CHECKING:``: read by type checkers, never run.

An import there binds a name for annotations only; it mocks nothing and hides
no import failure, so no check reports it.  Only the ``if`` branch counts (its
``elif``/``else`` branches run), and ``TYPE_CHECKING`` is recognised bare (from
``typing``, ``typing_extensions`` or a module's own ``TYPE_CHECKING = False``)
or spelled through the module (``typing.TYPE_CHECKING``, ``t.TYPE_CHECKING``
after ``import typing as t``).
"""

from __future__ import annotations

from ast_grep_py import SgNode

from testguard.core.astgrep import encloses
from testguard.core.nodetext import compact
from testguard.core.pyimports import ImportMap

_FLAGS = frozenset({"TYPE_CHECKING", "typing.TYPE_CHECKING", "typing_extensions.TYPE_CHECKING"})


def _is_flag(condition: SgNode, imports: ImportMap) -> bool:
    text = compact(condition.text())
    return text == "TYPE_CHECKING" or imports.resolve(text) in _FLAGS


def under_type_checking(node: SgNode, imports: ImportMap) -> bool:
    """Whether ``node`` is in the body of an ``if TYPE_CHECKING:`` (at any depth)."""
    for ancestor in node.ancestors():
        if ancestor.kind() != "if_statement":
            continue
        condition, body = ancestor.field("condition"), ancestor.field("consequence")
        if condition is not None and body is not None and encloses(body, node) and _is_flag(condition, imports):
            return True
    return False
