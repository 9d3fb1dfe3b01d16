"""Import one module in this process, contained: what happened, however it ended.

Part of the worker (standard library only, Python 3.9+, loaded by path from
worker.py, nothing from testguard): the protocol's lines, the description of
an exception, the trap that reports ``os._exit``/``os.abort`` and kills before
they happen, the faulthandler watchdog, and ``watch``, which follows one forked
child importing one module and says how it ended.
"""

from __future__ import annotations

import faulthandler
import importlib
import json
import os
import select
import signal
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    Message = dict[str, Any]

STACK_LIMIT = 64 * 1024
NOTE_LIMIT = 4000  # below Linux's PIPE_BUF
# Extra time the monitor grants past the child's own watchdog before SIGKILL.
GRACE = 3.0


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def send(fd: int, message: Message) -> None:
    write_all(fd, (json.dumps(message) + "\n").encode("utf-8"))


class LineReader:
    """Unbuffered-by-Python line reader, so forked processes share no buffer surprises."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""

    def fill(self) -> bool:
        """Read what is there; False at end of file."""
        chunk = os.read(self.fd, 65536)
        self.buffer += chunk
        return bool(chunk)

    def take(self) -> bytes:
        """The first complete line, or whatever is left at end of file."""
        line, newline, rest = self.buffer.partition(b"\n")
        self.buffer = rest
        return line + newline

    def readline(self) -> bytes:
        while b"\n" not in self.buffer:
            if not self.fill():
                break
        return self.take()


def qualified_name(exc: BaseException) -> str:
    cls = type(exc)
    if cls.__module__ in ("builtins", "__main__"):
        return cls.__qualname__
    return cls.__module__ + "." + cls.__qualname__


# An exception's text in a finding: enough to see what it says, not a megabyte dump.
TEXT_LIMIT = 2000


def bounded(text: str) -> str:
    if len(text) <= TEXT_LIMIT:
        return text
    return f"{text[:TEXT_LIMIT]}… ({len(text) - TEXT_LIMIT} characters left out)"


def safe_str(value: object) -> str:
    try:
        return bounded(str(value))
    except BaseException:  # noqa: BLE001 -- a broken __str__ must not break the report
        return "<unprintable>"


def safe_repr(value: object) -> str:
    try:
        return bounded(repr(value))
    except BaseException:  # noqa: BLE001 -- a broken __repr__ must not break the report
        return f"<unprintable {type(value).__name__}>"


def frames_of(tb: Any) -> list[list[Any]]:
    frames = []
    while tb is not None:
        code = tb.tb_frame.f_code
        if not code.co_filename.startswith("<frozen importlib"):
            frames.append([code.co_filename, tb.tb_lineno, code.co_name])
        tb = tb.tb_next
    return frames


def current_frames() -> list[list[Any]]:
    """The caller's caller's stack, outermost first."""
    frames = []
    frame = sys._getframe(2)
    while frame is not None:
        code = frame.f_code
        if not code.co_filename.startswith("<frozen importlib"):
            frames.append([code.co_filename, frame.f_lineno, code.co_name])
        frame = frame.f_back  # type: ignore[assignment]
    frames.reverse()
    return frames


def is_exit(exc: BaseException) -> bool:
    if isinstance(exc, SystemExit):
        return True
    cls = type(exc)
    return cls.__name__ == "Exit" and cls.__module__.startswith("_pytest")


def describe(exc: BaseException) -> Message:
    message: Message = {
        "status": "exit" if is_exit(exc) else "error",
        "type": qualified_name(exc),
        "message": safe_str(exc),
        "frames": frames_of(exc.__traceback__),
    }
    if isinstance(exc, SystemExit):
        message["how"] = "sys.exit(%s)" % ("" if exc.code is None else safe_repr(exc.code))
    elif message["status"] == "exit":
        message["how"] = f"pytest.exit({safe_str(exc)!r})"  # safe_str cut it: cut no more
    if isinstance(exc, SyntaxError):
        message["syntax"] = {
            "filename": exc.filename,
            "lineno": exc.lineno,
            "offset": exc.offset,
            "msg": exc.msg,
        }
    if isinstance(exc, ImportError):
        message["name"] = exc.name
        message["path"] = exc.path
        message["not_found"] = isinstance(exc, ModuleNotFoundError)
    cause = exc.__cause__ or exc.__context__
    if cause is not None and not exc.__suppress_context__:
        message["cause"] = f"{qualified_name(cause)}: {safe_str(cause)}"
    return message


class ExitTrap:
    """Reports ``os._exit``/``os.abort`` -- and a signal sent to this process, its worker or
    their process group -- with the caller's stack, before they happen.

    A kill aimed at the worker is also noted straight to testguard (``notes_fd``):
    the worker may not live to pass it on.
    """

    def __init__(self, status_fd: int, notes_fd: int = -1, module: str = "") -> None:
        self.status_fd = status_fd
        self.notes_fd = notes_fd
        self.module = module
        self.active = False
        self.real_exit = os._exit
        self.real_abort = os.abort
        self.real_kill = os.kill
        self.real_killpg = getattr(os, "killpg", None)
        self.parent = os.getppid()
        self.group = os.getpgrp() if hasattr(os, "getpgrp") else -1

    def install(self) -> None:
        def trapped_exit(code: int) -> None:
            if self.active:
                self.report(f"os._exit({code!r})")
            self.real_exit(code)

        def trapped_abort() -> None:
            if self.active:
                self.report("os.abort()")
            self.real_abort()

        def trapped_kill(pid: int, number: int) -> None:
            if self.active and number:
                self.note_kill(f"os.kill({self.target(pid)}, {signal_name(number)})",
                               number, pid in (os.getpid(), self.parent, 0, -1, -self.group))
            self.real_kill(pid, number)

        def trapped_killpg(group: int, number: int) -> None:
            if self.active and number and self.real_killpg is not None:
                self.note_kill(f"os.killpg({group}, {signal_name(number)})", number,
                               group in (0, self.group))
            if self.real_killpg is not None:
                self.real_killpg(group, number)

        self.active = True
        os._exit = trapped_exit  # type: ignore[assignment]
        os.abort = trapped_abort  # type: ignore[assignment]
        os.kill = trapped_kill
        if self.real_killpg is not None:
            os.killpg = trapped_killpg

    def target(self, pid: int) -> str:
        names = {os.getpid(): "<this process>", self.parent: "<the worker>"}
        return names.get(pid, str(pid))

    def report(self, how: str) -> None:
        try:
            send(
                self.status_fd,
                {"status": "exit", "how": how, "frames": current_frames()},
            )
        except OSError:
            pass

    def note_kill(self, call: str, number: int, aimed_at_us: bool) -> None:
        if not aimed_at_us:
            return
        frames = current_frames()[:-1]
        note: Message = {"note": self.module, "call": call, "signal": number, "frames": frames}
        # One write of at most PIPE_BUF bytes is atomic: the worker may be writing to the
        # same pipe.  The innermost frames, which hold the line, are kept.
        while len(json.dumps(note)) > NOTE_LIMIT and note["frames"]:
            note["frames"] = note["frames"][1:]
        to_worker = {key: value for key, value in note.items() if key != "note"}
        for fd, message in ((self.notes_fd, note), (self.status_fd, to_worker)):
            if fd < 0:
                continue
            try:
                send(fd, message)
            except OSError:
                pass

    def remove(self) -> None:
        self.active = False
        os._exit = self.real_exit
        os.abort = self.real_abort
        os.kill = self.real_kill
        if self.real_killpg is not None:
            os.killpg = self.real_killpg


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def attempt(
    module: str, status_fd: int, stack_fd: int, timeout: float, notes_fd: int = -1, note_as: str = ""
) -> Message:
    """Import ``module`` in this process; return what happened (only returns if it raised or succeeded).

    A kill is noted for ``note_as`` (default: the module), the module testguard blames.
    """
    faulthandler.enable(file=stack_fd, all_threads=True)
    faulthandler.dump_traceback_later(timeout, exit=True, file=stack_fd)
    trap = ExitTrap(status_fd, notes_fd, note_as or module)
    trap.install()
    try:
        importlib.import_module(module)
    except BaseException as exc:  # noqa: BLE001 -- every failure is the finding
        result = describe(exc)
    else:
        result = {"status": "ok"}
    finally:
        faulthandler.cancel_dump_traceback_later()
        trap.remove()
    return result


def read_stack(stack_fd: int) -> str:
    data = os.pread(stack_fd, STACK_LIMIT, 0) if hasattr(os, "pread") else b""
    return data.decode("utf-8", "replace")


def failure(
    module: str,
    message: Message | None,
    returncode: int | None,
    stack: str,
    timed_out: bool,
) -> Message:
    """Merge what the child said (if anything) with how it ended."""
    result: Message = dict(message or {})
    result["module"] = module
    if stack:
        result["stack"] = stack
    if returncode is not None:
        result["returncode"] = returncode
    if message is not None and message.get("status") in ("error", "exit"):
        return result
    if timed_out or stack.startswith("Timeout ("):
        result["status"] = "timeout"
    elif returncode is not None and returncode < 0:
        result["status"] = "crash"
        result["signal"] = -returncode
        try:
            result["signal_name"] = signal.Signals(-returncode).name
        except ValueError:
            pass
    elif stack.startswith("Fatal Python error") or "Windows fatal exception" in stack:
        result["status"] = "crash"
    else:
        result["status"] = "exit"
        result.setdefault("how", f"the process exited with status {returncode}")
    return result


def parse_message(data: bytes) -> Message | None:
    line = data.split(b"\n", 1)[0]
    if not line.strip():
        return None
    try:
        parsed = json.loads(line.decode("utf-8", "replace"))
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def wait_pid(pid: int) -> int | None:
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return None




def read_line(reader: LineReader, limit: float | None) -> tuple[bytes, bool]:
    """The next line from a child, or b"" when it died or overran ``limit`` seconds (None: no limit)."""
    deadline = None if limit is None else time.monotonic() + limit
    while b"\n" not in reader.buffer:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            return b"", True
        ready, _, _ = select.select([reader.fd], [], [], remaining)
        if ready and not reader.fill():
            return reader.take(), False
    return reader.take(), False


def reset_stack(stack_fd: int) -> None:
    os.ftruncate(stack_fd, 0)
    os.lseek(stack_fd, 0, os.SEEK_SET)


def watch(child: int, reader: LineReader, stack_fd: int, module: str, timeout: float) -> Message:
    """Follow a forked child importing ``module`` until it reports: its result, or how it ended.

    The child's own watchdog ends a hang at ``timeout``; past that (and a grace) it is killed.
    A result (a message naming the module) is returned as soon as it arrives; the child
    may go on.
    """
    pending: Message | None = None
    while True:
        line, timed_out = read_line(reader, timeout + GRACE)
        message = parse_message(line) if line else None
        if message is not None and "module" in message:
            return message
        if message is not None:
            pending = message  # os._exit, os.abort or a kill reported itself first
            continue
        if timed_out:
            kill(child)
        returncode = wait_pid(child)
        return failure(module, pending, returncode, read_stack(stack_fd), timed_out)


def ancestors(module: str) -> list[str]:
    """The packages a fresh ``import module`` imports first, outermost first."""
    parts = module.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


def within(module: str, package: str | None) -> bool:
    return package is None or module == package or module.startswith(package + ".")
