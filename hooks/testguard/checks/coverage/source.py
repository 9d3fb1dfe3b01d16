"""Where the coverage data comes from: run the tests under coverage, or find what exists."""

from __future__ import annotations

import os
import shlex
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from testguard.checks.coverage.data import (
    HOW_TO_PRODUCE,
    Settings,
    Unreadable,
    load_json,
    load_sqlite,
    load_xml,
    parallel_files,
    project_settings,
    read_with_project_coverage,
)
from testguard.checks.coverage.model import CoverageSet
from testguard.checks.coverage.settings import CoverageConfig
from testguard.core.context import Context
from testguard.core.findings import UsageError
from testguard.core.project_process import Completed, missing_module, run_python, signal_text


def run_command(run: str) -> list[str]:
    """``run`` as arguments for ``coverage run``: ``pytest -q`` -> ``-m pytest -q``."""
    try:
        words = shlex.split(run)
    except ValueError as exc:
        raise UsageError(f"[tool.testguard.coverage] run = {run!r} cannot be split into arguments: {exc}") from None
    if not words:
        raise UsageError("[tool.testguard.coverage] run is empty: give the test command, e.g. \"pytest -q\"")
    if Path(words[0]).name.startswith("python") and len(words) > 2 and words[1] == "-m":
        words = words[2:]  # "python -m pytest" -> "pytest"
    if words[0] == "-m":
        return words
    if words[0].endswith(".py"):
        return words
    return ["-m", *words]


@dataclass
class MeasuredRun:
    """The test run under coverage and the data it wrote: the data file, or else only the
    parallel files this run wrote (``None``: the data file)."""

    completed: Completed
    parallel: list[Path] | None


def _data_files(data_file: Path) -> dict[Path, tuple[int, int, int, int]]:
    """The data file and its parallel files, each with what changes when coverage.py writes it."""
    found: dict[Path, tuple[int, int, int, int]] = {}
    for path in (data_file, *parallel_files(data_file)):
        try:
            st = path.stat()
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            found[path] = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    return found


def _how_it_ended(returncode: int) -> str:
    if returncode >= 0:
        return f"exit code {returncode}"
    return f"the tests were killed by {signal_text(returncode)} before coverage.py could save"


def run_tests(root: Path, python: Path, config: CoverageConfig, settings: Settings) -> MeasuredRun:
    """``<python> -m coverage run -m pytest ...`` in the project root.

    Only data this run wrote is read: a data file left by an earlier run is no measurement
    of these tests (a run that crashed, or ended with ``os._exit``, saves nothing)."""
    probe = run_python(python, ["-c", "import coverage"], root)
    if probe.returncode != 0 and not missing_module(probe, "coverage"):
        said = probe.said()
        raise UsageError(
            f"the project's interpreter {python} cannot import coverage.py (exit code"
            f" {probe.returncode}){said}\npoint 'python' in [tool.testguard] (or --python) at the"
            " project's Python, the one that has coverage.py and the test dependencies"
        )
    if probe.returncode != 0:
        raise UsageError(
            f"coverage.py is not installed in the project's interpreter {python}, so"
            f" run = {config.run!r} cannot be measured: install it there"
            " (python -m pip install coverage), or point 'python' in [tool.testguard] at the"
            " environment that has it"
        )
    env = dict(os.environ)
    if config.data_file:
        env["COVERAGE_FILE"] = str(settings.data_file)
    args = ["-m", "coverage", "run", *run_command(config.run or "")]
    if sys.stderr.isatty():
        print(f"testguard: running {config.run} under coverage…", file=sys.stderr, flush=True)
    before = _data_files(settings.data_file)
    completed = run_python(python, args, root, env=env)
    module = run_command(config.run or "")
    if module[0] == "-m" and missing_module(completed, module[1]):
        raise UsageError(
            f"{module[1]} is not installed in the project's interpreter {python}"
            f" (run = {config.run!r}): install it there, or point 'python' in"
            " [tool.testguard] at the environment that has the project's test dependencies"
        )
    written = [path for path, state in _data_files(settings.data_file).items() if before.get(path) != state]
    if settings.data_file in written:
        return MeasuredRun(completed, None)
    if written:
        return MeasuredRun(completed, sorted(written))
    earlier = (
        f"; the coverage data already in {settings.data_file.parent} is from an earlier run, not used"
        if before else ""
    )
    said = completed.said()
    raise UsageError(
        f"'coverage run {' '.join(module)}' wrote no coverage data"
        f" ({_how_it_ended(completed.returncode)}){earlier}{said}"
    )


def _sqlite(ctx: Context, data_file: Path, settings: Settings, parallel: list[Path] | None = None) -> CoverageSet:
    try:
        return load_sqlite(ctx.root, data_file, settings, parallel)
    except Unreadable as exc:
        return read_with_project_coverage(ctx.root, ctx.interpreter, data_file, exc.parallel, settings, exc.why)


def _by_suffix(ctx: Context, path: Path, settings: Settings) -> CoverageSet:
    if path.suffix == ".json":
        return load_json(path, ctx.root, settings.precision, settings.fail_under)
    if path.suffix == ".xml":
        return load_xml(path, ctx.root, settings.precision, settings.fail_under)
    return _sqlite(ctx, path, settings)


def load_coverage(ctx: Context, config: CoverageConfig) -> tuple[CoverageSet, Completed | None]:
    """The project's coverage, after running the tests when ``run`` is configured.

    The project's interpreter is looked for only when it is needed: to run the
    tests, or to read data written by another coverage.py.  Data that measured no
    file is an error, as coverage.py's "No data to report": no floor can hold on it.
    """
    cov, completed = _load(ctx, config)
    if not cov.files:
        raise UsageError(
            f"{cov.source} measured no file (coverage.py would say 'No data to report'), so no"
            " floor can be checked: make coverage measure the project's code (its 'source'"
            " and 'omit' settings, or pytest --cov=PACKAGE); " + HOW_TO_PRODUCE
        )
    return cov, completed


def _load(ctx: Context, config: CoverageConfig) -> tuple[CoverageSet, Completed | None]:
    root = ctx.root
    configured = config.data_file
    report_file = configured and configured.endswith((".json", ".xml"))
    settings = project_settings(root, None if report_file else configured)
    completed = None
    if config.run:
        if report_file:
            raise UsageError(
                f"[tool.testguard.coverage] data-file = {configured!r} is a report, but run"
                " writes coverage data: drop data-file, or point it at a .coverage file"
            )
        tests = run_tests(root, ctx.interpreter, config, settings)
        return _sqlite(ctx, settings.data_file, settings, tests.parallel), tests.completed
    if configured:
        path = root / configured
        if not path.is_file() and not (not report_file and parallel_files(path)):
            raise UsageError(
                f"[tool.testguard.coverage] data-file = {configured!r}: {path} does not exist;"
                f" {HOW_TO_PRODUCE}"
            )
        return _by_suffix(ctx, path if report_file else settings.data_file, settings), None
    if settings.data_file.is_file() or parallel_files(settings.data_file):
        return _sqlite(ctx, settings.data_file, settings), None
    for report in (settings.json_output, settings.xml_output, root / "coverage.json", root / "coverage.xml"):
        if report.is_file():
            return _by_suffix(ctx, report, settings), None
    raise UsageError(
        f"no coverage data in {root}: neither {_shown(root, settings.data_file)} nor"
        f" coverage.json / coverage.xml exists; {HOW_TO_PRODUCE}"
    )


def _shown(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
