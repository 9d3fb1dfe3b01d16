"""Running a command in the project's own interpreter, contained and bounded."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from testguard.core import processes
from testguard.core.findings import UsageError

_TAIL_CHARS = 4000
# What is kept of a command's output: its first and its last bytes.
_HEAD_BYTES = 64 * 1024
_TAIL_BYTES = 1024 * 1024
_CHUNK = 64 * 1024


@dataclass
class Completed:
    """What the process did: its exit code (negative: killed by that signal), its output."""

    returncode: int
    output: str
    timed_out: bool = False

    def tail(self, chars: int = _TAIL_CHARS) -> str:
        text = self.output.strip()
        return text if len(text) <= chars else "…" + text[-chars:]

    def said(self) -> str:
        """The end of a message about this process: ``:`` and the tail of its output."""
        return f":\n{self.tail(1500)}" if self.tail() else " and printed nothing"


def signal_text(returncode: int) -> str:
    """``signal 11 (SIGSEGV)`` for a process killed by that signal (a negative return code)."""
    import signal

    number = -returncode
    try:
        return f"signal {number} ({signal.Signals(number).name})"
    except ValueError:
        return f"signal {number}"


def run_python(
    python: Path,
    args: Sequence[str],
    cwd: Path,
    *,
    env: Mapping[str, str] | None = None,
    pythonpath: Sequence[Path] = (),
    timeout: float | None = None,
) -> Completed:
    """``python args...`` in ``cwd``; stdout and stderr together, as a user sees them."""
    full_env = dict(os.environ if env is None else env)
    if pythonpath:
        parts = [str(p) for p in pythonpath]
        if full_env.get("PYTHONPATH"):
            parts.append(full_env["PYTHONPATH"])
        full_env["PYTHONPATH"] = os.pathsep.join(parts)
    try:
        started = processes.start(
            [str(python), *args], cwd=cwd, env=full_env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
    except OSError as exc:
        raise UsageError(
            f"cannot run the project's interpreter {python}: {exc.strerror or exc};"
            " point 'python' in [tool.testguard] at a working interpreter"
        ) from None
    kept = _Kept()
    stream = started.process.stdout
    assert stream is not None
    reader = threading.Thread(target=kept.drain, args=(stream,), daemon=True)
    timed_out = False
    try:
        reader.start()
        try:
            started.process.wait(timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
    finally:
        returncode = started.end()  # ends what is left: the pipe's last writers go with it
        reader.join()
        stream.close()
    text = kept.text()
    if timed_out:
        return Completed(returncode=-1, output=text, timed_out=True)
    return Completed(returncode, text)


class _Kept:
    """A command's output, bounded: its start and its end (the project's tests may print
    gigabytes; what testguard reads of it is a tail and the errors near the end)."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def drain(self, stream: IO[bytes]) -> None:
        try:
            while chunk := os.read(stream.fileno(), _CHUNK):
                self._add(chunk)
        except (OSError, ValueError):
            pass  # closed under us: the command was ended

    def _add(self, chunk: bytes) -> None:
        room = _HEAD_BYTES - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        self.tail += chunk
        if len(self.tail) > 2 * _TAIL_BYTES:
            self._trim()

    def _trim(self) -> None:
        cut = len(self.tail) - _TAIL_BYTES
        if cut > 0:
            self.dropped += cut
            del self.tail[:cut]

    def text(self) -> str:
        self._trim()
        gap = f"\n[… {self.dropped} bytes of output left out …]\n".encode() if self.dropped else b""
        return bytes(self.head + gap + self.tail).decode("utf-8", "replace")


def missing_module(completed: Completed, module: str) -> bool:
    """True when the interpreter said it has no ``module`` (``python -m module``)."""
    text = completed.output
    return completed.returncode != 0 and (
        f"No module named {module}" in text or f"No module named '{module}'" in text
    )
