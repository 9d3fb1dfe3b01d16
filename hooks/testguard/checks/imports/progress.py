"""A progress bar on stderr, only when stderr is a terminal."""

from __future__ import annotations

import time
from typing import TextIO

from testguard.checks.imports.runner import Progress

WIDTH = 30
# Redraw at most this often: thousands of modules finish in a few seconds.
INTERVAL = 0.1


def progress_bar(stream: TextIO) -> Progress | None:
    if not stream.isatty():
        return None
    last = [0.0]

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < INTERVAL:
            return
        last[0] = now
        filled = WIDTH * done // max(total, 1)
        end = "\n" if done >= total else ""
        stream.write(
            f"\rimports [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total} modules{end}"
        )
        stream.flush()

    return show
