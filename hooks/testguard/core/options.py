"""Argument types shared by the checks' command-line options."""

from __future__ import annotations

import argparse


def seconds(value: str) -> float:
    """A positive number of seconds (``--timeout``)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError("the timeout must be greater than 0")
    return number
