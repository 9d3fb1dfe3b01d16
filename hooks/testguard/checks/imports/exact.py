"""Every module's verdict as a fresh interpreter gives it, at about the price of a warm one.

A fresh ``python -c "import importlib; importlib.import_module('pkg.mod')"`` is
the reference.  The warm workers import each module after many others, which
is fast, and their verdict equals the fresh one unless

* the module was imported while a change to interpreter state made by a module
  that is not its ancestor was in force (the worker says ``untrusted``; it keeps
  such changes out of its state where it can, see worker.py);
* the module lies on an import cycle and was imported before its turn, as part
  of another module: a fresh import enters the cycle at the module itself;
* it passed, and a module it imports directly (or its package) is a cycle
  member that fails when a fresh import enters the cycle there, or a module
  whose verdict changed.

Those modules are imported again, each in a fork of a process that holds only
its ancestor packages (worker_tree.py): the fresh verdict, for a fork and the
module's own imports.  Whatever changes is followed to the modules that import
it, round by round, until nothing changes.  A warm worker that has nothing
left to import verifies the suspects known by then in its snapshot (a fork
that holds its package as a fresh import does, runner.py), beside the other
workers' last imports and without importing the package once more.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from testguard.checks.imports.cycles import ImportCycles
from testguard.core.importgraph import DepGraph
from testguard.checks.imports.discover import ModuleSpec
from testguard.checks.imports.plan import Plan
from testguard.checks.imports.runner import ImportOutcome, Progress, confirm_failures, run_imports, within

# Rounds of following changed verdicts to the modules that import them.
MAX_ROUNDS = 8


@dataclass
class Settings:
    python: Path
    timeout: float
    workers: int
    sys_path: Sequence[Path]
    cwd: Path


@dataclass
class Tally:
    """How the verdicts were reached (for the report's section)."""

    reverified: int = 0
    changed: list[str] = field(default_factory=list)
    warm_seconds: float = 0.0
    verify_seconds: float = 0.0


class _Graph(threading.Thread):
    """The static import graph and its cycles, worked out while the warm workers import."""

    def __init__(self, graph_specs: Sequence[ModuleSpec]) -> None:
        super().__init__(daemon=True)
        self.specs = graph_specs
        self.cycles: ImportCycles | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.cycles = ImportCycles(DepGraph(self.specs))
        except BaseException as exc:  # noqa: BLE001 -- re-raised by the caller
            self.error = exc

    def result(self) -> ImportCycles:
        self.join()
        if self.error is not None or self.cycles is None:
            raise self.error or RuntimeError("the import graph was not made")
        return self.cycles


def verdicts(
    settings: Settings,
    work: Plan,
    *,
    fresh: bool,
    confirm: bool,
    progress: Progress | None,
) -> tuple[dict[str, ImportOutcome], Tally]:
    """The verdict of every module of the plan: exact (default) or a fresh interpreter each."""
    tally = Tally()
    if fresh:
        names = [spec.name for spec in work.modules]
        outcomes = run_imports(
            settings.python, names, timeout=settings.timeout, workers=settings.workers,
            sys_path=settings.sys_path, cwd=settings.cwd, fork=False, progress=progress,
        )
        return outcomes, tally
    outcomes = exact_outcomes(
        settings, work.modules, work.graph_modules, confirm=confirm, progress=progress, tally=tally
    )
    return outcomes, tally


def exact_outcomes(
    settings: Settings,
    specs: Sequence[ModuleSpec],
    graph_specs: Sequence[ModuleSpec],
    *,
    confirm: bool,
    progress: Progress | None,
    tally: Tally,
) -> dict[str, ImportOutcome]:
    """The fresh-interpreter verdict of every module of ``specs``.

    ``graph_specs`` are every module of the packages (the import graph runs
    through modules this run does not check).
    """
    names = [spec.name for spec in specs]
    if not names:
        return {}
    graph_work = _Graph(graph_specs)
    graph_work.start()
    started = time.monotonic()
    snapshots = _InSnapshots(graph_work, len(names))
    outcomes = run_imports(
        settings.python,
        _largest_first(specs),
        timeout=settings.timeout,
        workers=settings.workers,
        sys_path=settings.sys_path,
        cwd=settings.cwd,
        progress=progress,
        snapshots=snapshots,
    )
    cycles = graph_work.result()
    tally.warm_seconds = time.monotonic() - started
    started = time.monotonic()
    verified: set[str] = set()
    changed: set[str] = set()

    def take(fresh: dict[str, ImportOutcome]) -> None:
        """Record fresh verdicts, and which of them changed."""
        verified.update(fresh)
        tally.reverified += len(fresh)
        now = {name for name, outcome in fresh.items() if outcome.ok != outcomes[name].ok}
        tally.changed += sorted(now)
        changed.update(now)
        outcomes.update(fresh)

    take(snapshots.fresh)
    # What the snapshots did not verify: suspects outside their package, or that took one with them.
    for _ in range(MAX_ROUNDS + 1):
        todo = _to_verify(outcomes, verified, changed, cycles)
        if not todo:
            break
        take(_verify(settings, todo))
    tally.verify_seconds = time.monotonic() - started
    statuses = ("error", "exit", "crash") if confirm else ("crash",)
    # A crash in a forked child is re-checked in a fresh interpreter (rare, and it may be
    # the fork); with --confirm every failure is.
    return confirm_failures(
        settings.python,
        outcomes,
        timeout=settings.timeout,
        workers=settings.workers,
        sys_path=settings.sys_path,
        cwd=settings.cwd,
        statuses=statuses,
    )


def _suspects(outcomes: dict[str, ImportOutcome], cycles: ImportCycles) -> set[str]:
    """Modules whose warm verdict may differ from a fresh one: imported while another
    module's change to interpreter state was in force, or a cycle member imported
    before its turn (the cycle was entered elsewhere)."""
    return {
        name
        for name, outcome in outcomes.items()
        if outcome.data.get("untrusted") or (name in cycles.members and outcome.data.get("cached"))
    }


def _to_verify(
    outcomes: dict[str, ImportOutcome], verified: set[str], changed: set[str], cycles: ImportCycles
) -> set[str]:
    """The modules still to verify: the suspects, and -- round by round, as fresh verdicts
    come in -- a module that passed after importing a cycle member that fails when a
    fresh import enters the cycle there, or a module whose verdict changed: its own may too."""
    failing = {name for name in cycles.members & outcomes.keys() if not outcomes[name].ok}
    passed = {name for name in cycles.importers(failing) & outcomes.keys() if outcomes[name].ok}
    return (_suspects(outcomes, cycles) | (cycles.importers(changed) & outcomes.keys()) | passed) - verified


class _InSnapshots:
    """Hands the warm workers' snapshots the modules under their package to verify, each
    once: the suspects so far while other workers import; once every module has its
    warm verdict, the rounds that follow changed verdicts, one at a time."""

    def __init__(self, graph: _Graph, total: int) -> None:
        self.graph = graph
        self.total = total
        self.lock = threading.Condition()
        self.claimed: set[str] = set()
        self.open = 0  # picks being verified
        self.rounds = 0
        self.fresh: dict[str, ImportOutcome] = {}

    def pick(self, done: dict[str, ImportOutcome], package: str) -> list[str]:
        cycles = self.graph.result()
        with self.lock:
            if len(done) < self.total:
                todo = _suspects(done, cycles) - self.claimed
            else:
                while self.open:  # a round needs the verdicts of the one before
                    self.lock.wait()
                if self.rounds > MAX_ROUNDS:
                    return []
                self.rounds += 1
                merged = {**done, **self.fresh}
                changed = {name for name, outcome in self.fresh.items() if outcome.ok != done[name].ok}
                todo = _to_verify(merged, self.claimed, changed, cycles)
            mine = {name for name in todo if within(name, package)}
            self.claimed |= mine
            self.open += bool(mine)
        return sorted(mine, key=lambda name: name.split("."))

    def finished(self, modules: list[str]) -> None:
        with self.lock:
            self.open -= bool(modules)
            self.lock.notify_all()

    def record(self, outcome: ImportOutcome) -> None:
        with self.lock:
            self.fresh[outcome.module] = outcome


def _largest_first(specs: Sequence[ModuleSpec]) -> list[str]:
    """The order of the warm imports: the largest files first, so that the slowest imports
    (usually large) start early and the workers finish together.  The verdicts do not
    depend on the order; the time does."""

    def size(spec: ModuleSpec) -> int:
        try:
            return spec.path.stat().st_size
        except OSError:
            return 0

    return [spec.name for spec in sorted(specs, key=lambda spec: (-size(spec), spec.parts))]


def _verify(settings: Settings, modules: set[str]) -> dict[str, ImportOutcome]:
    return run_imports(
        settings.python,
        sorted(modules, key=lambda name: name.split(".")),
        timeout=settings.timeout,
        workers=settings.workers,
        sys_path=settings.sys_path,
        cwd=settings.cwd,
        mode="verify",
    )
