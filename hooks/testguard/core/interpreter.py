"""The project's own Python: the one that has the project's dependencies.

Order (the spec): config ``python``, ``$VIRTUAL_ENV``, ``.venv/`` or ``venv/`` in
the project, then the first ``python3`` on PATH that is not testguard's own
(pre-commit runs hooks in an isolated environment that lacks the project's
dependencies, so that one is never the answer unless nothing else exists).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from testguard.core.config import Config
from testguard.core.findings import UsageError


def _problem(candidate: Path) -> str | None:
    """Why ``candidate`` (which exists) cannot be run, or None when it can.

    ``Path.is_file()`` raises on EACCES: a venv made on another machine (or as
    another user) can point into a directory this user cannot read.
    """
    try:
        mode = candidate.stat().st_mode
    except OSError as exc:
        target = os.path.realpath(candidate)
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
            return f"it points to {target!r}, which does not exist"
        resolves = f" (it resolves to {target!r})" if target != str(candidate.absolute()) else ""
        if exc.errno in (errno.EACCES, errno.EPERM):
            return f"permission denied{resolves}: this user cannot reach it"
        return f"{exc.strerror or exc}{resolves}"
    if not stat.S_ISREG(mode):
        return "it is not a file"
    if not os.access(candidate, os.X_OK):
        return "it is not executable"
    return None


def _exists(path: Path) -> bool:
    """Whether there is anything at ``path`` (a dangling link or an unreachable file counts;
    a name with a NUL byte, which no file can have, does not)."""
    try:
        path.lstat()
    except OSError as exc:
        return exc.errno not in (errno.ENOENT, errno.ENOTDIR)
    except ValueError:
        return False
    return True


def _venv_candidate(venv: Path) -> tuple[Path, str | None] | None:
    """The venv's interpreter and why it cannot be run (None: it can); None without one."""
    for candidate in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
        if _exists(candidate):
            return candidate, _problem(candidate)
    return None


def _skip(root: Path, candidate: Path, problem: str) -> None:
    """One line on stderr per candidate that is there but cannot be used."""
    shown = candidate.relative_to(root) if candidate.is_relative_to(root) else candidate
    print(
        f"testguard: warning: skipping the interpreter {str(shown)!r}: {problem}; trying the next candidate",
        file=sys.stderr,
    )


def _usable_venv(root: Path, venv: Path) -> Path | None:
    found = _venv_candidate(venv)
    if found is None:
        return None
    candidate, problem = found
    if problem is not None:
        _skip(root, candidate, problem)
        return None
    return candidate


def _own_prefix() -> Path:
    """testguard's own environment (pre-commit's hook venv, or wherever it is installed)."""
    return Path(sys.prefix).resolve()


@dataclass(frozen=True)
class Interpreter:
    """The project's Python, and how it was found (said on stderr: the choice is not silent)."""

    path: Path
    found: str  # "--python", "python in pyproject.toml", "$VIRTUAL_ENV", ".venv", "python3 on PATH"…


def find_interpreter(root: Path, config: Config, override: str | None = None) -> Path:
    return locate_interpreter(root, config, override).path


def locate_interpreter(root: Path, config: Config, override: str | None = None) -> Interpreter:
    configured = override or config.python
    if configured:
        path = _configured(root, config, configured, from_config=not override)
        where = config.file.name if config.file is not None else "the config"
        return Interpreter(path, "--python" if override else f"python in {where}")
    venv = os.environ.get("VIRTUAL_ENV")
    if venv:
        found = _usable_venv(root, Path(venv))
        if found is not None and not _is_own(found):
            return Interpreter(found, "$VIRTUAL_ENV")
    for name in (".venv", "venv"):
        found = _usable_venv(root, root / name)
        if found is not None:
            return Interpreter(found, name)
    own = _own_prefix()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not directory:
            continue
        candidate = Path(directory) / "python3"
        if not _exists(candidate) or _under(candidate, own):
            continue
        problem = _problem(candidate)
        if problem is None:
            return Interpreter(candidate, "python3 on PATH: no .venv, venv or $VIRTUAL_ENV")
        _skip(root, candidate, problem)
    return Interpreter(Path(sys.executable), "testguard's own: no project interpreter found")


def _configured(root: Path, config: Config, configured: str, from_config: bool) -> Path:
    """The interpreter the user named: a path (relative to the project), a venv, or a command."""
    where = f" ({config.file})" if config.file and from_config else ""
    fix = "point 'python' in [tool.testguard] at the project's python"
    path = Path(configured).expanduser()
    if not path.is_absolute():
        in_project = root / path
        if "/" in configured or os.sep in configured or in_project.exists():
            path = in_project
        else:
            import shutil

            which = shutil.which(configured)
            if which is None:
                raise UsageError(f"python = {configured!r}{where} is not on PATH; {fix}")
            path = Path(which)
    if not _exists(path):
        raise UsageError(f"the project interpreter {configured!r}{where} does not exist; {fix}")
    shown = configured
    if _is_dir(path):
        found = _venv_candidate(path)
        if found is None:
            raise UsageError(f"python = {configured!r}{where} is a directory without bin/python; {fix}")
        path, problem = found
        shown = str(path)
    else:
        problem = _problem(path)
    if problem == "it is not executable":
        raise UsageError(f"the project interpreter {path}{where} is not executable; {fix}")
    if problem is not None:
        raise UsageError(f"the project interpreter {shown!r}{where} cannot be used: {problem}; {fix}")
    return path


def _is_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(path.stat().st_mode)
    except OSError:
        return False


def _is_own(python: Path) -> bool:
    return _under(python, _own_prefix())


def _under(path: Path, prefix: Path) -> bool:
    try:
        path.absolute().relative_to(prefix)
    except ValueError:
        return False
    return True
