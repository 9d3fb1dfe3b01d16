"""Import modules inside the project's own interpreter, each one contained.

Run as a script by the project's Python (standard library only, Python 3.9+,
nothing from testguard; its parts ``worker_*.py`` beside it are loaded by path).
Protocol, one JSON document per line:

* stdin: first a config line, then batches (JSON lists of module names), or
  ``{"verify": [...]}`` (modules under the package of the worker's snapshot,
  see ``keep_snapshot``); EOF ends.
* stdout: one result per module, then ``{"done": true}`` after each batch, with
  the packages whose change to interpreter state the worker keeps (``kept``) and
  the package its snapshot holds (``snapshot``, empty when it has none).

Two modes.  ``warm`` (the default) imports the modules one after the other in
one warm process, so each module's dependencies are imported once.  ``verify``
gives each module the verdict of a fresh interpreter, at a higher price (see
worker_tree.py); testguard sends it the modules whose warm verdict may differ.

Containment in the warm mode on POSIX is a chain of forks: the process holding
the warm state forks a child for the next batch, and the child imports the
batch's modules one by one, reporting each through a pipe.  An exit, a crash or
a hang past the timeout ends the child: the parent reports that module and
forks a new child for the rest, from the state before the batch, so nothing
that import left behind reaches another module.  So does an import that
changed interpreter state a later import would see (worker_state.py), whether
it failed or not, unless it is a package that imported cleanly: the modules
under it see that change in a fresh interpreter too.  Such a package is dropped
again (the child ends, or testguard restarts the worker) before a module
outside it.  A failed import that changed nothing keeps the modules it
imported on the way, as any interpreter does (the submodules of a package that
failed go).  Before a module, its ancestor packages are imported one by one,
as a fresh import does.  When the whole batch is done the child *becomes* the
worker (the parent exits), so each module is imported once and later forks
start warm.  Without fork, each module is imported in a fresh subprocess
(``--attempt``).

Each result says what testguard needs to judge the warm verdict: ``cached``
(an earlier import had already imported it: if it is in an import cycle, the
cycle was entered elsewhere), ``leaked`` (what its import changed),
``untrusted`` (imported while a change by a module that is not its ancestor
was in force).

The first process stays behind as the chain's supervisor (see ``supervise``):
when the worker of the moment dies, the supervisor ends the same way, so
testguard learns how the worker died -- say a module killed it with SIGKILL --
from the exit status of the process it started.
"""

from __future__ import annotations

import gc
import json
import os
import sys
from types import ModuleType

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from testguard.checks.imports import worker_contain as contain
    from testguard.checks.imports import worker_state, worker_tree

    Message = dict[str, Any]


def _part(name: str) -> ModuleType:
    """A part of the worker, loaded by path under a name no project module can have."""
    key = "_testguard_" + name
    if key not in sys.modules:
        module = ModuleType(key)
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".py")
        module.__file__ = path
        sys.modules[key] = module
        with open(path, "rb") as handle:
            exec(compile(handle.read(), path, "exec"), module.__dict__)
    return sys.modules[key]


if not TYPE_CHECKING:
    contain = _part("worker_contain")
    worker_state = _part("worker_state")
    worker_tree = _part("worker_tree")

# How much of what a leaking import changed is reported.
LEAK_LIMIT = 8


class Worker:
    def __init__(self, config: Message, results_fd: int) -> None:
        self.timeout = float(config["timeout"])
        self.fork = bool(config.get("fork", True)) and hasattr(os, "fork")
        self.sys_path: list[str] = list(config.get("sys_path", []))
        self.results_fd = results_fd
        self.control_fd = -1  # where a worker names its successor to the supervisor at hand-off
        self.stack_path = ""
        self.stack_fd = self.open_stack()
        # Packages whose import changed interpreter state; only the modules under them may see it.
        self.kept: list[str] = []
        self.fingerprint: worker_state.Fingerprint | None = None
        self.child = 0
        self.status_fd = -1
        # Nothing of the project imported yet in this process: the first package imported
        # here is imported as a fresh interpreter imports it.
        self.clean = True
        # A fork kept right after that import (see keep_snapshot): the package it holds and
        # the pipes to ask it for fresh verdicts and to hear that it is done.
        self.snapshot = ""
        self.snapshot_fd = -1
        self.snapshot_done_fd = -1

    def open_stack(self) -> int:
        """A file for faulthandler's dumps; forked children share it, nobody needs its name."""
        directory = os.environ.get("TMPDIR") or "/tmp"
        for _ in range(100):
            path = os.path.join(directory, "testguard-stack-" + os.urandom(6).hex())
            try:
                handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            self.stack_path = path
            if self.fork:
                self.close()
            return handle
        raise OSError("cannot create a file for stack dumps in " + directory)

    def close(self) -> None:
        try:
            os.unlink(self.stack_path)
        except OSError:
            pass

    def run_batch(self, batch: list[str]) -> None:
        """Report every module of ``batch``, then ``done``; returns in whichever process carries on."""
        if not self.fork:
            for module in batch:
                contain.send(self.results_fd, self.run_subprocess(module))
            contain.send(self.results_fd, {"done": True})
            return
        if self.fingerprint is None:
            self.fingerprint = worker_state.Fingerprint()
        start = 0
        while start < len(batch):
            if self.fork_child(batch, start):
                return  # this is the child that imported the whole batch: it is the worker now
            start = self.monitor(batch, start)
        contain.send(self.results_fd, {"done": True, "kept": self.kept, "snapshot": self.snapshot})

    def fork_child(self, batch: list[str], start: int) -> bool:
        """Fork; the child imports ``batch[start:]`` in order and returns True if all succeed."""
        contain.reset_stack(self.stack_fd)
        read_end, write_end = os.pipe()
        self.child = os.fork()
        if self.child != 0:
            os.close(write_end)
            self.status_fd = read_end
            return False
        os.close(read_end)
        assert self.fingerprint is not None
        self.fingerprint.forked()
        inherited = len(self.kept)
        for index in range(start, len(batch)):
            module = batch[index]
            foreign = [p for p in self.kept if not contain.within(module, p)]
            if any(self.kept.index(p) >= inherited for p in foreign):
                # A change this child made is not for this module: start again before it.
                contain.send(write_end, {"rewind": index})
                os._exit(0)
            result = self.step(module, write_end)
            if foreign:
                result["untrusted"] = True
            contain.send(write_end, result)
            if result["ends"]:
                # Whatever the import left behind dies with this process.
                os._exit(0)
        contain.send(write_end, {"handoff": True, "kept": self.kept, "snapshot": self.snapshot})
        os.close(write_end)
        # Objects imported so far are never collected: keep the collector off their pages,
        # so later forks copy less.
        gc.freeze()
        return True

    def step(self, module: str, status_fd: int) -> Message:
        """Import ``module`` as a fresh import would (its ancestors first); note what it changed.

        ``ends`` says whether this process must end after it: a failure that left
        something behind, or a module (not a package) that changed interpreter state.
        """
        assert self.fingerprint is not None
        flags: Message = {"module": module}
        if module in sys.modules:
            flags["cached"] = True
        clean, self.clean = self.clean, False
        result: Message | None = None
        for ancestor in contain.ancestors(module):
            if ancestor in sys.modules:
                continue
            result = contain.attempt(ancestor, status_fd, self.stack_fd, self.timeout, self.results_fd, module)
            if result["status"] != "ok":
                break  # a fresh import of the module fails the same way
            if clean and "." not in ancestor:
                self.keep_snapshot(ancestor, status_fd)
            if self.fingerprint.changes():
                self.kept.append(ancestor)
            result = None
        if result is None:
            result = contain.attempt(module, status_fd, self.stack_fd, self.timeout, self.results_fd)
            if clean and "." not in module and result["status"] == "ok":
                self.keep_snapshot(module, status_fd)
        result.update(flags)
        result["ends"] = False
        changes = self.fingerprint.changes()
        if result["status"] != "ok":
            # An exception leaves the modules imported on the way, as in any interpreter:
            # go on with them, unless it changed interpreter state.  Submodules of a package
            # that failed go: a later import runs the package, and them, afresh.
            result["ends"] = bool(changes)
            self.drop_orphans()
        elif changes:
            result["leaked"] = changes[:LEAK_LIMIT]
            result["ends"] = not hasattr(sys.modules.get(module), "__path__")
            if not result["ends"]:
                self.kept.append(module)
        return result

    def keep_snapshot(self, package: str, status_fd: int) -> None:
        """Fork a process that keeps this state: ``package`` imported as a fresh interpreter
        imports it, and nothing else of the project.  It waits, and gives fresh verdicts of
        modules under ``package`` when asked (``verify``), as the verifier's node for
        ``package`` would (worker_tree.py), without importing ``package`` once more.
        It ends when no process of the chain can ask any more (its pipe closes)."""
        request_read, request_write = os.pipe()
        done_read, done_write = os.pipe()
        # The package's objects are never collected: keep the collector off their pages,
        # or this process copies every one of them that the snapshot shares.
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            for fd in (request_write, done_read, status_fd, self.control_fd):
                if fd >= 0:
                    os.close(fd)
            self.serve_snapshot(request_read, done_write)
        os.close(request_read)
        os.close(done_write)
        self.snapshot, self.snapshot_fd, self.snapshot_done_fd = package, request_write, done_read

    def serve_snapshot(self, request_fd: int, done_fd: int) -> None:
        reader = contain.LineReader(request_fd)
        while True:
            line = reader.readline()
            if not line.strip():
                os._exit(0)
            verifier = worker_tree.Verifier(self.timeout, self.results_fd, self.stack_fd)
            verifier.modules = json.loads(line.decode("utf-8"))
            verifier.scope(None, 0, -1)
            contain.write_all(done_fd, b"done\n")

    def verify(self, modules: list[str]) -> None:
        """The fresh verdicts of ``modules`` (all under ``self.snapshot``, sorted) from the
        snapshot, then ``done``; a module the snapshot did not report stays unverified."""
        if self.snapshot_fd >= 0:
            try:
                contain.write_all(self.snapshot_fd, (json.dumps(modules) + "\n").encode())
                contain.LineReader(self.snapshot_done_fd).readline()  # end of file: it died
            except OSError:
                pass
        contain.send(self.results_fd, {"done": True, "kept": self.kept, "snapshot": self.snapshot})

    def drop_orphans(self) -> None:
        assert self.fingerprint is not None
        for name in self.fingerprint.new:
            if any(ancestor not in sys.modules for ancestor in contain.ancestors(name)):
                sys.modules.pop(name, None)

    def monitor(self, batch: list[str], start: int) -> int:
        """Forward the child's results; when it ends, return where the next child starts."""
        reader = contain.LineReader(self.status_fd)
        position = start
        pending: Message | None = None
        try:
            while True:
                line, timed_out = contain.read_line(reader, self.timeout + contain.GRACE)
                message = contain.parse_message(line) if line else None
                if message is not None and message.get("handoff"):
                    # The child carries the batch's modules and goes on as the worker.
                    done = {"done": True, "kept": message.get("kept", []), "snapshot": message.get("snapshot", "")}
                    contain.send(self.results_fd, done)
                    if self.control_fd >= 0:
                        contain.write_all(self.control_fd, f"{self.child}\n".encode())
                    os._exit(0)
                if message is not None and "rewind" in message:
                    contain.wait_pid(self.child)
                    return int(message["rewind"])
                if message is not None and "module" in message:
                    position += 1
                    pending = None
                    ends = message.pop("ends", True)
                    if ends:
                        contain.wait_pid(self.child)
                    contain.send(self.results_fd, message)
                    if ends:
                        return position
                    continue
                if message is not None:
                    pending = message  # os._exit, os.abort or a kill reported itself first
                    continue
                if timed_out:
                    contain.kill(self.child)
                returncode = contain.wait_pid(self.child)
                stack = contain.read_stack(self.stack_fd)
                contain.send(
                    self.results_fd,
                    contain.failure(batch[position], pending, returncode, stack, timed_out),
                )
                return position + 1
        finally:
            os.close(self.status_fd)

    def run_subprocess(self, module: str) -> Message:
        import subprocess  # only without fork: the modules should find as little preloaded as can be

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
            out, _ = proc.communicate(timeout=self.timeout + contain.GRACE)
        except subprocess.TimeoutExpired:
            timed_out = True
            proc.kill()
            out, _ = proc.communicate()
        with open(self.stack_path, "rb") as handle:
            stack = handle.read(contain.STACK_LIMIT).decode("utf-8", "replace")
        messages = [m for m in map(contain.parse_message, out.splitlines()) if m is not None]
        # The result has a status; a line before it may be a kill noted on the way.
        message = next((m for m in reversed(messages) if "status" in m), None)
        if message is not None and message.get("status") == "ok" and not timed_out:
            return {"module": module, "status": "ok"}
        if message is None and messages:
            message = messages[-1]
        return contain.failure(module, message, proc.returncode, stack, timed_out)


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
    reader = contain.LineReader(jobs_fd)
    config = json.loads(reader.readline().decode("utf-8"))
    sys.path[0:0] = config.get("sys_path", [])
    worker = Worker(config, results_fd)
    if worker.fork:
        worker.control_fd = supervise(jobs_fd, results_fd)
    run_batch: Callable[[list[str]], None] = worker.run_batch
    if worker.fork and config.get("mode") == "verify":
        run_batch = worker_tree.Verifier(worker.timeout, results_fd, worker.stack_fd).run
    try:
        while True:
            line = reader.readline()
            if not line.strip():
                break
            job = json.loads(line.decode("utf-8"))
            if isinstance(job, dict):
                worker.verify(list(job.get("verify", [])))
            else:
                run_batch(job)
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
    ready_read, ready_write = os.pipe()
    worker = os.fork()
    if worker == 0:
        os.close(read_end)
        os.close(ready_write)
        os.read(ready_read, 1)  # the supervisor adopts orphans before the first hand-off
        os.close(ready_read)
        return write_end
    os.close(write_end)
    os.close(ready_read)
    os.close(jobs_fd)
    os.close(results_fd)
    subreaper = become_subreaper()  # here, so that ctypes stays out of the worker
    os.close(ready_write)
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
    import signal

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
    result = contain.attempt(request["module"], status_fd, stack_fd, float(request["timeout"]), notes_fd)
    contain.send(status_fd, result)
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
