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
from typing import IO, Any

from testguard.core.findings import UsageError

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
# A worker that says nothing for this long past the module timeout is presumed wedged.
STALL_MARGIN = 30.0
MAX_BATCH = 32


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


class _Queue:
    """Hands out batches in order, shrinking them towards the end so workers finish together."""

    def __init__(self, modules: Sequence[str], workers: int) -> None:
        self.pending = list(modules)
        self.position = 0
        self.workers = workers
        self.lock = threading.Lock()

    def take(self) -> list[str]:
        with self.lock:
            remaining = len(self.pending) - self.position
            size = max(1, min(MAX_BATCH, remaining // (2 * self.workers)))
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
    ) -> None:
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

    def start(self) -> subprocess.Popen[bytes]:
        try:
            proc = subprocess.Popen(
                [str(self.python), str(WORKER_SCRIPT)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd=self.cwd,
                start_new_session=os.name == "posix",
            )
        except OSError as exc:
            raise UsageError(
                f"cannot run the project's interpreter {self.python}: {exc}"
            ) from exc
        assert proc.stdin is not None
        proc.stdin.write((json.dumps(self.config) + "\n").encode())
        proc.stdin.flush()
        return proc

    def serve(self, queue: _Queue) -> None:
        """One thread per worker process: feed it batches, collect its results."""
        try:
            self._serve(queue)
        except BaseException as exc:  # noqa: BLE001 -- re-raised in the main thread
            self.failures.append(exc)

    def _serve(self, queue: _Queue) -> None:
        proc = self.start()
        try:
            while True:
                batch = queue.take()
                if not batch:
                    break
                leftover = self._run_batch(proc, batch)
                if leftover is not None:
                    _stop(proc)
                    queue.give_back(leftover)
                    proc = self.start()
        finally:
            _stop(proc)

    def _run_batch(
        self, proc: subprocess.Popen[bytes], batch: list[str]
    ) -> list[str] | None:
        """Run one batch; on a wedged or dead worker return the modules still to do."""
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write((json.dumps(batch) + "\n").encode())
            proc.stdin.flush()
        except OSError:
            return self._lost(batch, "the worker process died")
        remaining = list(batch)
        watchdog = _Watchdog(proc, float(self.config["timeout"]) * 2 + STALL_MARGIN)
        try:
            while True:
                line = _readline(proc.stdout, watchdog)
                if not line:
                    reason = "timed out" if watchdog.fired else "died"
                    return self._lost(remaining, f"the worker process {reason}")
                message = _parse(line)
                if message is None:
                    continue  # not ours: e.g. a sitecustomize that prints at startup
                if message.get("done"):
                    return None
                module = message.pop("module")
                status = message.pop("status")
                if module in remaining:
                    remaining.remove(module)
                self.record(ImportOutcome(module, status, message))
        finally:
            watchdog.cancel()

    def _lost(self, remaining: list[str], reason: str) -> list[str]:
        """The module being imported took the worker with it: blame it, requeue the rest."""
        if remaining:
            self.record(ImportOutcome(remaining[0], "timeout", {"how": reason}))
        return remaining[1:]


class _Watchdog:
    def __init__(self, proc: subprocess.Popen[bytes], limit: float) -> None:
        self.proc = proc
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
        _kill_group(self.proc)

    def cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()


def _readline(stream: IO[bytes], watchdog: _Watchdog) -> bytes:
    line = stream.readline()
    watchdog.poke()
    return line


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except OSError:
        pass


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """End a worker and anything the imported modules left running in its session."""
    try:
        if proc.stdin is not None:
            proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        pass
    _kill_group(proc)
    proc.wait()
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
        proc = subprocess.run(
            [str(python), str(WORKER_SCRIPT), "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(
            f"cannot run the project's interpreter {python}: {exc}"
        ) from None
    version = proc.stdout.strip().split(".")
    if (
        proc.returncode != 0
        or len(version) < 2
        or (int(version[0]), int(version[1])) < (3, 9)
    ):
        found = (
            proc.stdout.strip()
            or (proc.stderr.strip().splitlines() or ["no output"])[-1]
        )
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
) -> dict[str, ImportOutcome]:
    """Import every module in ``python``, each contained; return an outcome per module.

    ``fork=False`` imports each module in a fresh interpreter (slow, the reference).
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
    }
    pool = _Pool(python, config, cwd or Path.cwd(), len(modules), progress)
    queue = _Queue(modules, count)
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
