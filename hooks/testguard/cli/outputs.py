"""Where a report goes: stdout, ``--output``, ``--report FORMAT:FILE``, ``--summary``.

A report file is written whole or not at all: a regular file (or a new one) is
written beside its place and renamed over it, so a full disk or an interrupt
leaves the old file as it was; a symbolic link's target is written, the link
stays.  A pipe, a device or a name for an open file (``/dev/stdout``, which may
be the shell's ``>> log``) is written in place: a rename would put a new file
where it was.  The summary is appended to (it is GitHub's job
summary file); a failed append is cut back to where it started.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO, cast

from testguard.core.atomic import replace_file
from testguard.core.findings import UsageError

STDOUT_CLOSED = "stdout is closed, so the report has nowhere to go; write it to a file with --output FILE"


def stdout_or_fail() -> None:
    """A UsageError when the process was started without a stdout (``>&-``)."""
    if sys.stdout is None:
        raise UsageError(STDOUT_CLOSED)


def to_stdout(text: str) -> None:
    """``text`` on stdout; a reader that went away (``| head -1``) ends the writing, not the run."""
    stdout_or_fail()
    encoding = sys.stdout.encoding or "utf-8"
    try:
        sys.stdout.write(text.encode(encoding, "backslashreplace").decode(encoding))
        sys.stdout.flush()
    except BrokenPipeError:
        quiet(sys.stdout)


def quiet(stream: TextIO) -> None:
    """After a broken pipe: what is still buffered for ``stream`` goes nowhere, so that
    Python's flush at exit does not fail again ("Exception ignored ... BrokenPipeError",
    and exit status 120)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (a test's capture): nothing is flushed at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


class StderrUntilBroken(io.TextIOBase):
    """stderr that, once its reader is gone (``2>&1 | head -1``), drops what is written: a
    note nobody can read any more must not end the run with another exit code."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream
        self._broken = False

    @classmethod
    def around(cls, stream: TextIO) -> TextIO:
        return cast(TextIO, cls(stream))

    def write(self, text: str) -> int:
        if not self._broken:
            try:
                self._stream.write(text)
                self._stream.flush()
            except BrokenPipeError:
                self._break()
        return len(text)

    def flush(self) -> None:
        if not self._broken:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._break()

    def _break(self) -> None:
        self._broken = True
        quiet(self._stream)

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()


def _kind(path: str) -> int | None:
    try:
        return os.stat(path).st_mode
    except OSError:
        return None


def _in_place(path: str, mode: int | None) -> bool:
    """Whether ``path`` is written where it is, not replaced: a pipe, a device, or a name
    for an open file (``/dev/stdout``, ``/proc/self/fd/1``: the shell's ``>> log`` must stay
    an append, not become a new file)."""
    if mode is not None and not stat.S_ISREG(mode):
        return True
    names = (os.path.abspath(path), os.path.realpath(path))
    return any(name.startswith(("/dev/", "/proc/")) for name in names)


def distinct_targets(named: Sequence[tuple[str, str]]) -> None:
    """A UsageError when two outputs (``(option, path)``) name the same file: the later
    one would silently replace (or be appended to) the earlier one."""
    seen: dict[str, str] = {}
    for option, path in named:
        if _in_place(path, _kind(path)):
            continue  # /dev/null, a pipe, a terminal may take any number of reports
        key = os.path.realpath(path)
        if key in seen:
            raise UsageError(
                f"{seen[key]} and {option} both write {path}: give each report a file of its own"
            )
        seen[key] = option


def write_report(path: str, text: str, append: bool = False) -> None:
    """Writes ``text`` (UTF-8) to ``path`` whole, or raises a UsageError and leaves it as it was."""
    data = text.encode("utf-8", "backslashreplace")  # before any file is touched
    target = Path(os.path.realpath(path))
    try:
        mode = _kind(path)
        if _in_place(path, mode):
            with open(path, "ab") as handle:  # appending: the same as writing, to a pipe or a device
                handle.write(data)
            return
        if target.is_symlink():  # realpath stops at a loop: the link would be replaced
            raise OSError("it is a symbolic link that leads to no file (a loop)")
        if not target.parent.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
        if append:
            _append(target, data)
        else:
            _replace(target, data, mode)
    except OSError as exc:
        from testguard.core.container import write_hint

        raise UsageError(
            f"cannot write {path}: {exc.strerror or exc}{write_hint(target.parent, exc)}"
        ) from None


def _replace(target: Path, data: bytes, mode: int | None) -> None:
    try:
        replace_file(target, data, mode)
    except PermissionError:
        if mode is None:
            raise
        # A file that may be written in a directory that takes no new file: in place, then.
        with target.open("wb") as handle:
            handle.write(data)


def _append(target: Path, data: bytes) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        start = os.lseek(fd, 0, os.SEEK_END) if regular else 0
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        except BaseException:
            if regular:
                try:
                    os.ftruncate(fd, start)
                except OSError:
                    pass
            raise
    finally:
        os.close(fd)
