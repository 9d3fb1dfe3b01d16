"""Reading the project's coverage data into a ``CoverageSet``.

The ``.coverage`` SQLite file is analysed in-process through coverage.py, with
the project's coverage configuration loaded from the project root (so
``[paths]`` remapping, ``omit``/``include``, ``exclude_lines``, branch and
``precision`` are all the project's own); parallel ``.coverage.*`` files are
combined into a temporary copy (the project's files are left alone).  Data that
this coverage.py cannot read (written by another version) is analysed by the
project's own coverage.py instead (``python -m coverage json``).
``coverage.json`` and Cobertura ``coverage.xml`` are read directly.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sqlite3
import tempfile
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from testguard.checks.coverage.model import CoverageSet, FileCoverage
from testguard.core.findings import UsageError
from testguard.core.project_process import missing_module, run_python

HOW_TO_PRODUCE = (
    "produce it with 'coverage run -m pytest' (or 'pytest --cov'), or set"
    ' run = "pytest -q" in [tool.testguard.coverage] so that testguard runs the tests'
    " under coverage itself"
)


@dataclass
class Settings:
    """The project's coverage.py configuration, as coverage.py itself reads it."""

    data_file: Path
    precision: int
    fail_under: float
    json_output: Path
    xml_output: Path


@contextlib.contextmanager
def in_directory(path: Path) -> Iterator[None]:
    """coverage.py resolves its config and relative paths against the working directory."""
    before = os.getcwd()
    os.chdir(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # CoverageWarning: testguard reports, not warns
            yield
    finally:
        os.chdir(before)


def _coverage_error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def project_settings(root: Path, data_file: str | None) -> Settings:
    import coverage
    from coverage.exceptions import CoverageException

    kwargs: dict[str, Any] = {"data_file": data_file} if data_file else {}
    with in_directory(root):
        try:
            cov = coverage.Coverage(config_file=True, **kwargs)
        except CoverageException as exc:
            raise UsageError(f"coverage.py cannot read the project's coverage configuration: {exc}") from None
        config = cov.config
        return Settings(
            data_file=(root / config.data_file).absolute(),
            precision=int(config.precision),
            fail_under=float(config.fail_under),
            json_output=root / config.json_output,
            xml_output=root / config.xml_output,
        )


def parallel_files(data_file: Path) -> list[Path]:
    """``.coverage.<host>.<pid>.<random>`` files that ``coverage combine`` would combine."""
    if not data_file.parent.is_dir():
        return []
    prefix = data_file.name + "."
    return sorted(
        p for p in data_file.parent.iterdir()
        if p.name.startswith(prefix) and p.is_file()
        and not p.name.endswith(("-journal", "-wal", "-shm", ".json", ".xml", ".lock"))
    )


def data_version(data_file: Path) -> str | None:
    """The coverage.py version that wrote a SQLite data file, when it says."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{data_file}?mode=ro", uri=True)) as db:
            row = db.execute("select value from meta where key = 'version'").fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def _relative(root: Path, filename: str) -> str:
    path = Path(filename)
    if path.is_absolute():
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()
    return path.as_posix()


def _analyses(cov: Any) -> Iterator[tuple[Any, Any]]:
    """(file reporter, analysis) per reported file, as ``coverage report`` computes them."""
    try:
        module = importlib.import_module("coverage.report_core")
    except ImportError:  # coverage.py < 7.3 called it coverage.report
        module = importlib.import_module("coverage.report")
    get_analysis_to_report: Callable[[Any, None], Iterator[tuple[Any, Any]]]
    get_analysis_to_report = module.get_analysis_to_report
    prepare: Callable[[], None] | None = getattr(cov, "_prepare_data_for_reporting", None)
    if prepare is not None:
        prepare()  # applies [paths] remapping, as every coverage report does
    yield from get_analysis_to_report(cov, None)


def _file_from_analysis(root: Path, reporter: Any, analysis: Any) -> FileCoverage:
    numbers = analysis.numbers
    branch_lines: dict[int, tuple[int, int]] = {}
    missing_arcs: dict[int, list[int]] = {}
    if analysis.has_arcs:
        branch_lines = {int(k): (int(v[0]), int(v[1])) for k, v in analysis.branch_stats().items()}
        missing_arcs = {int(k): sorted(v) for k, v in analysis.missing_branch_arcs().items() if v}
    return FileCoverage(
        path=_relative(root, str(reporter.relative_filename())),
        statements=frozenset(analysis.statements),
        missing=frozenset(analysis.missing),
        branches=int(numbers.n_branches),
        missing_branches=int(numbers.n_missing_branches),
        branch_lines=branch_lines,
        missing_arcs=missing_arcs,
    )


class Unreadable(Exception):
    """This coverage.py cannot read the data file (another version wrote it): the
    project's own coverage.py may (``read_with_project_coverage``)."""

    def __init__(self, why: str, parallel: list[Path]) -> None:
        super().__init__(why)
        self.why = why
        self.parallel = parallel


def _analyse(root: Path, data_file: Path, settings: Settings, parallel: list[Path]) -> CoverageSet:
    import coverage
    from coverage.exceptions import (
        CoverageException,
        DataError,
        NoDataError,
        NoSource,
        NotPython,
    )

    with in_directory(root), tempfile.TemporaryDirectory(prefix="testguard-cov-") as tmp:
        try:
            if parallel:
                cov = coverage.Coverage(data_file=str(Path(tmp) / ".coverage"), config_file=True)
                cov.combine(data_paths=[str(p) for p in parallel], keep=True)
            else:
                cov = coverage.Coverage(data_file=str(data_file), config_file=True)
                cov.load()
            branch = bool(cov.get_data().has_arcs())
            files = [_file_from_analysis(root, fr, a) for fr, a in _analyses(cov)]
        except DataError as exc:
            if "not a database" in str(exc):  # no version of coverage.py wrote this
                raise UsageError(
                    f"{data_file.name} is not a coverage.py data file ({exc}); {HOW_TO_PRODUCE}"
                ) from None
            raise Unreadable(str(exc), parallel) from None
        except NoDataError as exc:
            raise UsageError(f"{data_file.name} holds no coverage data ({exc}); {HOW_TO_PRODUCE}") from None
        except NoSource as exc:
            raise UsageError(
                f"the coverage data in {data_file.name} names source files that do not exist here"
                f" ({exc}): it was measured on another machine or in another directory. Add a"
                " [paths] section to the project's coverage configuration so coverage.py can"
                " remap them (or measure with relative_files = true)"
            ) from None
        except NotPython as exc:
            raise UsageError(f"coverage.py could not analyse a measured file: {exc}") from None
        except CoverageException as exc:
            raise UsageError(f"coverage.py could not read {data_file.name}: {_coverage_error(exc)}") from None
        except sqlite3.Error as exc:
            raise Unreadable(str(exc), parallel) from None
    source = data_file.name if not parallel else f"{len(parallel)} parallel {data_file.name}.* files"
    return CoverageSet(
        files={f.path: f for f in files},
        branch=branch,
        precision=settings.precision,
        source=source,
        fail_under=settings.fail_under,
    )


def read_with_project_coverage(
    root: Path, python: Path, data_file: Path, parallel: list[Path], settings: Settings, why: str
) -> CoverageSet:
    """The project's own coverage.py writes JSON from data this one cannot read."""
    with tempfile.TemporaryDirectory(prefix="testguard-cov-") as tmp:
        env = dict(os.environ)
        out = Path(tmp) / "coverage.json"
        if parallel:
            env["COVERAGE_FILE"] = str(Path(tmp) / ".coverage")
            combined = run_python(python, ["-m", "coverage", "combine", "--keep", *map(str, parallel)], root, env=env)
            if combined.returncode != 0:
                raise _project_failure(python, data_file, combined.tail(1500), why)
        else:
            env["COVERAGE_FILE"] = str(data_file)
        done = run_python(python, ["-m", "coverage", "json", "-o", str(out)], root, env=env)
        if done.returncode != 0 or not out.is_file():
            if missing_module(done, "coverage"):
                version = data_version(data_file) or "another version"
                raise UsageError(
                    f"{data_file.name} was written by coverage.py {version}, which this coverage.py"
                    f" cannot read ({why}), and the project's interpreter {python} has no"
                    " coverage.py to read it: install the same coverage.py in both, or write"
                    " coverage.json ('coverage json') and let testguard read that"
                )
            raise _project_failure(python, data_file, done.tail(1500), why)
        loaded = load_json(out, root, settings.precision, settings.fail_under)
    loaded.source = f"{data_file.name} (read by the project's coverage.py)"
    return loaded


def _project_failure(python: Path, data_file: Path, output: str, why: str) -> UsageError:
    return UsageError(
        f"cannot read {data_file.name}: this coverage.py says {why!r}, and the project's"
        f" coverage.py ({python} -m coverage json) failed too:\n{output}"
    )


def load_sqlite(root: Path, data_file: Path, settings: Settings, parallel: list[Path] | None = None) -> CoverageSet:
    """A ``.coverage`` file (or its parallel files, or the ones given); ``Unreadable`` when this
    coverage.py cannot read it."""
    if parallel is None:
        parallel = [] if data_file.is_file() else parallel_files(data_file)
    return _analyse(root, data_file, settings, parallel)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path.name} is not valid JSON ({exc}); regenerate it with 'coverage json'") from None
    except RecursionError:
        raise UsageError(f"{path.name} is not valid JSON (nested too deeply); regenerate it with 'coverage json'") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise UsageError(f"{path.name} is not a coverage.py JSON report (no \"files\"); regenerate it with 'coverage json'")
    return data


def _arcs(raw: Any) -> list[tuple[int, int]]:
    if not isinstance(raw, list):
        return []
    return [(int(a[0]), int(a[1])) for a in raw if isinstance(a, list) and len(a) == 2]


def load_json(path: Path, root: Path, precision: int, fail_under: float) -> CoverageSet:
    """A ``coverage json`` report (format 2 or later)."""
    data = _read_json(path)
    meta = data.get("meta", {}) if isinstance(data.get("meta"), dict) else {}
    branch = bool(meta.get("branch_coverage", False))
    files: dict[str, FileCoverage] = {}
    try:
        for name, entry in data["files"].items():
            executed = {int(n) for n in entry.get("executed_lines", [])}
            missing = frozenset(int(n) for n in entry.get("missing_lines", []))
            summary = entry.get("summary", {})
            taken = _arcs(entry.get("executed_branches"))
            missed = _arcs(entry.get("missing_branches"))
            branch_lines: dict[int, tuple[int, int]] = {}
            missing_arcs: dict[int, list[int]] = {}
            for line, _ in taken:
                exits, done = branch_lines.get(line, (0, 0))
                branch_lines[line] = (exits + 1, done + 1)
            for line, dest in missed:
                exits, done = branch_lines.get(line, (0, 0))
                branch_lines[line] = (exits + 1, done)
                missing_arcs.setdefault(line, []).append(dest)
            rel = _relative(root, name)
            files[rel] = FileCoverage(
                path=rel,
                statements=frozenset(executed | missing),
                missing=missing,
                branches=int(summary.get("num_branches", len(taken) + len(missed))),
                missing_branches=int(summary.get("missing_branches", len(missed))),
                branch_lines=branch_lines,
                missing_arcs=missing_arcs,
            )
    except (AttributeError, TypeError, ValueError, OverflowError) as exc:
        raise UsageError(f"{path.name} is not a coverage.py JSON report ({exc}); regenerate it with 'coverage json'") from None
    return CoverageSet(files=files, branch=branch, precision=precision, source=path.name, fail_under=fail_under)


def _xml_path(root: Path, sources: list[Path], filename: str) -> str:
    for base in sources:
        candidate = base / filename
        if candidate.is_file():
            return _relative(root, str(candidate))
    return _relative(root, filename)


def load_xml(path: Path, root: Path, precision: int, fail_under: float) -> CoverageSet:
    """A Cobertura report (``coverage xml``, or any tool that writes the format)."""
    try:
        tree = ET.parse(path)
    except OSError as exc:
        raise UsageError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    except ET.ParseError as exc:
        raise UsageError(f"{path.name} is not valid XML ({exc}); regenerate it with 'coverage xml'") from None
    top = tree.getroot()
    if top.tag != "coverage":
        raise UsageError(f"{path.name} is not a Cobertura coverage report (its root is <{top.tag}>)")
    sources = [Path(s.text.strip()) for s in top.iter("source") if s.text and s.text.strip()]
    sources = [s if s.is_absolute() else root / s for s in sources]
    files: dict[str, FileCoverage] = {}
    try:
        branch = top.get("branch-rate") is not None and int(top.get("branches-valid", "0") or 0) > 0
        for cls in top.iter("class"):
            rel = _xml_path(root, sources, cls.get("filename", ""))
            statements: set[int] = set()
            missing: set[int] = set()
            branch_lines: dict[int, tuple[int, int]] = {}
            for line in cls.iter("line"):
                number = int(line.get("number", "0"))
                statements.add(number)
                if int(line.get("hits", "0")) == 0:
                    missing.add(number)
                cond = line.get("condition-coverage")
                if line.get("branch") == "true" and cond and "(" in cond:
                    taken, _, exits = cond[cond.index("(") + 1 : cond.index(")")].partition("/")
                    branch_lines[number] = (int(exits), int(taken))
            previous = files.get(rel)
            if previous is not None:  # one file split over several classes
                statements |= previous.statements
                missing |= previous.missing
                branch_lines.update(previous.branch_lines)
            files[rel] = FileCoverage(
                path=rel,
                statements=frozenset(statements),
                missing=frozenset(missing),
                branches=sum(e for e, _ in branch_lines.values()),
                missing_branches=sum(e - t for e, t in branch_lines.values()),
                branch_lines=branch_lines,
            )
    except ValueError as exc:
        raise UsageError(f"{path.name}: unexpected value in the Cobertura report ({exc})") from None
    return CoverageSet(files=files, branch=branch, precision=precision, source=path.name, fail_under=fail_under)
