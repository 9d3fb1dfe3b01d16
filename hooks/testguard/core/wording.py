"""Counted nouns in messages: ``1 file``, ``2 files``, ``3 baseline entries``."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``count`` and the noun in the right number; ``nouns`` when adding an s is wrong."""
    return f"{count} {noun}" if count == 1 else f"{count} {nouns or noun + 's'}"
