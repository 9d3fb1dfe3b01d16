"""The modules of a package, found on disk: regular and namespace packages, subpackages."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from testguard.core.globs import dotted_match

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


def _importable(name: str) -> bool:
    return name.isidentifier()


def locate_package(roots: Sequence[Path], package: str) -> Path | None:
    """The directory (or single ``.py`` file) of ``package`` under the first root that has it."""
    parts = package.split(".")
    for root in roots:
        base = root.joinpath(*parts)
        if base.is_dir():
            return base
        single = base.with_suffix(".py")
        if single.is_file():
            return single
    return None


def _walk_package(
    name: str, directory: Path, seen: set[str] | None = None
) -> Iterable[ModuleSpec]:
    seen = set() if seen is None else seen
    real = os.path.realpath(directory)
    if real in seen:  # a symlink back up the tree
        return
    seen.add(real)
    init = directory / "__init__.py"
    if init.is_file():
        yield ModuleSpec(name, init, is_package=True)
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=True):
            if entry.name in SKIP_DIRS or not _importable(entry.name):
                continue
            yield from _walk_package(f"{name}.{entry.name}", Path(entry.path), seen)
        elif entry.name.endswith(".py") and entry.name != "__init__.py":
            stem = entry.name[:-3]
            if _importable(stem) and entry.is_file():
                yield ModuleSpec(f"{name}.{stem}", Path(entry.path))


def discover_modules(
    roots: Sequence[Path],
    packages: Sequence[str],
    *,
    include_main: bool = False,
    exclude: Sequence[str] = (),
    path_excluded: Callable[[Path], bool] | None = None,
) -> list[ModuleSpec]:
    """Every module of ``packages`` under ``roots``, parents before children, sorted.

    ``exclude`` holds module-name globs (``mypkg.legacy.*``); ``path_excluded``
    applies the project's path excludes.  Namespace directories (no
    ``__init__.py``) are walked but not imported themselves: there is nothing
    to execute.
    """
    found: dict[str, ModuleSpec] = {}
    for package in packages:
        location = locate_package(roots, package)
        if location is None:
            continue
        specs = (
            _walk_package(package, location)
            if location.is_dir()
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
    return sorted(selected, key=lambda spec: spec.parts)


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
