"""Classifies a mock target by what it really is, following the project's own imports.

``mypkg.billing.requests`` is not first-party code: it is the ``requests``
module that ``mypkg/billing.py`` imports, so it is ``http``.  A first-party
name is followed through the module that holds it (its imports, re-exports in
``__init__.py``, module-level ``client = requests.Session()``) until it lands
on a library or on code the project defines itself.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from pathlib import Path

from testguard.checks.mocks import targets
from testguard.checks.mocks.settings import SECTION
from testguard.core import astgrep
from testguard.core.nodetext import dotted
from testguard.core.project import FirstParty, TestFileMatcher, is_dir, is_file, source_roots
from testguard.core.pyimports import read_imports
from testguard.core.source import Source, read_source
from testguard.core.static import StaticState

_BUILTINS = frozenset(dir(builtins))
_MAX_HOPS = 8


@dataclass
class ModuleInfo:
    """The top level of one project module: what its names are bound to."""

    imports: dict[str, str] = field(default_factory=dict)
    defined: set[str] = field(default_factory=set)
    aliases: dict[str, str] = field(default_factory=dict)  # NAME = dotted / NAME = dotted(...)
    made: set[str] = field(default_factory=set)  # the names bound to a call's result


@dataclass(frozen=True)
class Classified:
    cls: str
    resolved: str | None  # what the target is once followed (``requests``); None if unknown
    part: str | None = None  # stdlib: which part of it (``io``, ``interpreter``…), when known


def _absolute(binding: str, module: str, is_package: bool) -> str:
    """``.utils.x`` imported in ``pkg.sub.mod`` -> ``pkg.sub.utils.x``."""
    if not binding.startswith("."):
        return binding
    dots = len(binding) - len(binding.lstrip("."))
    package = module if is_package else module.rpartition(".")[0]
    parts = package.split(".") if package else []
    base = parts[: max(0, len(parts) - (dots - 1))]
    rest = binding[dots:]
    return ".".join([*base, rest] if rest else base)


def read_module(text: str, module: str, is_package: bool) -> ModuleInfo:
    tree = astgrep.parse(text)
    imports = read_imports(tree)
    info = ModuleInfo(
        imports={k: _absolute(v, module, is_package) for k, v in imports.bindings.items()}
    )
    for child in tree.children():
        kind = child.kind()
        if kind == "decorated_definition":
            child = child.field("definition") or child
            kind = child.kind()
        if kind in ("function_definition", "class_definition"):
            name = child.field("name")
            if name is not None:
                info.defined.add(name.text())
        elif kind == "expression_statement":
            assignment = child.child(0)
            if assignment is None or assignment.kind() != "assignment":
                continue
            left = assignment.field("left")
            if left is None or left.kind() != "identifier":
                continue
            info.defined.add(left.text())
            right = assignment.field("right")
            if right is not None and right.kind() == "call":
                right = right.field("function")
                info.made.add(left.text())
            value = dotted(right)
            if value is not None:
                head, _, rest = value.partition(".")
                bound = info.imports.get(head)
                if bound is not None:
                    info.aliases[left.text()] = f"{bound}.{rest}" if rest else bound
    return info


class Classifier:
    """One per run (memoised in ``state.shared``): module lookups are cached."""

    def __init__(self, state: StaticState) -> None:
        self.root = state.root
        self.roots = source_roots(state.root, state.config)
        self.first_party: FirstParty = state.first_party
        self.is_test = TestFileMatcher(state.root, state.config)
        self.max_size = state.config.max_file_size
        classes = SECTION.of(state.config).classes
        self.user = {p: cls for cls, ps in classes.items() for p in ps}
        self.table = targets.build_table(classes)
        self._files: dict[str, tuple[Path, bool] | None] = {}
        self._modules: dict[str, ModuleInfo | None] = {}

    # -- the project's modules -------------------------------------------------
    def _find(self, module: str) -> tuple[Path, bool] | None:
        """(file, is_package) of a project module, or None."""
        if module in self._files:
            return self._files[module]
        found: tuple[Path, bool] | None = None
        parts = module.split(".")
        if all(p.isidentifier() for p in parts):
            for base in self.roots:
                path = base.joinpath(*parts)
                if is_file(path.with_suffix(".py")):
                    found = (path.with_suffix(".py"), False)
                    break
                if is_file(path / "__init__.py"):
                    found = (path / "__init__.py", True)
                    break
                if is_dir(path) and any(path.glob("*.py")):
                    found = (path, True)  # a namespace package of the project
                    break
        self._files[module] = found
        return found

    def _info(self, module: str) -> ModuleInfo | None:
        if module in self._modules:
            return self._modules[module]
        info: ModuleInfo | None = None
        found = self._find(module)
        if found is not None and is_file(found[0]):
            path, is_package = found
            try:
                rel = path.relative_to(self.root).as_posix()
            except ValueError:
                rel = ""
            loaded = read_source(self.root, rel, self.max_size) if rel else None
            if isinstance(loaded, Source):
                info = read_module(loaded.text, module, is_package)
        elif found is not None:
            info = ModuleInfo()
        self._modules[module] = info
        return info

    def _own_code(self, module: str, target: str) -> Classified:
        """A name the project defines: test-local when it is defined in test code."""
        found = self._find(module)
        if found is not None:
            try:
                rel = found[0].relative_to(self.root).as_posix()
            except ValueError:
                rel = ""
            if rel and self.is_test(rel):
                return Classified("test-local", target)
        return Classified("first-party", target)

    def _is_project(self, head: str) -> bool:
        return head in self.first_party or self._find(head) is not None

    # -- classification ----------------------------------------------------------
    def classify(self, target: str | None) -> Classified:
        if not target or target.startswith(".") or not all(p.isidentifier() for p in target.split(".")):
            return Classified("unknown", None)
        return self._classify(target, 0)

    def _classify(self, target: str, hops: int) -> Classified:
        hit = targets.lookup(self.user, target) if self.user else None
        if hit is not None:
            return Classified(hit[0], target)
        parts = target.split(".")
        if self._is_project(parts[0]):
            followed = self._follow(parts, hops)
            if followed is not None:
                return followed
        hit = targets.lookup(self.table, target)
        if hit is not None:
            return Classified(hit[0], target)
        if parts[0] in self.first_party:
            return Classified("first-party", target)
        if targets.is_stdlib(parts[0]):
            return Classified("stdlib", target, targets.stdlib_part(target))
        # Everything else is someone else's code: the libraries installed with the project.
        return Classified("third-party", target)

    def _follow(self, parts: list[str], hops: int) -> Classified | None:
        """Follows a project name to what it is bound to; None if not a project module."""
        target = ".".join(parts)
        for i in range(len(parts), 0, -1):
            module = ".".join(parts[:i])
            if self._find(module) is None:
                continue
            if i == len(parts):
                return self._own_code(module, target)
            info = self._info(module)
            name, rest = parts[i], parts[i + 1 :]
            bound: str | None = None
            if info is not None:
                bound = info.imports.get(name) or info.aliases.get(name)
                if bound is None and name not in info.defined and name in _BUILTINS:
                    bound = f"builtins.{name}"
            if bound is None or hops >= _MAX_HOPS:
                return self._own_code(module, target)
            followed = ".".join([bound, *rest])
            if followed == target:
                return self._own_code(module, target)
            result = self._classify(followed, hops + 1)
            if info is not None and name in info.made and result.resolved == followed:
                # ``engine = create_engine(...)``: the object made by the call, not the function.
                return Classified(result.cls, ".".join([f"{bound}()", *rest]))
            return result
        return None


def classifier(state: StaticState) -> Classifier:
    """The run's classifier (made once per process, kept in ``state.shared``)."""
    found = state.shared.get("mocks.classifier")
    if not isinstance(found, Classifier):
        found = Classifier(state)
        state.shared["mocks.classifier"] = found
    return found

