"""The project: its root, its files, which of them are tests, its own packages."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from testguard.core.config import Config
from testguard.core.gitsays import warn_refused
from testguard.core.globs import GlobSet

DEFAULT_TESTS = ["tests/**", "**/test_*.py", "**/*_test.py", "**/conftest.py"]
# Directories a walk never enters (a git repo uses git's own ignore rules instead).
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "env", ".env",
        "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache",
        ".testguard_cache", "node_modules", "build", "dist", ".eggs",
        "site-packages",
    }
)


def is_file(path: Path) -> bool:
    """Path.is_file() that says False, not PermissionError, behind a directory it cannot search."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def is_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _exists(path: Path) -> bool:
    try:
        os.stat(path)
    except (OSError, ValueError):
        return False
    return True


def find_root(start: Path) -> Path:
    """The nearest directory upward with a pyproject.toml, else a .git, else start."""
    start = start.resolve()
    for directory in (start, *start.parents):
        if is_file(directory / "pyproject.toml"):
            return directory
    for directory in (start, *start.parents):
        if _exists(directory / ".git"):
            return directory
    return start


def relpath(root: Path, path: Path) -> str:
    """Root-relative POSIX path; paths outside the root stay as given."""
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        return Path(os.path.normpath(absolute)).relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


@dataclass
class Discovered:
    """What discovery found: files to check, given paths that do not exist, directories it could not read."""

    files: list[str]
    missing: list[str]
    unreadable: dict[str, str]  # root-relative directory -> why (e.g. "Permission denied")


# git's own warning (git 2.x dir.c), read with LC_ALL=C so that it is not translated.
_GIT_UNREADABLE = re.compile(r"^warning: could not open directory '(.*)/': (.*)$")


def _git_files(root: Path, unreadable: dict[str, str]) -> list[str] | None:
    """git's tracked files and its untracked, not ignored ones; None without git.

    An untracked file below a directory a walk never enters (``SKIP_DIRS``: a
    ``.venv`` nobody put in ``.gitignore``, ``build``, ``node_modules``) is left
    out, as the walk leaves it out: it is not the project's code.  A tracked one is
    the project's, wherever it is, unless it was deleted.
    """
    top = _git_top(root)
    if top is None:
        return None
    tracked = _ls_files(root, "--cached")
    others = _ls_files(root, "--others", "--exclude-standard") if tracked is not None else None
    if tracked is None or others is None:
        return None
    # git names directories from the top of the work tree, files from the cwd.
    prefix = os.path.relpath(root, top).replace(os.sep, "/")
    prefix = "" if prefix == "." else prefix + "/"
    for line in others[1].decode("utf-8", "surrogateescape").splitlines():
        match = _GIT_UNREADABLE.match(line)
        if match and match.group(1).startswith(prefix):
            unreadable[match.group(1)[len(prefix):]] = match.group(2)
    # A tracked file deleted in the work tree (not yet `git rm`-ed) is no file to check.
    base = os.fspath(root)  # str joins: a Path per tracked file cost a warm run a quarter of its time
    names = {n for n in _names(tracked[0]) if os.path.lexists(os.path.join(base, n))}
    untracked = [n for n in _names(others[0]) if not _in_skipped_dir(n)]
    names.update(n for n in untracked if not n.endswith("/"))
    _note_nested_repositories(root, [n for n in untracked if n.endswith("/")])
    return sorted(names)


_NOTED: set[Path] = set()


def _note_nested_repositories(root: Path, nested: list[str]) -> None:
    """git lists an untracked repository inside the project (no submodule) as ``dir/`` and
    none of its files: say so once, rather than pass over its tests in silence."""
    if not nested or root in _NOTED:
        return
    _NOTED.add(root)
    import sys

    from testguard.core.report.escape import inert, visible

    shown = ", ".join(visible(n) for n in nested[:5]) + (f" and {len(nested) - 5} more" if len(nested) > 5 else "")
    print(inert(
        f"testguard: note: {shown}: a git repository inside the project (not a submodule), so"
        " git lists none of its files and they are not checked; name it as a path to check it,"
        " or add it to .gitignore"
    ), file=sys.stderr)


def _ls_files(root: Path, *options: str) -> tuple[bytes, bytes] | None:
    """``git ls-files -z OPTIONS``: its output and its warnings, None when git cannot say."""
    import subprocess

    try:
        proc = subprocess.run(
            ["git", "ls-files", "-z", *options],
            cwd=root,
            capture_output=True,
            check=False,
            env={**os.environ, "LC_ALL": "C", "LANGUAGE": ""},
        )
    except OSError:
        return None
    if proc.returncode != 0:
        warn_refused("list the project's files", proc.stderr,
                     "looking at every file under the project instead (.gitignore is not honoured)")
        return None
    return proc.stdout, proc.stderr


def _names(listing: bytes) -> list[str]:
    return [n for n in listing.decode("utf-8", "surrogateescape").split("\0") if n]


def _in_skipped_dir(path: str) -> bool:
    return any(_skipped_dir(part) for part in path.split("/")[:-1])


def _git_top(root: Path) -> Path | None:
    """The nearest directory at or above ``root`` that holds a ``.git``."""
    for directory in (root, *root.parents):
        if _exists(directory / ".git"):
            return directory
    return None


def _skipped_dir(name: str) -> bool:
    return name in SKIP_DIRS or name.endswith(".egg-info")


def _walk(
    root: Path,
    base: Path,
    unreadable: dict[str, str],
    suffixes: tuple[str, ...] = (),
    exclude: GlobSet | None = None,
) -> list[str]:
    """The files under ``base``, root-relative, sorted: ``str`` paths from ``os.scandir``.

    Only names ending in ``suffixes`` (all, when empty) are kept, decided on the name
    before anything else is built; directories that ``SKIP_DIRS`` or ``exclude`` rule
    out are not entered (whatever is below an excluded directory is excluded too).
    Symbolic links to directories are not followed (as ``os.walk``).
    """
    found: list[str] = []
    rel_base = os.path.relpath(base, root).replace(os.sep, "/")
    stack = [(os.fspath(base), "" if rel_base == "." else rel_base + "/")]
    while stack:
        directory, prefix = stack.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError as error:
            unreadable[prefix[:-1] or "."] = error.strerror or str(error)
            continue
        for entry in entries:
            name = entry.name
            try:
                directory_entry = entry.is_dir()
            except OSError:
                directory_entry = False
            if not directory_entry:
                if not suffixes or name.endswith(suffixes):
                    found.append(prefix + name)
                continue
            if _skipped_dir(name) or entry.is_symlink():
                continue
            rel = prefix + name
            if exclude is not None and exclude.match(rel):
                continue
            stack.append((entry.path, rel + "/"))
    found.sort()
    return found


def _kind(path: Path) -> str:
    """"dir", "missing" or "file": anything else there, even what cannot be read (reading it says why)."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except OSError:
        return "file"
    if stat.S_ISLNK(info.st_mode):  # a link given by name is followed (a broken one: "file")
        try:
            info = os.stat(path)
        except OSError:
            return "file"
    return "dir" if stat.S_ISDIR(info.st_mode) else "file"


def discover_files(
    root: Path, paths: list[str], config: Config, suffixes: tuple[str, ...] = (".py",)
) -> Discovered:
    """Files to check, root-relative, explicit paths that do not exist, and unreadable directories.

    With no paths: the whole project (git's tracked and not-ignored files in a
    git repo, else a directory walk).  Explicit files are always kept, even when
    excluded by suffix, so pre-commit's file list is honoured exactly; config
    ``exclude`` applies to both, and to the unreadable directories.
    """
    exclude = GlobSet(config.exclude)
    missing: list[str] = []
    files: list[str] = []
    unreadable: dict[str, str] = {}
    if not paths:
        candidates = _git_files(root, unreadable)
        if not candidates:
            # Not a git repo, or a project git ignores inside a parent repo
            # (a vendored or generated tree): walk the directory instead.
            unreadable.clear()
            candidates = _walk(root, root, unreadable, suffixes, exclude or None)
        files = [f for f in candidates if f.endswith(suffixes)]
    else:
        for given in paths:
            kind = _kind(root / given)
            if kind == "dir":
                files.extend(_walk(root, root / given, unreadable, suffixes, exclude or None))
            elif kind == "file":
                files.append(given)
            else:
                missing.append(given)
    seen: set[str] = set()
    result = []
    for f in files:
        if f not in seen and not exclude.match(f):
            seen.add(f)
            result.append(f)
    skipped = {
        d: why for d, why in sorted(unreadable.items())
        if not exclude.match(d) and not exclude.match(d + "/")
    }
    return Discovered(result, missing, skipped)


def _ini_section(file: Path, section: str) -> dict[str, list[str]] | None:
    if not is_file(file):
        return None
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(file, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError, OSError):
        return None
    if not parser.has_section(section):
        return None
    return {
        k: parser.get(section, k).split()
        for k in ("python_files", "testpaths")
        if parser.has_option(section, k)
    }


def _pytest_ini(root: Path, pyproject: dict[str, Any]) -> dict[str, list[str]]:
    """pytest's python_files and testpaths, from the file pytest itself would use."""
    found = _ini_section(root / "pytest.ini", "pytest")
    if found is not None:
        return found
    tool = pyproject.get("tool", {})
    pytest_table = tool.get("pytest", {}) if isinstance(tool, dict) else {}
    options = pytest_table.get("ini_options") if isinstance(pytest_table, dict) else None
    if isinstance(options, dict):
        out: dict[str, list[str]] = {}
        for key in ("python_files", "testpaths"):
            value = options.get(key)
            if isinstance(value, str):
                out[key] = value.split()
            elif isinstance(value, list):
                out[key] = [str(v) for v in value]
        return out
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        found = _ini_section(root / name, section)
        if found is not None:
            return found
    return {}


def test_globs(root: Path, config: Config) -> list[str]:
    """The globs that say which files are test code."""
    if config.tests:
        return list(config.tests)
    ini = _pytest_ini(root, config.pyproject or _load_pyproject(root))
    python_files = ini.get("python_files")
    testpaths = ini.get("testpaths")
    if not python_files and not testpaths:
        return list(DEFAULT_TESTS)
    globs = ["**/conftest.py"]
    file_patterns = python_files or ["test_*.py", "*_test.py"]
    if testpaths:
        for tp in testpaths:
            tp = tp.strip("/").removeprefix("./")
            glob = _testpath_glob(root, config, tp)
            if glob not in globs:
                globs.append(glob)
    globs.extend(f"**/{p}" for p in file_patterns)
    return globs


def _testpath_glob(root: Path, config: Config, testpath: str) -> str:
    """What of a pytest ``testpaths`` entry is test code: all of a tests directory, but only
    the ``tests`` directories inside the project's own code (``testpaths = ["pandas"]``,
    ``["src"]``, ``["."]``: pytest looks there for test modules, the rest is the product)."""
    if testpath in ("", "."):
        return "tests/**"
    directory = (root / testpath).resolve()
    product = [r.resolve() for r in source_roots(root, config) if r.resolve() != root.resolve()]
    product += _package_dirs(root, config)
    if any(directory == d or d in directory.parents for d in product):
        return f"{testpath}/**/tests/**"
    return f"{testpath}/**"


def _package_dirs(root: Path, config: Config) -> list[Path]:
    """The directories of the project's own packages."""
    found: list[Path] = []
    bases = source_roots(root, config)
    for name in detect_packages(root, config):
        for base in bases:
            directory = base.joinpath(*name.split("."))
            if is_dir(directory):
                found.append(directory.resolve())
                break
    return found


def test_directories(root: Path, config: Config) -> list[str]:
    """The directories test discovery names (``tests``; pytest's ``testpaths``; the
    literal start of the ``tests`` globs) that exist, root-relative, in order."""
    found: list[str] = []
    for pattern in test_globs(root, config):
        prefix = _literal_prefix(pattern)
        if not prefix:
            continue
        directory = "/".join(prefix)
        if directory not in found and is_dir(root / directory):
            found.append(directory)
    return found


def _load_pyproject(root: Path) -> dict[str, Any]:
    from testguard.core.config import read_toml

    file = root / "pyproject.toml"
    return read_toml(file) if is_file(file) else {}


class TestFileMatcher:
    """Says whether a root-relative path is test code."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, root: Path, config: Config) -> None:
        patterns = test_globs(root, config)
        self.globs = GlobSet(patterns)
        self._prefixes = [_literal_prefix(p) for p in patterns if p.strip()]

    def __call__(self, path: str) -> bool:
        return self.globs.match(path)

    def may_hold_tests(self, directory: str) -> bool:
        """Whether some test file could lie below ``directory`` (errs towards yes)."""
        if self.globs.match(directory):
            return True
        parts = directory.split("/")
        for prefix in self._prefixes:
            depth = min(len(prefix), len(parts))
            if prefix[:depth] == parts[:depth]:
                return True
        return False


def _literal_prefix(pattern: str) -> list[str]:
    """The leading directories a glob names literally: ``src/*/tests/**`` -> ``["src"]``."""
    pattern = pattern.strip().replace("\\", "/").removeprefix("./")
    if not pattern.startswith("/") and "/" not in pattern.rstrip("/"):
        return []  # a bare name matches at any depth
    prefix: list[str] = []
    for segment in pattern.strip("/").split("/"):
        if any(ch in segment for ch in "*?["):
            break
        prefix.append(segment)
    return prefix


_NAME = re.compile(r"[-_.]+")


def _declared_roots(pyproject: dict[str, Any]) -> list[str]:
    """Source roots the build configuration names (setuptools' package-dir / find.where)."""
    tool = pyproject.get("tool", {})
    setuptools = tool.get("setuptools", {}) if isinstance(tool, dict) else {}
    if not isinstance(setuptools, dict):
        return []
    found: list[str] = []
    package_dir = setuptools.get("package-dir")
    if isinstance(package_dir, dict) and isinstance(package_dir.get(""), str):
        found.append(package_dir[""])
    packages = setuptools.get("packages")
    find = packages.get("find") if isinstance(packages, dict) else None
    where = find.get("where") if isinstance(find, dict) else None
    if isinstance(where, list):
        found.extend(w for w in where if isinstance(w, str))
    return found


def source_roots(root: Path, config: Config) -> list[Path]:
    """Where the project's importable packages live: what the build config declares,
    else ``src/``, and the root itself."""
    roots: list[Path] = []
    pyproject = config.pyproject or _load_pyproject(root)
    for declared in _declared_roots(pyproject):
        candidate = (root / declared).resolve()
        if is_dir(candidate) and candidate not in roots:
            roots.append(candidate)
    if is_dir(root / "src") and (root / "src").resolve() not in roots:
        roots.append(root / "src")
    if root.resolve() not in roots:
        roots.append(root)
    return roots


def detect_packages(root: Path, config: Config) -> list[str]:
    """The project's own top-level packages: config; else every package of a source root
    other than the project root (``src/``, setuptools' ``package-dir``), as setuptools
    finds them there; else, in a flat layout, the package named after ``[project].name``,
    else the top-level packages that are not tests, docs or scripts."""
    if config.packages:
        return list(config.packages)
    project = (config.pyproject or {}).get("project", {})
    name = project.get("name") if isinstance(project, dict) else None
    candidate = _NAME.sub("_", name).lower() if isinstance(name, str) else None
    here = root.resolve()
    for base in source_roots(root, config):
        if base.resolve() == here:
            continue
        found = _packages_in(base)
        if found:
            return found
        if candidate and is_file(base / f"{candidate}.py"):
            return [candidate]
    if candidate and (is_file(root / candidate / "__init__.py") or is_file(root / f"{candidate}.py")):
        return [candidate]
    return _packages_in(root)


_NOT_PACKAGES = frozenset(
    {"tests", "test", "testing", "t", "docs", "bench", "benchmarks", "examples", "scripts"}
)


def _packages_in(base: Path) -> list[str]:
    """The regular packages directly in ``base`` (a directory with an ``__init__.py``)."""
    try:
        entries = sorted(base.iterdir())
    except OSError:
        return []
    return [
        entry.name for entry in entries
        if is_dir(entry) and is_file(entry / "__init__.py")
        and entry.name not in _NOT_PACKAGES and not entry.name.startswith(".")
    ]


@dataclass
class FirstParty:
    """The names of the project's own code, for classifying imports and targets."""

    names: frozenset[str]

    def __contains__(self, dotted: object) -> bool:
        if not isinstance(dotted, str):
            return False
        return dotted.split(".", 1)[0] in self.names


def first_party(root: Path, config: Config) -> FirstParty:
    names = config.first_party or detect_packages(root, config)
    return FirstParty(frozenset(n.split(".", 1)[0] for n in names))
