"""The parent side: a pool of workers in the project's interpreter, fed batches of modules."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from testguard.core import processes
from testguard.core.findings import UsageError
from testguard.core.processes import Started

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
# A worker that says nothing for this long past the module timeout is presumed wedged.
STALL_MARGIN = 30.0
# Each batch costs a fork of the warm worker (and the end of the one before): fewer, larger
# batches cost less; a child that ends early in one leaves the next to import again what it had.
MAX_BATCH = 256
# A worker's stdout has closed: how long its guard may take to report how it ended.
EXIT_WAIT = 10.0


@dataclass
class ImportOutcome:
    """What happened to one module: ``status`` is ok, error, exit, timeout or crash."""

    module: str
    status: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


Progress = Callable[[int, int], None]


class Snapshots(Protocol):
    """Chooses what a warm worker's snapshot verifies once there is nothing left to import.

    A snapshot is a process the worker forked right after its first import, of a
    top-level package, from a clean state: it holds that package as a fresh
    interpreter does (worker.py), so it gives fresh verdicts of the modules
    under it without importing the package again.
    """

    def pick(self, done: dict[str, ImportOutcome], package: str) -> list[str]:
        """The modules under ``package`` to verify next (none: stop), now claimed."""

    def finished(self, modules: list[str]) -> None:
        """The verification of what ``pick`` gave is over, whatever it reported."""

    def record(self, outcome: ImportOutcome) -> None:
        """A fresh verdict from a snapshot."""


@dataclass
class _Held:
    """What a worker process holds: packages whose change to interpreter state it keeps,
    and the package its snapshot holds (empty: none)."""

    kept: list[str] = field(default_factory=list)
    snapshot: str = ""


class _Queue:
    """Hands out batches in order, shrinking them towards the end so workers finish together.

    With ``shares``, each worker gets one contiguous share instead: the verifier keeps
    the processes of a package for one batch.
    """

    def __init__(self, modules: Sequence[str], workers: int, shares: bool = False) -> None:
        self.pending = list(modules)
        self.position = 0
        self.workers = workers
        self.share = -(-len(modules) // workers) if shares else 0
        self.lock = threading.Lock()

    def take(self) -> list[str]:
        with self.lock:
            remaining = len(self.pending) - self.position
            size = self.share or max(1, min(MAX_BATCH, remaining // (2 * self.workers)))
            batch = self.pending[self.position : self.position + size]
            self.position += len(batch)
            return batch

    def give_back(self, modules: Sequence[str]) -> None:
        with self.lock:
            self.pending[self.position : self.position] = list(modules)


class _Pool:
    def __init__(
        self,
        python: Path,
        config: dict[str, Any],
        cwd: Path,
        total: int,
        progress: Progress | None,
        snapshots: Snapshots | None = None,
    ) -> None:
        self.snapshots = snapshots
        self.python = python
        self.config = config
        self.cwd = cwd
        self.total = total
        self.progress = progress
        self.results: dict[str, ImportOutcome] = {}
        self.lock = threading.Lock()
        self.failures: list[BaseException] = []

    def record(self, outcome: ImportOutcome) -> None:
        with self.lock:
            self.results[outcome.module] = outcome
            done = len(self.results)
        if self.progress is not None:
            self.progress(done, self.total)

    def start(self) -> Started:
        try:
            worker = processes.start(
                [str(self.python), str(WORKER_SCRIPT)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd=self.cwd,
            )
        except OSError as exc:
            raise UsageError(
                f"cannot run the project's interpreter {self.python}: {exc}"
            ) from exc
        stdin = worker.process.stdin
        assert stdin is not None
        try:
            stdin.write((json.dumps(self.config) + "\n").encode())
            stdin.flush()
        except OSError:
            pass  # it died at once: the first batch finds out how
        return worker

    def serve(self, queue: _Queue) -> None:
        """One thread per worker process: feed it batches, collect its results."""
        try:
            self._serve(queue)
        except BaseException as exc:  # noqa: BLE001 -- re-raised in the main thread
            self.failures.append(exc)

    def _serve(self, queue: _Queue) -> None:
        worker = self.start()
        held = _Held()
        try:
            while True:
                batch = queue.take()
                if not batch:
                    self._verify_in_snapshot(worker, held)
                    break
                if not all(within(module, package) for package in held.kept for module in batch):
                    # The worker holds a package's change to interpreter state that these
                    # modules would not see in a fresh interpreter: start from a clean one.
                    _stop(worker)
                    worker = self.start()
                    held = _Held()
                held.kept = []
                leftover = self._run_batch(worker, batch, held, batch)
                if leftover is not None:
                    _stop(worker)
                    queue.give_back(leftover)
                    worker = self.start()
                    held = _Held()
        finally:
            _stop(worker)

    def _verify_in_snapshot(self, worker: Started, held: _Held) -> None:
        """Nothing left to import: let the worker's snapshot verify what it can, beside the
        other workers' last imports.  What it does not report is verified afterwards."""
        if self.snapshots is None or not held.snapshot:
            return
        while True:
            with self.lock:
                done = dict(self.results)
            modules = self.snapshots.pick(done, held.snapshot)
            if not modules:
                return
            try:
                lost = self._run_batch(worker, {"verify": modules}, held, modules, self.snapshots.record)
            finally:
                self.snapshots.finished(modules)
            if lost is not None:
                return  # the worker is gone

    def _run_batch(
        self,
        worker: Started,
        job: list[str] | dict[str, list[str]],
        held: _Held,
        batch: list[str],
        record: Callable[[ImportOutcome], None] | None = None,
    ) -> list[str] | None:
        """Run one job (a batch to import, or modules to verify); on a wedged or dead worker
        return the modules still to do.

        ``held`` learns what the worker holds.  With ``record`` (verification), a module
        that took the worker with it is not blamed: it stays unverified.
        """
        stdin, stdout = worker.process.stdin, worker.process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write((json.dumps(job) + "\n").encode())
            stdin.flush()
        except OSError:
            return batch if record is not None else self._lost(batch, _death(worker))
        remaining = list(batch)
        notes: dict[str, dict[str, Any]] = {}  # kills aimed at the worker, by module
        watchdog = _Watchdog(worker, float(self.config["timeout"]) * 2 + STALL_MARGIN)
        try:
            while True:
                line = _readline(stdout, watchdog)
                if not line:
                    if record is not None:
                        return remaining
                    if watchdog.fired:
                        lost = ImportOutcome("", "timeout", {"how": "the worker process timed out"})
                    else:
                        lost = _death(worker, notes.get(remaining[0]) if remaining else None)
                    return self._lost(remaining, lost)
                message = _parse(line)
                if message is None:
                    continue  # not ours: e.g. a sitecustomize that prints at startup
                if message.get("done"):
                    held.kept.extend(str(package) for package in message.get("kept") or ())
                    held.snapshot = str(message.get("snapshot") or "")
                    return None
                if "note" in message:
                    notes[str(message.pop("note"))] = message
                    continue
                module = message.pop("module")
                status = message.pop("status")
                if module in remaining:
                    remaining.remove(module)
                _add_note(message, notes.get(module))
                (record or self.record)(ImportOutcome(module, status, message))
        finally:
            watchdog.cancel()

    def _lost(self, remaining: list[str], lost: ImportOutcome) -> list[str]:
        """The module being imported took the worker with it: blame it, requeue the rest."""
        if remaining:
            lost.module = remaining[0]
            self.record(lost)
        return remaining[1:]


def within(module: str, package: str) -> bool:
    """Whether ``module`` is ``package`` or one of its submodules."""
    return module == package or module.startswith(package + ".")


def _add_note(data: dict[str, Any], note: dict[str, Any] | None) -> None:
    """A process that died of a signal the module sent: say who sent it."""
    how = data.get("how")
    if note is None or not isinstance(how, str) or data.get("signal") != note.get("signal"):
        return
    if "sent by" not in how and "call" not in data:
        data["how"] = f"{how}, sent by {note.get('call')}"
        data.setdefault("frames", note.get("frames", []))


def _death(worker: Started, note: dict[str, Any] | None = None) -> ImportOutcome:
    """How a worker that stopped answering ended, as the outcome of the module it was importing.

    Its guard ends the way the worker did (the worker's supervisor, the way the
    worker of the moment did), so a module that killed its worker -- or the
    worker's whole process group -- is reported with the signal, at once.
    """
    try:
        returncode = worker.process.wait(timeout=EXIT_WAIT)
    except subprocess.TimeoutExpired:
        worker.kill()
        return ImportOutcome("", "crash", {"how": "the worker process stopped answering"})
    if returncode < 0:
        number = -returncode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        data: dict[str, Any] = {"signal": number, "signal_name": name}
        data["how"] = f"the worker was killed by signal {number} ({name}) while importing this module"
        if note is not None and note.get("signal") == number:
            data["how"] += f", sent by {note.get('call')}"
            data["frames"] = note.get("frames", [])
        return ImportOutcome("", "crash", data)
    how = f"the worker ended (exit status {returncode}) while importing this module"
    return ImportOutcome("", "crash", {"how": how, "returncode": returncode})


class _Watchdog:
    def __init__(self, worker: Started, limit: float) -> None:
        self.worker = worker
        self.limit = limit
        self.fired = False
        self.timer: threading.Timer | None = None
        self.poke()

    def poke(self) -> None:
        self.cancel()
        self.timer = threading.Timer(self.limit, self._fire)
        self.timer.daemon = True
        self.timer.start()

    def _fire(self) -> None:
        self.fired = True
        self.worker.kill()

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()


def _readline(stream: IO[bytes], watchdog: _Watchdog) -> bytes:
    line = stream.readline()
    watchdog.poke()
    return line


def _stop(worker: Started) -> None:
    """End a worker and anything the imported modules left running."""
    proc = worker.process
    try:
        if proc.stdin is not None:
            proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        pass
    worker.end()
    if proc.stdout is not None:
        proc.stdout.close()


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


def check_interpreter(python: Path) -> None:
    """The project's interpreter must run the worker (Python 3.9+): say so plainly if not."""
    try:
        proc = processes.run([str(python), str(WORKER_SCRIPT), "--version"], timeout=60)
    except OSError as exc:
        raise UsageError(
            f"cannot run the project's interpreter {python}: {exc}"
        ) from None
    if proc.timed_out:
        raise UsageError(
            f"cannot run the project's interpreter {python}: it did not answer within 60s"
        )
    stdout = proc.stdout.decode("utf-8", "replace").strip()
    stderr = proc.stderr.decode("utf-8", "replace").strip()
    version = stdout.split(".")
    if (
        proc.returncode != 0
        or len(version) < 2
        or (int(version[0]), int(version[1])) < (3, 9)
    ):
        found = stdout or (stderr.splitlines() or ["no output"])[-1]
        raise UsageError(
            f"the project's interpreter {python} cannot run the import check"
            f" (it needs Python 3.9 or newer; got: {found})"
        )


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def run_imports(
    python: Path,
    modules: Sequence[str],
    *,
    timeout: float,
    workers: int = 0,
    sys_path: Sequence[Path] = (),
    cwd: Path | None = None,
    fork: bool = True,
    progress: Progress | None = None,
    mode: str = "warm",
    snapshots: Snapshots | None = None,
) -> dict[str, ImportOutcome]:
    """Import every module in ``python``, each contained; return an outcome per module.

    ``mode="verify"`` gives each module the verdict of a fresh interpreter in a fork of
    its ancestors (worker_tree.py); ``fork=False`` imports each in a fresh interpreter.
    """
    if not modules:
        return {}
    check_interpreter(python)
    count = workers or default_workers()
    count = max(1, min(count, len(modules)))
    config = {
        "timeout": timeout,
        "fork": fork and sys.platform != "win32",
        "sys_path": [str(path) for path in sys_path],
        "mode": mode,
    }
    pool = _Pool(python, config, cwd or Path.cwd(), len(modules), progress, snapshots)
    queue = _Queue(modules, count, shares=mode == "verify")
    threads = [
        threading.Thread(target=pool.serve, args=(queue,), daemon=True)
        for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if pool.failures:
        raise pool.failures[0]
    for module in modules:
        if module not in pool.results:
            pool.results[module] = ImportOutcome(
                module, "timeout", {"how": "the worker process died"}
            )
    return pool.results


def confirm_failures(
    python: Path,
    outcomes: dict[str, ImportOutcome],
    *,
    timeout: float,
    workers: int = 0,
    sys_path: Sequence[Path] = (),
    cwd: Path | None = None,
    statuses: Sequence[str] = ("error", "exit", "crash"),
) -> dict[str, ImportOutcome]:
    """Re-import each failed module in a fresh interpreter; that verdict is the one reported.

    A failure seen in the warm worker could come from what earlier modules left
    behind, and a crash from forking a process whose native libraries are not
    fork-safe (macOS frameworks); the fresh interpreter is the reference.
    Hangs are not repeated.
    """
    suspects = [
        name for name, outcome in outcomes.items() if outcome.status in statuses
    ]
    if not suspects:
        return outcomes
    fresh = run_imports(
        python,
        suspects,
        timeout=timeout,
        workers=workers,
        sys_path=sys_path,
        cwd=cwd,
        fork=False,
    )
    merged = dict(outcomes)
    merged.update(fresh)
    return merged
