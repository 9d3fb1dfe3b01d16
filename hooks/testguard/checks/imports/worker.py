"""Import modules inside the project's own interpreter, each one contained.

Run as a script by the project's Python (standard library only, Python 3.9+,
nothing from testguard).  Protocol, one JSON document per line:

* stdin: first a config line, then batches (JSON lists of module names); EOF ends.
* stdout: one result per module, then ``{"done": true}`` after each batch.

Containment on POSIX is a chain of forks: the process holding the warm state
forks a child for the next batch, and the child imports the batch's modules
one by one, reporting each through a pipe.  The first failure -- exception,
exit, crash or a hang past the timeout -- ends the child: the parent reports
that module and forks a new child for the rest, from the state before the
batch, so nothing a failed import left behind reaches another module.  When
the whole batch succeeds the child *becomes* the worker (the parent exits),
so each module is imported once and later forks start warm.  Without fork,
each module is imported in a fresh subprocess (``--attempt``).

The first process stays behind as the chain's supervisor (see ``supervise``):
when the worker of the moment dies, the supervisor ends the same way, so
testguard learns how the worker died -- say a module killed it with SIGKILL --
from the exit status of the process it started.
"""

from __future__ import annotations

import faulthandler
import gc
import importlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
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


def safe_str(value: object) -> str:
    try:
        return str(value)
    except BaseException:  # noqa: BLE001 -- a broken __str__ must not break the report
        return "<unprintable>"


def frames_of(tb: Any) -> list[list[Any]]:
    frames = []
    for frame, lineno in traceback.walk_tb(tb):
        filename = frame.f_code.co_filename
        if filename.startswith("<frozen importlib"):
            continue
        frames.append([filename, lineno, frame.f_code.co_name])
    return frames


def current_frames() -> list[list[Any]]:
    frames = []
    for summary in traceback.extract_stack()[:-2]:
        if summary.filename.startswith("<frozen importlib"):
            continue
        frames.append([summary.filename, summary.lineno, summary.name])
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
        message["how"] = "sys.exit(%s)" % ("" if exc.code is None else repr(exc.code))
    elif message["status"] == "exit":
        message["how"] = f"pytest.exit({safe_str(exc)!r})"
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
    module: str, status_fd: int, stack_fd: int, timeout: float, notes_fd: int = -1
) -> Message:
    """Import ``module`` in this process; return what happened (only returns if it raised or succeeded)."""
    faulthandler.enable(file=stack_fd, all_threads=True)
    faulthandler.dump_traceback_later(timeout, exit=True, file=stack_fd)
    trap = ExitTrap(status_fd, notes_fd, module)
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


class State:
    """Process-wide state a module may change that must not leak into the next import."""

    def __init__(self) -> None:
        self.cwd = os.getcwd()
        self.argv = list(sys.argv)
        self.streams = (sys.stdin, sys.stdout, sys.stderr)
        self.filters = list(warnings.filters)
        self.handlers: dict[int, Any] = {}
        for signum in (
            signal.valid_signals() if hasattr(signal, "valid_signals") else ()
        ):
            try:
                self.handlers[signum] = signal.getsignal(signum)
            except (OSError, ValueError):
                pass

    def restore(self) -> None:
        try:
            if os.getcwd() != self.cwd:
                os.chdir(self.cwd)
        except OSError:
            os.chdir(self.cwd)
        sys.argv[:] = self.argv
        sys.stdin, sys.stdout, sys.stderr = self.streams
        warnings.filters[:] = self.filters  # type: ignore[index]
        warnings._filters_mutated()  # type: ignore[attr-defined]
        for signum, handler in self.handlers.items():
            try:
                if signal.getsignal(signum) is not handler and handler is not None:
                    signal.signal(signum, handler)
            except (OSError, ValueError, TypeError):
                pass


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


class Worker:
    def __init__(self, config: Message, results_fd: int) -> None:
        self.timeout = float(config["timeout"])
        self.fork = bool(config.get("fork", True)) and hasattr(os, "fork")
        self.sys_path: list[str] = list(config.get("sys_path", []))
        self.results_fd = results_fd
        self.control_fd = -1  # where a worker names its successor to the supervisor at hand-off
        handle, self.stack_path = tempfile.mkstemp(prefix="testguard-stack-")
        self.stack_fd = handle
        if self.fork:
            self.close()  # forked children share the open file; nobody needs its name
        self.state = State()
        self.child = 0
        self.status_fd = -1

    def close(self) -> None:
        try:
            os.unlink(self.stack_path)
        except OSError:
            pass

    def run_batch(self, batch: list[str]) -> None:
        """Report every module of ``batch``, then ``done``; returns in whichever process carries on."""
        if not self.fork:
            for module in batch:
                send(self.results_fd, self.run_subprocess(module))
            send(self.results_fd, {"done": True})
            return
        start = 0
        while start < len(batch):
            if self.fork_child(batch, start):
                return  # this is the child that imported the whole batch: it is the worker now
            start = self.monitor(batch, start)
        send(self.results_fd, {"done": True})

    def fork_child(self, batch: list[str], start: int) -> bool:
        """Fork; the child imports ``batch[start:]`` in order and returns True if all succeed."""
        os.ftruncate(self.stack_fd, 0)
        os.lseek(self.stack_fd, 0, os.SEEK_SET)
        read_end, write_end = os.pipe()
        self.child = os.fork()
        if self.child != 0:
            os.close(write_end)
            self.status_fd = read_end
            return False
        os.close(read_end)
        for module in batch[start:]:
            if module in sys.modules:
                send(write_end, {"module": module, "status": "ok", "cached": True})
                continue
            result = attempt(module, write_end, self.stack_fd, self.timeout, self.results_fd)
            result["module"] = module
            send(write_end, result)
            if result["status"] != "ok":
                # Whatever the failed import left behind dies with this process.
                os._exit(0)
            self.state.restore()
        send(write_end, {"handoff": True})
        os.close(write_end)
        # Objects imported so far are never collected: keep the collector off their pages,
        # so later forks copy less.
        gc.freeze()
        return True

    def monitor(self, batch: list[str], start: int) -> int:
        """Forward the child's results; on a failure return where the next child starts."""
        reader = LineReader(self.status_fd)
        position = start
        pending: Message | None = None
        try:
            while True:
                line, timed_out = self.read_line(reader)
                message = parse_message(line) if line else None
                if message is not None and message.get("handoff"):
                    # The child carries the batch's modules and goes on as the worker.
                    send(self.results_fd, {"done": True})
                    if self.control_fd >= 0:
                        write_all(self.control_fd, f"{self.child}\n".encode())
                    os._exit(0)
                if message is not None and "module" in message:
                    position += 1
                    pending = None
                    if message["status"] == "ok":
                        send(self.results_fd, message)
                        continue
                    wait_pid(self.child)
                    send(self.results_fd, message)
                    return position
                if message is not None:
                    pending = message  # os._exit, os.abort or a kill reported itself first
                    continue
                if timed_out:
                    kill(self.child)
                returncode = wait_pid(self.child)
                stack = read_stack(self.stack_fd)
                send(
                    self.results_fd,
                    failure(batch[position], pending, returncode, stack, timed_out),
                )
                return position + 1
        finally:
            os.close(self.status_fd)

    def read_line(self, reader: LineReader) -> tuple[bytes, bool]:
        """The next line from the child, or b"" when it died or overran the module timeout."""
        deadline = time.monotonic() + self.timeout + GRACE
        while b"\n" not in reader.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return b"", True
            ready, _, _ = select.select([reader.fd], [], [], remaining)
            if ready and not reader.fill():
                return reader.take(), False
        return reader.take(), False

    def run_subprocess(self, module: str) -> Message:
        request = json.dumps(
            {
                "module": module,
                "timeout": self.timeout,
                "sys_path": self.sys_path,
                "stack": self.stack_path,
                "notes": self.results_fd,
            }
        )
        with open(self.stack_path, "wb"):
            pass
        proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--attempt", request],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            pass_fds=(self.results_fd,),
        )
        timed_out = False
        try:
            out, _ = proc.communicate(timeout=self.timeout + GRACE)
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.kill()
            out, _ = proc.communicate()
        with open(self.stack_path, "rb") as handle:
            stack = handle.read(STACK_LIMIT).decode("utf-8", "replace")
        messages = [m for m in map(parse_message, out.splitlines()) if m is not None]
        # The result has a status; a line before it may be a kill noted on the way.
        message = next((m for m in reversed(messages) if "status" in m), None)
        if message is not None and message.get("status") == "ok" and not timed_out:
            return {"module": module, "status": "ok"}
        if message is None and messages:
            message = messages[-1]
        return failure(module, message, proc.returncode, stack, timed_out)


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


def drop_script_dir() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or os.curdir) == here:
        del sys.path[0]


def silence_stdio() -> tuple[int, int]:
    """Keep the protocol pipes private; the modules get /dev/null for stdin, stdout and stderr."""
    jobs_fd = os.dup(0)
    results_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    return jobs_fd, results_fd


def serve() -> int:
    drop_script_dir()
    jobs_fd, results_fd = silence_stdio()
    reader = LineReader(jobs_fd)
    config = json.loads(reader.readline().decode("utf-8"))
    sys.path[0:0] = config.get("sys_path", [])
    worker = Worker(config, results_fd)
    if worker.fork:
        worker.control_fd = supervise(jobs_fd, results_fd)
    try:
        while True:
            line = reader.readline()
            if not line.strip():
                break
            worker.run_batch(json.loads(line.decode("utf-8")))
    finally:
        worker.close()
    # Skip atexit handlers and thread joins of whatever the modules started.
    os._exit(0)


def supervise(jobs_fd: int, results_fd: int) -> int:
    """Stay behind as the supervisor of the fork chain; the worker goes on in a child.

    Returns, in the worker, the pipe on which each worker names its successor.
    Each hand-off leaves the next worker an orphan.  On Linux the supervisor
    adopts them (a child subreaper), reaps them -- so none lingers as a zombie
    when testguard is PID 1 in a container -- and, when the worker of the
    moment dies, ends the way it ended.  Elsewhere the system's init adopts
    them and the supervisor only waits for the chain to end.
    """
    read_end, write_end = os.pipe()
    subreaper = become_subreaper()
    worker = os.fork()
    if worker == 0:
        os.close(read_end)
        return write_end
    os.close(write_end)
    os.close(jobs_fd)
    os.close(results_fd)
    if subreaper:
        follow_workers(read_end, worker)
    else:
        while os.read(read_end, 4096):
            pass
    os._exit(0)


def become_subreaper() -> bool:
    try:
        import ctypes

        answer: int = ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        return answer == 0
    except (ImportError, OSError, AttributeError):
        return False


def follow_workers(control_fd: int, worker: int) -> None:
    """Reap every orphan; when the current worker ends, end the same way."""
    os.set_blocking(control_fd, False)
    announced = b""
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            return
        announced += read_available(control_fd)
        *pids, announced = announced.split(b"\n")
        if pids:
            worker = int(pids[-1])
        if pid == worker:
            end_like(status)


def read_available(fd: int) -> bytes:
    data = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except BlockingIOError:
            return data
        if not chunk:
            return data
        data += chunk


def end_like(status: int) -> None:
    """Exit as a process with wait status ``status`` did: same exit code, or same signal."""
    if not os.WIFSIGNALED(status):
        os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)
    number = os.WTERMSIG(status)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, OSError, ValueError):
        pass
    try:
        signal.signal(number, signal.SIG_DFL)
    except (OSError, ValueError):
        pass  # SIGKILL and SIGSTOP are never caught
    os.kill(os.getpid(), number)
    os._exit(128 + number)


def attempt_main(request_text: str) -> int:
    drop_script_dir()
    _, status_fd = silence_stdio()
    request = json.loads(request_text)
    sys.path[0:0] = request.get("sys_path", [])
    stack_fd = os.open(request["stack"], os.O_WRONLY | os.O_APPEND)
    notes_fd = int(request.get("notes", -1))
    result = attempt(request["module"], status_fd, stack_fd, float(request["timeout"]), notes_fd)
    send(status_fd, result)
    os._exit(0)


def locate(names: list[str]) -> int:
    """Print where each top-level package would be imported from (no module code runs)."""
    import importlib.util

    drop_script_dir()
    found: dict[str, Any] = {}
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            found[name] = None
        else:
            found[name] = {
                "origin": spec.origin if spec.has_location else None,
                "locations": list(spec.submodule_search_locations or []),
            }
    sys.stdout.write(json.dumps(found) + "\n")
    return 0


def version() -> int:
    major, minor = sys.version_info[:2]
    sys.stdout.write(f"{major}.{minor}\n")
    return 0


def main(argv: list[str]) -> int:
    commands: dict[str, Callable[[], int]] = {
        "--attempt": lambda: attempt_main(argv[1]),
        "--locate": lambda: locate(argv[1:]),
        "--version": version,
    }
    if argv and argv[0] in commands:
        return commands[argv[0]]()
    return serve()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
