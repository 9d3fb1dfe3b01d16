"""Runs one command so that nothing it starts outlives testguard.

Run as a script by testguard's own interpreter (standard library only, kept
light: it starts before every command)::

    python -I -S guard.py FD -- command args...

FD is one end of a socket pair; only testguard holds the other end (the
lifeline).  The guard starts the command in a session of its own, answers
``ok PID`` on FD (or, when the command cannot start, the OSError as JSON),
and waits.  When the lifeline closes -- testguard closed it on purpose, or
testguard ended in any way, SIGKILL included -- the guard kills the command's
process group.  When the command ends first, the guard kills whatever it left
running, then ends the way the command ended (the same exit status or the same
signal), so the caller sees the command's own return code.  On Linux the guard
is a child subreaper: processes that left the command's group (a daemon, a
new session) come to it as orphans once their parents die, and die too.  The
command's parent is a forked shim, not the guard, so a command that kills its
parent does not take its guard with it.
"""

from __future__ import annotations

import os
import select
import sys

TYPE_CHECKING = False  # not typing's: importing typing costs start-up time too
if TYPE_CHECKING:
    import signal
else:
    try:  # the C module: ``signal`` itself imports enum, a third of the guard's start-up time
        import _signal as signal
    except ImportError:
        import signal

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> None:
    try:
        import ctypes

        ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (ImportError, OSError, AttributeError):
        pass  # not Linux: orphans go to init; the process group still dies


def kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


def kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def children() -> list[int]:
    """This process's children (Linux); an empty list where that cannot be read."""
    pid = os.getpid()
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
            return [int(word) for word in handle.read().split()]
    except (OSError, ValueError):
        return []


def kill_everything(command: int) -> None:
    """Kill the command's group, then every orphan that comes here, until none is left."""
    kill_group(command)
    own_group = os.getpgrp()
    while True:
        for pid in children():
            try:
                group = os.getpgid(pid)
            except OSError:
                group = own_group
            if group != own_group:
                kill_group(group)
            kill(pid)
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def end_like(returncode: int) -> None:
    """Exit with ``returncode``; a negative one means: die by that signal, without a core file."""
    if returncode >= 0:
        os._exit(returncode)
    number = -returncode
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, OSError, ValueError):
        pass
    try:
        signal.signal(number, signal.SIG_DFL)
    except (OSError, ValueError):
        pass  # SIGKILL and SIGSTOP cannot be caught: they are default already
    try:
        os.kill(os.getpid(), number)
    except OSError:
        pass
    os._exit(128 + number)


def exec_when_told(argv: list[str], gate: int, errors: int) -> None:
    """In the command's process: wait until the shim has told the guard this pid, then run
    ``argv`` in a new session with the signal dispositions a fresh process has (Python ignores
    SIGPIPE and SIGXFSZ; restore them, as Popen does).  An exec error goes to ``errors``."""
    try:
        os.read(gate, 1)
        os.setsid()
        for number in (signal.SIGPIPE, signal.SIGXFSZ):
            signal.signal(number, signal.SIG_DFL)
        os.execvp(argv[0], argv)
    except OSError as exc:
        answer(errors, error_text(exc, argv))
    finally:
        os._exit(127)


def answer(fd: int, text: str) -> None:
    data = (text + "\n").encode("utf-8", "surrogateescape")
    while data:
        data = data[os.write(fd, data) :]


def silence_stdio() -> None:
    """Let go of the caller's pipes: the caller sees end of file once the command is done."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def start_shim(argv: list[str]) -> tuple[int, int]:
    """Fork a shim that starts the command and waits for it: (the shim's pid, the command's).

    The command's parent is the shim, not the guard: a command that kills its parent
    (``os.kill(os.getppid(), 9)``) kills the shim, its orphans come to the guard (a
    subreaper), and the guard is still there to end them.  The shim ends the way the
    command ended.  Raises OSError when the command cannot start."""
    read_end, write_end = os.pipe()
    shim = os.fork()
    if shim == 0:
        try:
            os.close(read_end)
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            gate_read, gate_write = os.pipe()
            errors_read, errors_write = os.pipe()  # closed by a successful exec
            command = os.fork()
            if command == 0:
                exec_when_told(argv, gate_read, errors_write)
            os.close(gate_read)
            os.close(errors_write)
            # The pid first: once the gate opens, the command may kill this shim at once.
            answer(write_end, f"pid {command}")
            os.write(gate_write, b"x")
            os.close(gate_write)
            failed = read_all(errors_read)
            if failed:
                answer(write_end, "error " + failed.decode("utf-8", "surrogateescape").strip())
                os.waitpid(command, 0)
                os._exit(127)
            answer(write_end, "ok")
            os.close(write_end)
            silence_stdio()
            end_like(os.waitstatus_to_exitcode(os.waitpid(command, 0)[1]))
        finally:
            os._exit(127)
    os.close(write_end)
    lines = read_all(read_end).decode("utf-8", "surrogateescape").splitlines()
    first, _, pid = (lines[0] if lines else "").partition(" ")
    word, _, rest = (lines[1] if len(lines) > 1 else "").partition(" ")
    if first == "pid" and pid.isdigit() and word != "error":
        return shim, int(pid)  # "ok", or the command killed the shim: it runs
    os.waitpid(shim, 0)
    if word == "error":
        import json

        error = json.loads(rest)
        raise OSError(error["errno"], error["strerror"], error["filename"])
    raise OSError(f"the shim did not start the command: {lines[:2]!r}")


def read_all(fd: int) -> bytes:
    data = b""
    while True:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    os.close(fd)
    return data


def error_text(exc: OSError, argv: list[str]) -> str:
    import json

    filename = argv[0] if exc.filename is None else exc.filename
    return json.dumps({"errno": exc.errno, "strerror": exc.strerror, "filename": filename})


def reap(statuses: dict[int, int]) -> None:
    """Reap the children that have ended (orphans adopted meanwhile too), noting their status."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        statuses[pid] = status


def ended(shim: int, command: int, statuses: dict[int, int]) -> int | None:
    """The command's wait status once it has ended, else None.

    The shim ends the way the command did; a shim that was killed has left the command
    (if it still runs) to the guard, which then waits for the command itself."""
    if command in statuses:
        return statuses[command]
    if shim not in statuses:
        return None
    try:
        pid, status = os.waitpid(command, os.WNOHANG)
    except ChildProcessError:
        return statuses[shim]  # the shim reaped it: its status is the command's
    if pid == 0:
        return None  # adopted, still running
    statuses[command] = status
    return status


def wait(shim: int, command: int, lifeline: int, wakeup: int) -> int:
    """The command's wait status; if the lifeline closes first, kill the command's group."""
    statuses: dict[int, int] = {}
    while True:
        readable, _, _ = select.select([lifeline, wakeup], [], [])
        if wakeup in readable:
            os.read(wakeup, 4096)  # a SIGCHLD arrived
        reap(statuses)
        status = ended(shim, command, statuses)
        if status is not None:
            return status
        if lifeline in readable and not os.read(lifeline, 4096):
            kill_group(command)
            kill(command)
            kill(shim)
            while ended(shim, command, statuses) is None:
                pid, status = os.waitpid(-1, 0)
                statuses[pid] = status
            return ended(shim, command, statuses) or 0


def main(argv: list[str]) -> None:
    lifeline = int(argv[0])
    os.set_inheritable(lifeline, False)
    command_line = argv[2:] if argv[1:2] == ["--"] else argv[1:]
    become_subreaper()
    wakeup_read, wakeup_write = os.pipe()
    os.set_blocking(wakeup_write, False)
    signal.set_wakeup_fd(wakeup_write)
    signal.signal(signal.SIGCHLD, lambda number, frame: None)  # wakes select() up
    try:
        shim, command = start_shim(command_line)
    except OSError as exc:
        answer(lifeline, "error " + error_text(exc, command_line))
        os._exit(127)
    answer(lifeline, f"ok {command}")
    silence_stdio()

    def stop(number: int, frame: object) -> None:
        kill_group(command)

    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(number, stop)
    status = wait(shim, command, lifeline, wakeup_read)
    kill_everything(command)
    end_like(os.waitstatus_to_exitcode(status))


if __name__ == "__main__":
    main(sys.argv[1:])
