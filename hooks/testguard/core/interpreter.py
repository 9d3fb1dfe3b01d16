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


def _own_prefix() -> Path:
    """testguard's own environment (pre-commit's hook venv, or wherever it is installed)."""
    return Path(sys.prefix).resolve()


def find_interpreter(root: Path, config: Config, override: str | None = None) -> Path:
    configured = override or config.python
    if configured:
        return _configured(root, config, configured, from_config=not override)
    venv = os.environ.get("VIRTUAL_ENV")
    if venv:
        found = _venv_python(Path(venv))
        if found is not None and not _is_own(found):
            return found
    for name in (".venv", "venv"):
        found = _venv_python(root / name)
        if found is not None:
            return found
    own = _own_prefix()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not directory:
            continue
        candidate = Path(directory) / "python3"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            if not _under(candidate, own):
                return candidate
    return Path(sys.executable)


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
            which = shutil.which(configured)
            if which is None:
                raise UsageError(f"python = {configured!r}{where} is not on PATH; {fix}")
            path = Path(which)
    if path.is_dir():
        found = _venv_python(path)
        if found is None:
            raise UsageError(f"python = {configured!r}{where} is a directory without bin/python; {fix}")
        return found
    if not path.is_file():
        raise UsageError(f"the project interpreter {configured!r}{where} does not exist; {fix}")
    if not os.access(path, os.X_OK):
        raise UsageError(f"the project interpreter {path}{where} is not executable; {fix}")
    return path


def _is_own(python: Path) -> bool:
    return _under(python, _own_prefix())


def _under(path: Path, prefix: Path) -> bool:
    try:
        path.absolute().relative_to(prefix)
    except ValueError:
        return False
    return True
