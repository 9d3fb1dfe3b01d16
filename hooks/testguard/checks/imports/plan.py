"""What one run imports, from where, and how failures map back to the project's files."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from testguard.core.importgraph import DepGraph
from testguard.checks.imports.discover import (
    Discovery,
    ModuleSpec,
    discover,
    modules_for_paths,
    nameable,
    shard,
)
from testguard.checks.imports.runner import WORKER_SCRIPT
from testguard.checks.imports.settings import SECTION
from testguard.core import processes
from testguard.core.config import Config
from testguard.core.findings import Finding, UsageError
from testguard.core.globs import GlobSet
from testguard.core.project import detect_packages, is_dir, relpath, source_roots
from testguard.core.source import bad_file

LOCATE_TIMEOUT = 120.0


def _norm(path: Path | str) -> str:
    return os.path.normcase(os.path.abspath(path))


@dataclass
class Plan:
    root: Path
    modules: list[ModuleSpec]
    sys_path: list[Path]
    cwd: Path
    first_party: frozenset[str]
    installed: bool = False
    # file as imported (normalised) -> path shown to the user
    display: dict[str, str] = field(default_factory=dict)
    source_only: frozenset[str] = frozenset()
    findings: list[Finding] = field(default_factory=list)
    # Every module of the packages, checked or not: the import graph runs through them all.
    graph_modules: list[ModuleSpec] = field(default_factory=list)
    # .py files in the packages that no dotted name reaches (``foo.bar.py``).
    unnameable: list[Path] = field(default_factory=list)

    def report_path(self, spec: ModuleSpec) -> str:
        return self.display.get(_norm(spec.path)) or relpath(self.root, spec.path)


def _source_modules(
    root: Path, config: Config, packages: Sequence[str]
) -> Discovery:
    excluded = GlobSet(config.exclude)

    def path_excluded(path: Path) -> bool:
        # `dir/` too: an excluded directory is `dir/**`, which is how an unreadable one is named
        rel = relpath(root, path)
        return bool(excluded) and (excluded.match(rel) or excluded.match(rel + "/"))

    return discover(
        source_roots(root, config),
        packages,
        include_main=SECTION.of(config).include_main,
        exclude=SECTION.of(config).exclude,
        path_excluded=path_excluded,
    )


def _changed(
    root: Path,
    specs: Sequence[ModuleSpec],
    paths: Sequence[str],
    config_roots: Sequence[Path],
) -> set[str]:
    """Modules defined by the given files (or under the given directories) and their dependants."""
    files: list[Path] = []
    names: set[str] = set()
    for given in paths:
        target = root / given
        if is_dir(target):
            prefix = _norm(target) + os.sep
            names.update(s.name for s in specs if _norm(s.path).startswith(prefix))
        else:
            files.append(target)
    names.update(spec.name for spec in modules_for_paths(specs, files))
    gone = _deleted_modules(root, config_roots)
    return DepGraph(specs, gone).dependants(names | gone)


def _deleted_modules(root: Path, roots: Sequence[Path]) -> set[str]:
    """Modules whose files are staged for deletion (pre-commit passes only existing files).

    Their importers are what such a commit breaks.
    """
    try:
        proc = subprocess.run(
            [
                "git",
                "diff",
                "--cached",
                "--name-only",
                "--no-renames",
                "--diff-filter=D",
                "-z",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return set()
    if proc.returncode != 0:
        return set()
    listing = proc.stdout  # paths relative to the top level of the repository
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    names: set[str] = set()
    for relative in filter(None, listing.split("\0")):
        if not relative.endswith(".py"):
            continue
        path = Path(top or root) / relative
        name = module_name(path, roots)
        if name:
            names.add(name)
    return names


def module_name(path: Path, roots: Sequence[Path]) -> str | None:
    """The dotted name ``path`` has under the first source root that contains it."""
    for base in roots:
        try:
            parts = list(
                Path(os.path.abspath(path)).relative_to(os.path.abspath(base)).parts
            )
        except ValueError:
            continue
        parts[-1] = parts[-1][:-3]
        if parts[-1] == "__init__":
            parts.pop()
        if parts and all(nameable(part) for part in parts):
            return ".".join(parts)
    return None


def locate(python: Path, names: Sequence[str]) -> dict[str, dict[str, object] | None]:
    """Where ``python`` would import each top-level name from, without running its code."""
    try:
        proc = processes.run(
            [str(python), str(WORKER_SCRIPT), "--locate", *names],
            timeout=LOCATE_TIMEOUT,
            cwd=Path(tempfile.gettempdir()),
        )
    except OSError as exc:
        raise UsageError(
            f"cannot run the project's interpreter {python}: {exc}"
        ) from None
    lines = proc.stdout.decode("utf-8", "replace").strip().splitlines()
    try:
        found = json.loads(lines[-1]) if lines else None
    except ValueError:
        found = None
    if not isinstance(found, dict):
        stderr = proc.stderr.decode("utf-8", "replace")
        detail = stderr.strip().splitlines()[-1:] or ["no output"]
        if proc.timed_out:
            detail = [f"it did not answer within {LOCATE_TIMEOUT:g}s"]
        raise UsageError(
            f"cannot query {python} for the installed package: {detail[0]}"
        )
    return found


def _installed_modules(
    python: Path, packages: Sequence[str], config: Config
) -> tuple[list[ModuleSpec], list[str], list[Path]]:
    tops = sorted({package.split(".", 1)[0] for package in packages})
    located = locate(python, tops)
    specs: dict[str, ModuleSpec] = {}
    missing: list[str] = []
    unnameable: list[Path] = []
    for top in tops:
        info = located.get(top)
        if not isinstance(info, dict):
            missing.append(top)
            continue
        locations = [str(p) for p in info.get("locations") or []]  # type: ignore[attr-defined]
        origin = info.get("origin")
        found: list[ModuleSpec] = []
        for location in locations:
            discovery = discover(
                [Path(location).parent],
                [top],
                include_main=SECTION.of(config).include_main,
                exclude=SECTION.of(config).exclude,
            )
            found += discovery.modules
            unnameable += discovery.unnameable
        if not locations and isinstance(origin, str):
            found.append(ModuleSpec(top, Path(origin)))
        for spec in found:
            wanted = any(
                spec.name == p or spec.name.startswith(p + ".") for p in packages
            )
            if wanted:
                specs.setdefault(spec.name, spec)
    return sorted(specs.values(), key=lambda s: s.parts), missing, sorted(set(unnameable))


def make_plan(
    root: Path,
    config: Config,
    python: Path,
    paths: Sequence[str],
    *,
    installed: bool = False,
    shard_spec: tuple[int, int] | None = None,
) -> Plan:
    packages = detect_packages(root, config)
    if not packages:
        raise UsageError(
            'no packages to import: set packages = ["yourpkg"] in [tool.testguard]'
            " (none found from [project].name or the src/flat layout)"
        )
    first_party = frozenset(
        n.split(".", 1)[0] for n in (config.first_party or packages)
    )
    discovery = _source_modules(root, config, packages)
    source = discovery.modules
    if not installed and not source:
        raise UsageError(
            f"no modules found for packages {', '.join(packages)} under "
            + " or ".join(relpath(root, r) or "." for r in source_roots(root, config))
        )
    selected = (
        _changed(root, source, paths, source_roots(root, config)) if paths else None
    )
    if not installed:
        modules = source
        plan = Plan(root, modules, source_roots(root, config), root, first_party)
        plan.unnameable = discovery.unnameable
        plan.findings.extend(
            bad_file(
                relpath(root, directory),
                f"cannot read directory: {why}; the modules in it are not imported"
                " — make it readable, or add it to 'exclude' in [tool.testguard]",
            )
            for directory, why in discovery.unreadable.items()
        )
    else:
        plan = _installed_plan(root, config, python, packages, source, first_party)
    plan.graph_modules = list(plan.modules)
    if selected is not None:
        plan.modules = [spec for spec in plan.modules if spec.name in selected]
    if shard_spec is not None:
        plan.modules = shard(plan.modules, *shard_spec)
    return plan


def _installed_plan(
    root: Path,
    config: Config,
    python: Path,
    packages: Sequence[str],
    source: Sequence[ModuleSpec],
    first_party: frozenset[str],
) -> Plan:
    installed, missing, unnameable = _installed_modules(python, packages, config)
    by_name = {spec.name: spec for spec in source}
    display = {
        _norm(spec.path): relpath(root, by_name[spec.name].path)
        for spec in installed
        if spec.name in by_name
    }
    present = {spec.name for spec in installed}
    tops_present = {spec.name.split(".", 1)[0] for spec in installed}
    source_only = [
        spec
        for spec in source
        if spec.name not in present and spec.name.split(".", 1)[0] in tops_present
    ]
    findings = []
    for top in missing:
        where = next((s for s in source if s.name == top), None)
        findings.append(
            Finding(
                path=relpath(root, where.path) if where else "pyproject.toml",
                line=1,
                col=1,
                code="TG101",
                check="imports",
                message=f"package '{top}' is not installed in {python}: install the built wheel"
                " there before the gate runs",
                details={"module": top, "status": "error", "missing": "first-party"},
            )
        )
    modules = sorted([*installed, *source_only], key=lambda s: s.parts)
    return Plan(
        root,
        modules,
        [],
        Path(tempfile.gettempdir()),
        first_party,
        installed=True,
        display=display,
        source_only=frozenset(s.name for s in source_only),
        findings=findings,
        unnameable=unnameable,
    )


def line_reader(root: Path) -> Callable[[str, int], str | None]:
    """The stripped text of a line of a project file (for baseline matching), cached per file."""
    cache: dict[str, list[str]] = {}

    def read(path: str, line: int) -> str | None:
        if path not in cache:
            try:
                cache[path] = (
                    (root / path).read_bytes().decode("utf-8", "replace").splitlines()
                )
            except OSError:
                cache[path] = []
        lines = cache[path]
        return lines[line - 1].strip() if 0 < line <= len(lines) else None

    return read
