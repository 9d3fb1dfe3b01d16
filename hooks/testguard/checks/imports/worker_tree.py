"""The fresh verdict of a module: imported in a fork of a process that holds only its ancestors.

Part of the worker (standard library only, Python 3.9+, loaded by path from
worker.py, nothing from testguard).  A fresh ``import a.b.c`` imports ``a``,
then ``a.b``, then runs ``a/b/c.py``.  The verifier keeps that chain as a tree
of warm processes: the root has imported nothing of the project; a node for
``a.b`` is a fork of the node for ``a`` that imported ``a.b``.  A module is
imported in a fork of its parent package's node, which then ends, so its
verdict is the one a fresh interpreter gives, at the cost of a fork and the
module's own imports.  Modules come sorted, so each node is made once and ends
when the modules under it are done; a module an ancestor already imported is
done without a fork.  An ancestor that fails takes every module under it along,
with its own failure, as it would in a fresh interpreter.
"""

from __future__ import annotations

import gc
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from testguard.checks.imports import worker_contain as contain

    Message = dict[str, Any]
else:
    contain = sys.modules["_testguard_worker_contain"]  # loaded by worker.py


class Verifier:
    def __init__(self, timeout: float, results_fd: int, stack_fd: int) -> None:
        self.timeout = timeout
        self.results_fd = results_fd
        self.stack_fd = stack_fd
        self.modules: list[str] = []

    def run(self, modules: list[str]) -> None:
        """Report the fresh verdict of every module (sorted, parents first), then ``done``."""
        self.modules = modules
        self.scope(None, 0, -1)
        contain.send(self.results_fd, {"done": True})

    def scope(self, package: str | None, index: int, progress_fd: int) -> int:
        """Handle the modules under ``package`` (this process holds it); return where they end."""
        while index < len(self.modules) and contain.within(self.modules[index], package):
            module = self.modules[index]
            if progress_fd >= 0:
                contain.send(progress_fd, {"at": index})
            missing = [a for a in contain.ancestors(module) if a not in sys.modules]
            if module in sys.modules:
                self.report({"module": module, "status": "ok", "cached": True}, index, progress_fd)
                index += 1
            elif missing:
                index = self.descend(missing[0], index)
            else:
                self.report(self.leaf(module), index, progress_fd)
                index += 1
        return index

    def report(self, result: Message, index: int, progress_fd: int) -> None:
        contain.send(self.results_fd, result)
        if progress_fd >= 0:
            contain.send(progress_fd, {"did": index})

    def fork(self) -> tuple[int, int, int]:
        """(pid, read end, write end); the child closes the read end, the parent the write end."""
        contain.reset_stack(self.stack_fd)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
        else:
            os.close(write_end)
        return pid, read_end, write_end

    def leaf(self, module: str) -> Message:
        pid, read_end, write_end = self.fork()
        if pid == 0:
            result = contain.attempt(module, write_end, self.stack_fd, self.timeout, self.results_fd)
            result["module"] = module
            contain.send(write_end, result)
            os._exit(0)
        try:
            result = contain.watch(pid, contain.LineReader(read_end), self.stack_fd, module, self.timeout)
        finally:
            os.close(read_end)
        contain.wait_pid(pid)
        return result

    def descend(self, package: str, index: int) -> int:
        """Make the node for ``package`` and let it handle the modules under it."""
        pid, read_end, write_end = self.fork()
        if pid == 0:
            result = contain.attempt(package, write_end, self.stack_fd, self.timeout, self.results_fd)
            result["module"] = package
            contain.send(write_end, result)
            if result["status"] == "ok":
                gc.freeze()  # never collected: later forks copy less
                end = self.scope(package, index, write_end)
                contain.send(write_end, {"end": end})
            os._exit(0)
        reader = contain.LineReader(read_end)
        try:
            made = contain.watch(pid, reader, self.stack_fd, package, self.timeout)
            if made["status"] != "ok":
                contain.wait_pid(pid)
                return self.fail_under(package, index, made)
            return self.follow(pid, reader, index)
        finally:
            os.close(read_end)

    def follow(self, pid: int, reader: contain.LineReader, index: int) -> int:
        """Wait for a node to finish its modules; if it dies, blame the one it was on."""
        at, did = index - 1, index - 1
        while True:
            line, _ = contain.read_line(reader, None)
            message = contain.parse_message(line) if line else None
            if message is None and not line:
                break
            if message is None:
                continue
            if "end" in message:
                contain.wait_pid(pid)
                return int(message["end"])
            at = int(message.get("at", at))
            did = int(message.get("did", did))
        returncode = contain.wait_pid(pid)
        if at <= did:
            return did + 1
        lost = contain.failure(self.modules[at], None, returncode, "", False)
        if returncode is not None and returncode < 0:
            lost["how"] = (
                f"the worker was killed by signal {-returncode} ({lost.get('signal_name', '?')})"
                " while importing this module"
            )
        contain.send(self.results_fd, lost)
        return at + 1

    def fail_under(self, package: str, index: int, made: Message) -> int:
        """A fresh import of anything under ``package`` fails as ``package`` did."""
        while index < len(self.modules) and contain.within(self.modules[index], package):
            contain.send(self.results_fd, {**made, "module": self.modules[index]})
            index += 1
        return index
