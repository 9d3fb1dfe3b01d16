"""Runs one command so that nothing it starts outlives testguard.

Run as a script by testguard's own interpreter (standard library only)::

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
new session) come to it as orphans once their parents die, and die too.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading

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
        except InterruptedError:
            continue


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


def watch(lifeline: socket.socket, command: int) -> None:
    """Block until testguard's end of the lifeline closes, then kill the command's group."""
    try:
        while lifeline.recv(4096):
            pass
    except OSError:
        pass
    kill_group(command)
    kill(command)


def silence_stdio() -> None:
    """Let go of the caller's pipes: the caller sees end of file once the command is done."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def main(argv: list[str]) -> None:
    lifeline = socket.socket(fileno=int(argv[0]))
    command_line = argv[2:] if argv[1:2] == ["--"] else argv[1:]
    become_subreaper()
    try:
        command = subprocess.Popen(command_line, start_new_session=True)
    except OSError as exc:
        error = {"errno": exc.errno, "strerror": exc.strerror, "filename": exc.filename}
        lifeline.sendall(("error " + json.dumps(error) + "\n").encode())
        os._exit(127)
    lifeline.sendall(f"ok {command.pid}\n".encode())
    silence_stdio()

    def stop(number: int, frame: object) -> None:
        kill_group(command.pid)

    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(number, stop)
    threading.Thread(target=watch, args=(lifeline, command.pid), daemon=True).start()
    returncode = command.wait()
    kill_everything(command.pid)
    end_like(returncode)


if __name__ == "__main__":
    main(sys.argv[1:])
