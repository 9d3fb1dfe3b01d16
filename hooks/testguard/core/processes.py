"""Every process testguard starts ends with testguard, however testguard ends.

Each command runs under a small guard process (guard.py) tied to testguard by a
socket pair.  Closing testguard's end -- ``Started.kill()``, ``stop_all()``, or
the kernel closing it because testguard died, even by SIGKILL -- makes the
guard kill the command's process group and whatever else the command left
behind.  ``lifetime.contained()`` stops what is still running when the CLI
returns (``stop_all``, registered on import).
``process_pool()`` gives testguard's own forked workers the same guarantee.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from testguard.core.lifetime import at_end

if TYPE_CHECKING:
    import socket  # imported when a process starts: commands that start none skip it
    from concurrent.futures import ProcessPoolExecutor

# A script that testguard's own interpreter runs (standard library only), beside the package.
GUARD_SCRIPT = Path(__file__).parent.parent / "guard.py"
# How long to wait for a guard to report back after its lifeline was cut.
_WAIT_AFTER_KILL = 10.0
_ANSWER_LIMIT = 64 * 1024

_lock = threading.Lock()
_live: set[Started] = set()


@dataclass(eq=False)
class Started:
    """A running command: ``process`` is its guard (the command itself where there is none)."""

    process: subprocess.Popen[bytes]
    lifeline: socket.socket | None
    pid: int  # the command's own process id

    def kill(self) -> None:
        """Kill the command and everything it started; returns at once, safe from any thread."""
        with _lock:
            _live.discard(self)
            lifeline, self.lifeline = self.lifeline, None
        if lifeline is not None:
            lifeline.close()
        elif self.process.returncode is None:
            self.process.kill()  # unguarded (not POSIX): only the process itself

    def end(self) -> int:
        """Kill what is left and wait: the return code (negative: killed by that signal)."""
        self.kill()
        return self.process.wait()


def start(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: int | None = subprocess.DEVNULL,
    stdout: int | None = None,
    stderr: int | None = None,
) -> Started:
    """Start ``command`` under a guard; raises OSError when it cannot start, as Popen does."""
    if os.name != "posix":
        process = subprocess.Popen(
            list(command), cwd=cwd, env=env, stdin=stdin, stdout=stdout, stderr=stderr
        )
        return _register(Started(process, None, process.pid))
    import socket

    ours, theirs = socket.socketpair()
    try:
        process = subprocess.Popen(  # -I -S: the guard needs the standard library only, started fast
            [sys.executable, "-I", "-S", str(GUARD_SCRIPT), str(theirs.fileno()), "--", *command],
            pass_fds=(theirs.fileno(),),
            start_new_session=True,
            cwd=cwd,
            env=env,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
        )
    except BaseException:
        ours.close()
        raise
    finally:
        theirs.close()
    started = _register(Started(process, ours, process.pid))
    try:
        started.pid = _answer(ours)
    except BaseException:
        started.end()
        _close_streams(process)
        raise
    return started


def _register(started: Started) -> Started:
    with _lock:
        _live.add(started)
    return started


def _answer(lifeline: socket.socket) -> int:
    """The guard's first line: the command's pid, or why it could not start (raised)."""
    data = b""
    while not data.endswith(b"\n") and len(data) < _ANSWER_LIMIT:
        chunk = lifeline.recv(4096)
        if not chunk:
            break
        data += chunk
    word, _, rest = data.decode("utf-8", "replace").strip().partition(" ")
    if word == "ok" and rest.isdigit():
        return int(rest)
    if word == "error":
        try:
            error = json.loads(rest)
            raise OSError(error["errno"], error["strerror"], error["filename"])
        except (ValueError, KeyError, TypeError):
            pass
    raise OSError(f"the process guard failed before starting the command: {data[:200]!r}")


def _close_streams(process: subprocess.Popen[bytes]) -> None:
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()


@dataclass
class Finished:
    """What a command did: its return code (negative: killed by that signal) and output."""

    returncode: int
    stdout: bytes
    stderr: bytes
    timed_out: bool = False


def run(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> Finished:
    """Like ``subprocess.run``, but a timeout or an interruption ends the whole process tree."""
    started = start(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    timed_out = False
    try:
        try:
            out, err = started.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            started.kill()
            out, err = started.process.communicate()
    finally:
        returncode = started.end()
        _close_streams(started.process)
    return Finished(returncode, out or b"", err or b"", timed_out)


def stop_all() -> None:
    """Kill every command still running, and wait a little for their guards."""
    with _lock:
        live = list(_live)
    for started in live:
        started.kill()
    for started in live:
        try:
            started.process.wait(timeout=_WAIT_AFTER_KILL)
        except subprocess.TimeoutExpired:
            pass


at_end(stop_all)


PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """In a pool worker: be killed when testguard dies (Linux), or go now if it already has."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (ImportError, OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


@contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """Forked workers that end with testguard, even when it is killed (Linux)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_die_with_parent,
        initargs=(os.getpid(),),
    )
    with pool:  # on an interruption, map() cancels the batches not started yet
        yield pool
