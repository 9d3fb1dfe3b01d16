"""Bounds of every number a user gives, on the command line and in config, and their argument
types; and ``--python``, declared once for the checks that run the project's interpreter.

Each number must be finite and in range: ``nan`` compares false with every
bound and ``inf`` overflows the clocks that timeouts are turned into, so both
are rejected here, at the edge, with a message that names the flag or key.
"""

from __future__ import annotations

import argparse
import math

MAX_SECONDS = 86_400.0
"""A day: far above any sane per-module or collection timeout, far below ``threading.TIMEOUT_MAX``."""
MAX_WORKERS = 256
MAX_SHARDS = 10_000
MAX_FILE_SIZE = 1 << 30
"""1 GiB: larger than any source file; tree-sitter cannot parse files past 4 GiB anyway."""
SECONDS_RANGE = f"a number of seconds greater than 0 and at most {MAX_SECONDS:g} (a day)"


def valid_seconds(value: float) -> bool:
    return math.isfinite(value) and 0 < value <= MAX_SECONDS


def seconds(value: str) -> float:
    """A positive, finite number of seconds, at most a day (``--timeout``)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {value!r}") from None
    if not valid_seconds(number):
        raise argparse.ArgumentTypeError(f"the timeout must be {SECONDS_RANGE}, not {value!r}")
    return number


def worker_count(value: str) -> int:
    """A number of worker processes, 0 (one per core) to MAX_WORKERS (``--workers``)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if not 0 <= number <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(
            f"the number of workers must be from 0 (one per core) to {MAX_WORKERS}, not {value!r}"
        )
    return number


def shard_spec(value: str) -> tuple[int, int]:
    """``I/N``: shard I of N, 1 <= I <= N <= MAX_SHARDS (``--shard``)."""
    try:
        index_text, count_text = value.split("/")
        index, count = int(index_text), int(count_text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected I/N such as 1/4, got {value!r}") from None
    if not 1 <= count <= MAX_SHARDS or not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"shard {value!r}: need 1 <= I <= N <= {MAX_SHARDS}")
    return index, count


def add_python(group: argparse._ActionsContainer, purpose: str = "") -> None:
    """``--python``, for the checks that run the project's interpreter (``RunOptions.python``)."""
    group.add_argument(
        "--python",
        metavar="PATH",
        help=f"the project's interpreter{purpose} (default: config, $VIRTUAL_ENV, .venv, venv, python3)",
    )
