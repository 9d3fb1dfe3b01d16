"""The modules of a package, found on disk: regular and namespace packages, subpackages.

Every ``.py`` file of a package is a module, whatever its name: ``importlib``
imports ``app.migrations.0001_initial`` or ``app.locale.is`` (a keyword) as
frameworks do.  Only a file whose name, or a directory's on its way, holds a
dot (``foo.bar.py``) has no dotted name at all: it is set aside, not imported.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from testguard.core.globs import dotted_match
from testguard.core.project import is_dir, is_file

SKIP_DIRS = frozenset({"__pycache__", "site-packages", "node_modules"})


@dataclass(frozen=True)
class ModuleSpec:
    """One importable module: its dotted name and the file that defines it."""

    name: str
    path: Path
    is_package: bool = False

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.name.split("."))


def nameable(name: str) -> bool:
    """A file or directory name that can be one part of a dotted module name."""
    return bool(name) and "." not in name


def _hidden(name: str) -> bool:
    return name.startswith(".") or name in SKIP_DIRS


def locate_package(roots: Sequence[Path], package: str) -> Path | None:
    """The directory (or single ``.py`` file) of ``package`` under the first root that has it."""
    parts = package.split(".")
    for root in roots:
        base = root.joinpath(*parts)
        if is_dir(base):
            return base
        single = base.with_suffix(".py")
        if is_file(single):
            return single
    return None


def _entries(directory: Path, unreadable: dict[Path, str]) -> list[os.DirEntry[str]]:
    """The entries of ``directory``; one that cannot be listed goes to ``unreadable``, with why."""
    try:
        return sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError as exc:
        unreadable[directory] = exc.strerror or type(exc).__name__
        return []


def _entry_is_dir(entry: os.DirEntry[str]) -> bool:
    """``entry.is_dir()``, False (not OSError) for a symbolic link loop or what cannot be reached."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _entry_is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def _walk_package(
    name: str,
    directory: Path,
    unnameable: list[Path],
    unreadable: dict[Path, str],
    seen: set[str] | None = None,
) -> Iterable[ModuleSpec]:
    """The modules under ``directory``; files that no dotted name reaches go to ``unnameable``."""
    seen = set() if seen is None else seen
    real = os.path.realpath(directory)
    if real in seen:  # a symlink back up the tree
        return
    seen.add(real)
    init = directory / "__init__.py"
    if is_file(init):
        yield ModuleSpec(name, init, is_package=True)
    for entry in _entries(directory, unreadable):
        if _entry_is_dir(entry):
            if _hidden(entry.name):
                continue
            if nameable(entry.name):
                yield from _walk_package(
                    f"{name}.{entry.name}", Path(entry.path), unnameable, unreadable, seen
                )
            else:
                unnameable.extend(_python_files(Path(entry.path), seen, unreadable))
        elif entry.name.endswith(".py") and entry.name != "__init__.py" and _entry_is_file(entry):
            stem = entry.name[:-3]
            if nameable(stem):
                yield ModuleSpec(f"{name}.{stem}", Path(entry.path))
            else:
                unnameable.append(Path(entry.path))


def _python_files(directory: Path, seen: set[str], unreadable: dict[Path, str]) -> list[Path]:
    """Every ``.py`` file under ``directory`` (one that no import can reach)."""
    real = os.path.realpath(directory)
    if real in seen:
        return []
    seen.add(real)
    found: list[Path] = []
    for entry in _entries(directory, unreadable):
        if _entry_is_dir(entry):
            if not _hidden(entry.name):
                found += _python_files(Path(entry.path), seen, unreadable)
        elif entry.name.endswith(".py") and _entry_is_file(entry):
            found.append(Path(entry.path))
    return found


@dataclass
class Discovery:
    """The modules of the packages, the ``.py`` files in them that have no dotted name, and
    the directories in them that could not be listed (with why): their modules are unknown."""

    modules: list[ModuleSpec]
    unnameable: list[Path]
    unreadable: dict[Path, str] = field(default_factory=dict)


def discover_modules(
    roots: Sequence[Path],
    packages: Sequence[str],
    *,
    include_main: bool = False,
    exclude: Sequence[str] = (),
    path_excluded: Callable[[Path], bool] | None = None,
) -> list[ModuleSpec]:
    """Every module of ``packages`` under ``roots``, parents before children, sorted."""
    return discover(
        roots, packages, include_main=include_main, exclude=exclude, path_excluded=path_excluded
    ).modules


def discover(
    roots: Sequence[Path],
    packages: Sequence[str],
    *,
    include_main: bool = False,
    exclude: Sequence[str] = (),
    path_excluded: Callable[[Path], bool] | None = None,
) -> Discovery:
    """Every module of ``packages`` under ``roots``, parents before children, sorted.

    ``exclude`` holds module-name globs (``mypkg.legacy.*``); ``path_excluded``
    applies the project's path excludes.  Namespace directories (no
    ``__init__.py``) are walked but not imported themselves: there is nothing
    to execute.
    """
    found: dict[str, ModuleSpec] = {}
    unnameable: list[Path] = []
    unreadable: dict[Path, str] = {}
    for package in packages:
        location = locate_package(roots, package)
        if location is None:
            continue
        specs = (
            _walk_package(package, location, unnameable, unreadable)
            if is_dir(location)
            else [ModuleSpec(package, location)]
        )
        for spec in specs:
            found.setdefault(spec.name, spec)
    selected = [
        spec
        for spec in found.values()
        if (include_main or spec.parts[-1] != "__main__")
        and not dotted_match(spec.name, exclude)
        and not (path_excluded is not None and path_excluded(spec.path))
    ]
    skipped = sorted(
        {path for path in unnameable if path_excluded is None or not path_excluded(path)}
    )
    kept = {
        directory: why
        for directory, why in sorted(unreadable.items())
        if path_excluded is None or not path_excluded(directory)
    }
    return Discovery(sorted(selected, key=lambda spec: spec.parts), skipped, kept)


def modules_for_paths(
    specs: Sequence[ModuleSpec], paths: Iterable[Path]
) -> list[ModuleSpec]:
    """The modules defined by ``paths`` (files outside the packages are ignored)."""
    by_path = {os.path.normcase(os.path.abspath(spec.path)): spec for spec in specs}
    out: list[ModuleSpec] = []
    for path in paths:
        spec = by_path.get(os.path.normcase(os.path.abspath(path)))
        if spec is not None and spec not in out:
            out.append(spec)
    return out


def shard(specs: Sequence[ModuleSpec], index: int, count: int) -> list[ModuleSpec]:
    """Shard ``index`` (1-based) of ``count``: contiguous runs of the sorted list.

    Contiguous keeps related modules in one shard, so each shard stays warm;
    the split depends only on the module list, so every job agrees on it.
    """
    total = len(specs)
    start = total * (index - 1) // count
    end = total * index // count
    return list(specs[start:end])


def unnameable_note(paths: Sequence[Path], root: Path) -> str:
    """The note naming the files that no import can reach, and how to leave them out."""
    shown = []
    for path in paths:
        try:
            shown.append(path.relative_to(root).as_posix())
        except ValueError:
            shown.append(path.as_posix())
    count = len(shown)
    listed = ", ".join(shown[:10]) + (f" and {count - 10} more" if count > 10 else "")
    files = "file has" if count == 1 else "files have"
    return (
        f"testguard: note: imports: {count} {files} no module name (a '.' in a file or"
        f" directory name), so no import can reach them and they were not checked: {listed};"
        ' leave them out with [tool.testguard] exclude = ["<path glob>"]'
    )
