"""Which mypy to run, on what, with which flags."""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import sys
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from testguard.checks.mypy.settings import SECTION
from testguard.core import processes
from testguard.core.context import Context
from testguard.core.findings import UsageError
from testguard.core.project import SKIP_DIRS, detect_packages, source_roots, test_directories
from testguard.core.source import NotARegularFile, read_regular

JSON_SINCE = (1, 11)  # mypy's -O json
# Without JSON output: one line per message, with columns, ends and codes, nothing else.
TEXT_FLAGS = [
    "--show-column-numbers",
    "--show-error-end",
    "--show-error-codes",
    "--no-pretty",
    "--no-color-output",
    "--no-error-summary",
    "--hide-error-context",
    "--hide-absolute-path",
]
_TARGET_KEYS = ("files", "modules", "packages")
_INI_NAMES = ("mypy.ini", ".mypy.ini")

# Runs inside the project's interpreter (standard library only, Python 3.9+).
_PROBE = (
    "try:\n"
    "    from mypy.version import __version__ as v\n"
    "except Exception:\n"
    "    v = ''\n"
    "print(v)\n"
)


# ``python -m mypy``, but with the working directory (the project root) after the installed
# packages on sys.path: a project's own mypy.py must not run instead of mypy (it passed the
# gate by printing nothing), and a plugin named as a module of the project still imports.
_RUN_MYPY = (
    "import runpy, sys\n"
    "if sys.path[:1] == ['']:\n"
    "    sys.path.append(sys.path.pop(0))\n"
    "runpy.run_module('mypy', run_name='__main__', alter_sys=True)\n"
)


def run_mypy(python: str) -> list[str]:
    """The command that runs the mypy installed for ``python``."""
    return [python, "-c", _RUN_MYPY]


@dataclass
class Mypy:
    """How to start mypy and what it supports."""

    command: list[str]
    version: tuple[int, ...]
    version_text: str

    @property
    def json_output(self) -> bool:
        return self.version >= JSON_SINCE


def parse_version(text: str) -> tuple[int, ...]:
    numbers = []
    for part in text.strip().split("+")[0].split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        numbers.append(int(digits.group()))
    return tuple(numbers)


def _site_mypy_version(site: Path) -> str | None:
    """mypy's version in one site-packages ("" = not there; None = cannot tell)."""
    infos = list(site.glob("mypy-*.dist-info"))
    has_module = (site / "mypy" / "__init__.py").is_file()
    if not infos and not has_module:
        return ""
    if len(infos) == 1 and has_module:
        return infos[0].name[len("mypy-") : -len(".dist-info")]
    return None


def _venv_mypy_version(python: Path) -> str | None:
    """mypy's version in a virtualenv, read from its files ("" = no mypy; None = cannot tell).

    Saves starting the interpreter on every run (a warm mypy run takes only a
    few hundred milliseconds, so this shows).
    """
    venv = python.parent.parent
    try:
        cfg = (venv / "pyvenv.cfg").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    site_dirs = [d for d in venv.glob("lib/python3*/site-packages") if d.is_dir()]
    if len(site_dirs) != 1:
        return None  # Windows layout, or several Pythons: ask the interpreter
    found = _site_mypy_version(site_dirs[0])
    system = re.search(r"^\s*include-system-site-packages\s*=\s*true", cfg, re.MULTILINE | re.IGNORECASE)
    if found != "" or not system:
        return found
    # the system site-packages are on the path too, and a user site before them
    home = re.search(r"^\s*home\s*=\s*(.+?)\s*$", cfg, re.MULTILINE)
    version_dir = site_dirs[0].parent.name
    if home is None or (Path.home() / ".local" / "lib" / version_dir / "site-packages").is_dir():
        return None
    base_site = Path(home.group(1)).parent / "lib" / version_dir / "site-packages"
    return _site_mypy_version(base_site) if base_site.is_dir() else None


def _own_mypy() -> Mypy:
    spec = importlib.util.find_spec("mypy")
    if spec is None or spec.origin is None:
        raise UsageError(
            "mypy is installed neither in the project's interpreter nor with testguard;"
            " install mypy in the project's environment"
        )
    # read from the dist-info beside it: importing mypy.version loads mypy's compiled runtime
    version = _site_mypy_version(Path(spec.origin).parent.parent)
    if not version:
        from mypy.version import __version__

        version = __version__
    return Mypy(run_mypy(sys.executable), parse_version(version), version)


def _same_environment(python: Path) -> bool:
    if sys.prefix != sys.base_prefix or (python.parent.parent / "pyvenv.cfg").exists():
        return False
    try:
        return os.path.samefile(python, sys.executable)
    except OSError:
        return False


def _probe(command: list[str], what: str) -> str:
    try:
        proc = processes.run(command, timeout=120)
    except OSError as exc:
        raise UsageError(f"cannot run {what} ({command[0]}): {exc}") from None
    if proc.timed_out:
        raise UsageError(f"cannot run {what} ({command[0]}): it did not answer within 120s")
    stdout = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        detail = (proc.stderr.decode("utf-8", "replace") or stdout).strip().splitlines()
        raise UsageError(f"{what} ({command[0]}) does not run: {detail[-1] if detail else proc.returncode}")
    return stdout.strip()


def find_mypy(ctx: Context, python: Path) -> Mypy:
    """The configured mypy, else the project interpreter's, else testguard's own."""
    configured = SECTION.of(ctx.config).mypy
    if configured:
        path = Path(configured).expanduser()
        if not path.is_absolute() and ("/" in configured or os.sep in configured):
            path = ctx.root / path
        exe = str(path) if path.is_absolute() else configured
        out = _probe([exe, "--version"], f"mypy = {configured!r} in [tool.testguard.mypy]")
        match = re.search(r"\b(\d+\.\d+[\w.+]*)", out)
        if not out.startswith("mypy") or match is None:
            raise UsageError(f"mypy = {configured!r} in [tool.testguard.mypy] is not mypy: {out!r}")
        return Mypy([exe], parse_version(match.group(1)), match.group(1))
    if _same_environment(python):
        return _own_mypy()
    version = _venv_mypy_version(python)
    if version is None:
        version = _probe([str(python), "-c", _PROBE], "the project interpreter")
    if version:
        return Mypy(run_mypy(str(python)), parse_version(version), version)
    return _own_mypy()


def _config_file_arg(args: Sequence[str]) -> str | None:
    for i, arg in enumerate(args):
        if arg == "--config-file" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--config-file="):
            return arg.split("=", 1)[1]
    return None


def _config_text(file: Path, max_size: int) -> str | None:
    """The text of a mypy configuration file; None when there is none.  Only a regular file is
    read (a named pipe would hang testguard and mypy, /dev/zero never end); one that cannot be
    read is "" (mypy then says why, and that is a usage error)."""
    if not os.path.exists(file):
        return None
    try:
        return read_regular(str(file), max_size).decode("utf-8", "replace")
    except NotARegularFile:
        if os.path.isdir(file):
            return ""
        raise UsageError(
            f"the mypy configuration {file} is not a regular file (a pipe or a device): mypy would"
            " wait on it forever; use a regular file (or point --config-file at one)"
        ) from None
    except OSError:
        return ""


def _ini_targets(text: str, shared: bool) -> bool | None:
    """Whether an ini file names targets; None when mypy would not use it (no [mypy] in setup.cfg)."""
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error:
        return False  # mypy says what is wrong, and that is a usage error
    if not parser.has_section("mypy"):
        return None if shared else False
    return any(parser.has_option("mypy", key) for key in _TARGET_KEYS)


def _toml_targets(data: dict[str, Any]) -> bool | None:
    tool = data.get("tool")
    table = tool.get("mypy") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        return None
    return any(key in table for key in _TARGET_KEYS)


def config_sets_targets(ctx: Context, args: Sequence[str]) -> bool:
    """Whether the configuration mypy reads (found as mypy finds it) names files/modules/packages."""
    limit = ctx.config.max_file_size
    explicit = _config_file_arg(args)
    if explicit:
        file = Path(explicit) if Path(explicit).is_absolute() else ctx.root / explicit
        text = _config_text(file, limit)
        if text is None:
            return False  # mypy: "Cannot find config file"
        if file.suffix != ".toml":
            return bool(_ini_targets(text, shared=False))
        try:
            return bool(_toml_targets(tomllib.loads(text)))
        except tomllib.TOMLDecodeError:
            return False
    for name in _INI_NAMES:
        text = _config_text(ctx.root / name, limit)
        if text is not None:
            return bool(_ini_targets(text, shared=False))
    if (ctx.root / "pyproject.toml").is_file():
        found = _toml_targets(ctx.config.pyproject)
        if found is not None:
            return found
    text = _config_text(ctx.root / "setup.cfg", limit)
    return text is not None and bool(_ini_targets(text, shared=True))


def _holds_python(directory: Path) -> bool:
    """Whether mypy finds a file to check under ``directory``: given one with none (a
    ``tests/`` of data files), mypy stops with "There are no .py[i] files"."""
    for _, dirs, files in os.walk(directory):
        if any(f.endswith((".py", ".pyi")) for f in files):
            return True
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
    return False


def default_targets(ctx: Context) -> list[str]:
    """The project's packages (as paths) plus its test directories, as every check finds
    them (pytest's ``testpaths``, ``tests`` in [tool.testguard], else ``tests/``)."""
    targets: list[str] = []
    for name in detect_packages(ctx.root, ctx.config):
        parts = name.split(".")
        for base in source_roots(ctx.root, ctx.config):
            package = base.joinpath(*parts)
            module = base.joinpath(*parts[:-1], parts[-1] + ".py")
            found = package if package.is_dir() else module if module.is_file() else None
            if found is not None:
                targets.append(found.relative_to(ctx.root).as_posix())
                break
    for directory in test_directories(ctx.root, ctx.config):
        inside = any(directory == t or directory.startswith(t + "/") for t in targets)
        if not inside and _holds_python(ctx.root / directory):
            targets.append(directory)
    if not targets:
        raise UsageError(
            "no targets for mypy: no package found in the project; set [tool.testguard.mypy]"
            " targets (or files in the mypy configuration)"
        )
    return targets


def build_command(ctx: Context, mypy: Mypy, python: Path) -> tuple[list[str], list[str]]:
    """The full mypy command line, and its targets (empty: mypy's configuration decides)."""
    settings = SECTION.of(ctx.config)
    user_args = list(settings.args)
    if settings.targets:
        targets = list(settings.targets)
    elif config_sets_targets(ctx, user_args):
        targets = []
    else:
        targets = default_targets(ctx)
    output = ["-O", "json"] if mypy.json_output else list(TEXT_FLAGS)
    # testguard's flags come after the user's, so the output stays machine-readable.
    command = [*mypy.command, *user_args, "--python-executable", str(python), *output,
               "--show-traceback"]
    if targets:
        command += ["--", *targets]
    return command, targets
