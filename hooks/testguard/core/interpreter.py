"""The project's own Python: the one that has the project's dependencies.

Order (the spec): config ``python``, ``$VIRTUAL_ENV``, ``.venv/`` or ``venv/`` in
the project, then the first ``python3`` on PATH that is not testguard's own
(pre-commit runs hooks in an isolated environment that lacks the project's
dependencies, so that one is never the answer unless nothing else exists).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from testguard.core.config import Config
from testguard.core.findings import UsageError


def _venv_python(venv: Path) -> Path | None:
    for candidate in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _own_prefixes() -> set[Path]:
    return {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()} - {
        Path(sys.base_prefix).resolve()
    } or {Path(sys.prefix).resolve()}


def find_interpreter(root: Path, config: Config, override: str | None = None) -> Path:
    configured = override or config.python
    if configured:
        path = Path(configured).expanduser()
        if not path.is_absolute() and ("/" in configured or os.sep in configured):
            path = root / path
        elif not path.is_absolute():
            which = shutil.which(configured)
            if which is None:
                raise UsageError(f"python = {configured!r} is not on PATH; set 'python' to the interpreter's path")
            path = Path(which)
        if path.is_dir():
            found = _venv_python(path)
            if found is None:
                raise UsageError(f"python = {configured!r} is a directory without bin/python")
            return found
        if not path.is_file():
            where = f" ({config.file})" if config.file and not override else ""
            raise UsageError(
                f"the project interpreter {configured!r}{where} does not exist; "
                "point 'python' in [tool.testguard] at the project's python"
            )
        return path
    venv = os.environ.get("VIRTUAL_ENV")
    if venv:
        found = _venv_python(Path(venv))
        if found is not None and not _is_own(found):
            return found
    for name in (".venv", "venv"):
        found = _venv_python(root / name)
        if found is not None:
            return found
    own = _own_prefixes()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not directory:
            continue
        candidate = Path(directory) / "python3"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            if not any(_under(candidate, prefix) for prefix in own):
                return candidate
    return Path(sys.executable)


def _is_own(python: Path) -> bool:
    return any(_under(python, prefix) for prefix in _own_prefixes())


def _under(path: Path, prefix: Path) -> bool:
    try:
        path.absolute().relative_to(prefix)
    except ValueError:
        return False
    return True
