"""How a run ends: SIGTERM unwinds like KeyboardInterrupt, and what the run started is stopped.

Kept apart from processes.py (subprocess, threading, sockets), so that a command
that starts no process -- a hook call on a few files -- never imports them:
processes.py registers its ``stop_all`` here when it is first imported.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType


class Terminated(BaseException):
    """SIGTERM, turned into an unwind like KeyboardInterrupt (exit status 143)."""


_at_end: list[Callable[[], None]] = []


def at_end(stop: Callable[[], None]) -> None:
    """Call ``stop`` when every ``contained()`` run ends, however it ends."""
    if stop not in _at_end:
        _at_end.append(stop)


def _terminate(number: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends testguard at once
    raise Terminated


@contextmanager
def contained() -> Iterator[None]:
    """For the CLI's run: SIGTERM unwinds, and nothing started is left running afterwards."""
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread: only the main thread can take signals
        installed = False
    else:
        installed = True
    try:
        yield
    finally:
        if installed:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
        for stop in list(_at_end):
            stop()
