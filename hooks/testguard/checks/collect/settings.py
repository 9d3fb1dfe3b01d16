"""What a user sets for ``testguard collect``: its options."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TIMEOUT = 300.0


@dataclass(frozen=True)
class CollectOptions:
    """The options of ``testguard collect`` (defaults when another command runs the check)."""

    timeout: float | None = None
