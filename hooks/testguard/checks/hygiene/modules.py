"""The project as modules: every Python file, its dotted name, and whether it is test code."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from testguard.core.config import Config
from testguard.core.globs import GlobSet
from testguard.core.importgraph import DepGraph
from testguard.core.project import (
    SKIP_DIRS,
    TestFileMatcher,
    discover_files,
    first_party,
    relpath,
    source_roots,
)


@dataclass(frozen=True)
class ProjectModule:
    """One Python file of the project under one name (``importgraph.Module``).

    ``name`` is its dotted name under the first source root that holds it, or,
    for a file no import can name (``bin/run-server.py``, ``0001_initial.py``),
    its path: it imports, but nothing imports it.
    """

    name: str
    path: Path
    is_package: bool
    file: str
    """Root-relative POSIX path."""
    test: bool

    @property
    def named(self) -> bool:
        return "/" not in self.name


@dataclass
class Project:
    root: Path
    modules: list[ProjectModule]
    """One per file, by path."""
    graph: DepGraph
    """Over every module, plus each ``conftest.py`` again under the name pytest
    imports it by (``conftest``, when its directory is not a package): a
    production module that imports that works only under pytest.  Other test
    modules are not given such names: ``tests/sphinx/`` would be ``sphinx``."""
    skipped: dict[str, str]
    """Files not read, and why (larger than ``max-file-size``)."""
    unlisted: dict[str, str]
    """Directories of first-party packages that could not be listed, and why: the
    modules in them are unknown."""

    @property
    def production(self) -> list[ProjectModule]:
        return [module for module in self.modules if not module.test]

    @property
    def tests(self) -> list[ProjectModule]:
        return [module for module in self.modules if module.test]

    def module(self, name: str) -> ProjectModule:
        spec = self.graph.specs[name]
        assert isinstance(spec, ProjectModule)
        return spec


def _dotted(file: str, root_dir: str) -> str | None:
    """``src/app/x.py`` under ``src`` -> ``app.x``; None when no import can name it."""
    if root_dir:
        if not file.startswith(root_dir + "/"):
            return None
        file = file[len(root_dir) + 1 :]
    parts = file[:-3].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts)


def test_code_matcher(root: Path, config: Config, extra: list[str]) -> Callable[[str], bool]:
    """Test code: the test globs, every conftest.py, and ``[tool.testguard.hygiene] test-code``."""
    tests = TestFileMatcher(root, config)
    more = GlobSet(extra)

    def is_test(file: str) -> bool:
        return tests(file) or posixpath.basename(file) == "conftest.py" or more.match(file)

    return is_test


def _pytest_name(file: str, packages: set[str]) -> str | None:
    """The name pytest imports a test file under (its default "prepend" mode): relative
    to the first directory upwards that is not a package, which pytest puts on sys.path."""
    parts = file[:-3].split("/")
    directory = "/".join(parts[:-1])
    while directory and directory in packages:
        directory = posixpath.dirname(directory)
    relative = file[len(directory) + 1 :] if directory else file
    return _dotted(relative, "")


def _unlisted(
    unreadable: dict[str, str], root_dirs: list[str], packages: frozenset[str], is_test: Callable[[str], bool]
) -> dict[str, str]:
    """The unreadable directories that would hold production modules of a first-party package."""
    found: dict[str, str] = {}
    for directory, why in unreadable.items():
        inside = f"{directory}/__init__.py"
        for root_dir in root_dirs:
            name = _dotted(inside, root_dir)
            if name is not None and name.split(".")[0] in packages and not is_test(inside):
                found[directory] = why
                break
    return found


def _linked_files(root: Path, starts: list[Path], exclude: GlobSet) -> list[str]:
    """The ``.py`` files of the first-party packages at ``starts`` that are reached through a
    symbolic link to a directory (``src/shop -> ../../libs/shop``), root-relative: discovery
    does not follow such links, and Python imports through them.  Inside a package, only a
    link to a package is followed; each real directory is read once, so a loop ends."""
    found: list[str] = []
    seen: set[str] = set()
    real_root = os.path.realpath(root)
    work: list[tuple[Path, bool]] = []
    for start in starts:
        inside = os.path.relpath(start, root)
        if not inside.startswith(".."):
            # linked when a directory on its way from the root is (``src -> ../shared/src``)
            work.append((start, os.path.realpath(start) != os.path.normpath(os.path.join(real_root, inside))))
    while work:
        directory, linked = work.pop()
        real = os.path.realpath(directory)
        if real in seen:
            continue
        seen.add(real)
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError:
            continue  # unreadable: what discovery reports, or one link too far
        for entry in entries:
            if entry.name in SKIP_DIRS or entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                link = entry.is_symlink()
                if link and not os.path.isfile(os.path.join(entry.path, "__init__.py")):
                    continue  # a link to a tree that is no package (``/usr``) is not followed
                work.append((Path(entry.path), linked or link))
            elif linked and entry.name.endswith(".py"):
                file = Path(entry.path).relative_to(root).as_posix()
                if not exclude.match(file):
                    found.append(file)
    return sorted(found)


def load(root: Path, config: Config, extra_test_code: list[str]) -> Project:
    files: list[str] = []
    skipped: dict[str, str] = {}
    discovered = discover_files(root, [], config)
    root_dirs = [relpath(root, base) for base in source_roots(root, config)]
    root_dirs = ["" if directory == "." else directory for directory in root_dirs]
    first_party_names = first_party(root, config).names
    starts = [root / directory / name for directory in root_dirs for name in sorted(first_party_names)]
    linked = _linked_files(root, [start for start in starts if start.is_dir()], GlobSet(config.exclude))
    known = set(discovered.files)
    for file in [*discovered.files, *(file for file in linked if file not in known)]:
        try:
            size = os.stat(root / file).st_size
        except OSError:
            size = 0  # reading it says why it cannot be read
        if size > config.max_file_size:
            skipped[file] = f"larger than max-file-size ({size} > {config.max_file_size} bytes)"
        else:
            files.append(file)
    is_test = test_code_matcher(root, config, extra_test_code)
    modules: list[ProjectModule] = []
    names: dict[str, ProjectModule] = {}
    # A name goes to the file under the earliest source root (src/ before the root), and
    # there to the package: Python imports ``util/__init__.py``, never ``util.py`` beside it.
    ranked = sorted(
        files,
        key=lambda file: (
            next((rank for rank, directory in enumerate(root_dirs) if _dotted(file, directory)), len(root_dirs)),
            posixpath.basename(file) != "__init__.py",
        ),
    )
    for file in ranked:
        name = next((found for directory in root_dirs if (found := _dotted(file, directory))), None)
        if name is not None and name in names:
            name = None
        module = ProjectModule(
            name=name or file,
            path=root / file,
            is_package=file.endswith("/__init__.py") or file == "__init__.py",
            file=file,
            test=is_test(file),
        )
        modules.append(module)
        names[module.name] = module
    packages = {posixpath.dirname(m.file) for m in modules if posixpath.basename(m.file) == "__init__.py"}
    aliases: list[ProjectModule] = []
    for module in sorted(modules, key=lambda m: m.file):
        if posixpath.basename(module.file) != "conftest.py":
            continue
        alias = _pytest_name(module.file, packages)
        if alias and alias not in names:
            names[alias] = ProjectModule(alias, module.path, module.is_package, module.file, True)
            aliases.append(names[alias])
    modules.sort(key=lambda m: m.file)
    unlisted = _unlisted(discovered.unreadable, root_dirs, first_party_names, is_test)
    return Project(root, modules, DepGraph([*modules, *aliases]), skipped, unlisted)
