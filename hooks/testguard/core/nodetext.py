"""What the text of a syntax node says: a name without its spacing, a string literal's value."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ast_grep_py import SgNode


def compact(text: str) -> str:
    """``sys . exit`` and ``sys.\\n    exit`` -> ``sys.exit``."""
    return "".join(text.split())


def dotted(node: SgNode | None) -> str | None:
    """``a.b.c`` for a plain name or attribute chain, else None."""
    if node is None or node.kind() not in ("identifier", "attribute"):
        return None
    text = compact(node.text())
    return text if all(p.isidentifier() for p in text.split(".")) else None


def literal(node: SgNode | None) -> str | None:
    """The value of a plain string literal (implicit concatenation too, over lines), else None."""
    if node is None or node.kind() not in ("string", "concatenated_string"):
        return None
    if node.find(kind="interpolation") is not None:
        return None
    try:
        value = ast.literal_eval(f"({node.text()})")  # parenthesised: implicit concatenation over lines
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None
