"""What every check gets: the project, its config, what to look at, and the run's options."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from testguard.core.config import Config
from testguard.core.interpreter import Interpreter, locate_interpreter
from testguard.core.selection import Selection

# The baseline and git are loaded only when a run asks for them: a hook call
# without a baseline file or --diff-base never imports them.
if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    from testguard.core.baseline import Baseline
    from testguard.core.gitdiff import ChangedLines

    Own = TypeVar("Own", bound=DataclassInstance)


@dataclass(frozen=True)
class RunOptions:
    """The options every command shares, parsed once (the command line's, or a command's own)."""

    diff_base: str | None = None
    baseline: str | None = None
    no_baseline: bool = False
    fail_on: str = "new"
    use_cache: bool = True
    python: str | None = None
    config: str | None = None
    custom_rules: bool = False
    format: str | None = None
    output: str | None = None
    summary: str | None = None
    reports: tuple[tuple[str, str], ...] = ()
    paths_relative_to: str | None = None
    annotate_baselined: str | None = None
    select: str | None = None
    extend_select: str | None = None
    ignore: str | None = None
    statistics: bool = False
    exit_zero: bool = False
    fix: bool = False
    diff: bool = False
    given: Mapping[str, object] = field(default_factory=dict)
    """The command's own options, by name (``--timeout`` -> ``timeout``): see ``own``."""

    def own(self, kind: type[Own]) -> Own:
        """A check's own options as its dataclass ``kind``, whose fields are named after them.

        Options the command did not have (``run`` has no ``--timeout``) keep the field's default.
        """
        names = {f.name for f in dataclasses.fields(kind)}
        return kind(**{name: value for name, value in self.given.items() if name in names})


@dataclass
class Context:
    """What every check gets: where the project is, its config, what to look at."""

    root: Path
    config: Config
    paths: list[str]
    options: RunOptions = field(default_factory=RunOptions)
    selection: Selection = field(default_factory=Selection)
    """The rules this run reports (``--select``, ``per-file-ignores``...)."""

    interpreter_asked: int = field(default=0, init=False)
    """How often a check asked for the interpreter (the runner says which checks used it)."""

    @cached_property
    def located_interpreter(self) -> Interpreter:
        """The project's own Python and how it was found (UsageError when there is none)."""
        return locate_interpreter(self.root, self.config, self.options.python)

    @property
    def interpreter(self) -> Path:
        """The project's own Python (raises UsageError when there is none)."""
        self.interpreter_asked += 1
        return self.located_interpreter.path

    @property
    def baseline_path(self) -> Path:
        given = self.options.baseline
        return Path(given) if given else self.root / self.config.baseline

    @cached_property
    def baseline(self) -> Baseline | None:
        """The baseline, unless there is none or ``--no-baseline`` was given."""
        path = self.baseline_path
        if self.options.no_baseline or not (path.exists() or path.is_symlink()):
            return None
        from testguard.core.baseline import Baseline

        return Baseline.load(path, self.root)

    @cached_property
    def changed(self) -> ChangedLines | None:
        """Lines changed since ``--diff-base`` (None without it)."""
        ref = self.options.diff_base
        if not ref:
            return None
        from testguard.core.gitdiff import changed_lines

        return changed_lines(self.root, ref)
