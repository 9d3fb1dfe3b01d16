"""TG802: a placeholder in production code whose name a test imports."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from testguard.checks.hygiene.found import NAME, Found
from testguard.checks.hygiene.modules import Project
from testguard.checks.hygiene.placeholders import Definitions, Placeholder
from testguard.checks.hygiene.uses import Uses
from testguard.core.findings import Finding
from testguard.core.importgraph import IMPORT_TIME, UNPARSABLE

_WORD = re.compile(r"\w+")

REEXPORT_DEPTH = 8


@dataclass
class _Candidate:
    module: str
    placeholder: Placeholder
    tests: dict[str, int] = field(default_factory=dict)
    """Test file -> line of its first use (read from the text)."""
    via: set[tuple[str, str]] = field(default_factory=set)
    """The (module, name) pairs the tests take that lead to it (through re-exports)."""


class _Definitions:
    """The production modules' definitions and re-exports, each module read once."""

    def __init__(self, project: Project) -> None:
        self.graph = project.graph
        self.production = {m.name for m in project.production if m.named}
        self.modules: dict[str, Definitions] = {}
        self.imported: dict[str, dict[str, tuple[str, str]]] = {}
        self.uses: dict[str, list[tuple[str, int]]] = {}
        """Where production code uses a stub's name other than by calling it (``find_uses``)."""

    def of(self, module: str) -> Definitions:
        if module not in self.modules:
            self.modules[module] = Definitions(self.graph.text(module))
        return self.modules[module]

    def _imported(self, module: str) -> dict[str, tuple[str, str]]:
        """Names ``module`` imports from production modules: bound name -> (module, name)."""
        if module not in self.imported:
            self.imported[module] = {
                b.bound: (b.module, b.name)
                for b in self.graph.bindings(module, IMPORT_TIME)
                if b.name is not None and b.module in self.production
            }
        return self.imported[module]

    def find_uses(self, names: set[str]) -> None:
        """Reads where production code uses ``names`` other than by calling them, for
        ``used_in_production``: each module that mentions one is parsed once, however many
        stubs there are (once per stub and module made a thousand stubs take minutes)."""
        self.uses = {name: [] for name in names}
        for module in sorted(self.production):
            text = self.graph.text(module)
            if names.isdisjoint(_WORD.findall(text)):
                continue
            try:
                tree = ast.parse(text)
            except UNPARSABLE:
                continue
            nodes = list(ast.walk(tree))
            called = {id(node.func) for node in nodes if isinstance(node, ast.Call)}
            for node in nodes:
                if isinstance(node, (ast.Name, ast.Attribute)) and id(node) not in called:
                    name = node.id if isinstance(node, ast.Name) else node.attr
                    if name in names:
                        self.uses[name].append((module, node.lineno))

    def used_in_production(self, module: str, placeholder: Placeholder) -> bool:
        """Whether production code uses the name other than by calling it, outside its
        definition and imports: a no-op passed as a callback, a marker or a base class
        others derive from are deliberate.  A stub made so that the tests collect is
        used by the tests only, and calling one is no use of it."""
        return any(
            other != module or not placeholder.line <= line <= placeholder.end_line
            for other, line in self.uses[placeholder.name]
        )

    def defining(self, module: str, name: str) -> tuple[str, str] | None:
        """Where ``name`` of ``module`` is defined, through re-exports (``from .core import name``)."""
        for _ in range(REEXPORT_DEPTH):
            if name in self.of(module):
                return module, name
            following = self._imported(module).get(name)
            if following is None:
                return None
            module, name = following
        return None


def find(project: Project) -> list[Found]:
    definitions = _Definitions(project)
    uses = Uses(project.graph)
    taken: dict[tuple[str, str], dict[str, int]] = {}
    for test in project.tests:
        for reference in uses.references(test.name):
            if reference.module in definitions.production:
                taken.setdefault((reference.module, reference.name), {}).setdefault(test.file, reference.line)
    candidates: dict[tuple[str, str], _Candidate | None] = {}
    for (module, name), tests in sorted(taken.items()):
        where = definitions.defining(module, name)
        if where is None:
            continue
        if where not in candidates:
            placeholder = definitions.of(where[0]).placeholder(where[1])
            candidates[where] = _Candidate(where[0], placeholder) if placeholder else None
        candidate = candidates[where]
        if candidate is None:
            continue
        for file, line in tests.items():
            candidate.tests.setdefault(file, line)
        candidate.via.add((module, name))
    by_file = {m.file: m.name for m in project.tests}
    definitions.find_uses({c.placeholder.name for c in candidates.values() if c})
    found = (_confirmed(project, definitions, uses, by_file, c) for c in candidates.values() if c)
    return [f for f in found if f is not None]


def _confirmed(
    project: Project, definitions: _Definitions, uses: Uses, by_file: dict[str, str], candidate: _Candidate
) -> Found | None:
    """The finding, when the syntax trees agree: it is a stub, and a test really takes it
    (the first test by path that does; the others are counted from their text)."""
    placeholder = definitions.of(candidate.module).placeholder(candidate.placeholder.name, exact=True)
    if placeholder is None or definitions.used_in_production(candidate.module, placeholder):
        return None
    first: tuple[str, int] | None = None
    for file in sorted(candidate.tests):
        project.graph.refine([by_file[file]])
        lines = [r.line for r in uses.references(by_file[file], exact=True) if (r.module, r.name) in candidate.via]
        if lines:
            first = (file, min(lines))
            break
    if first is None:
        return None
    path = project.module(candidate.module).file
    others = [file for file in sorted(candidate.tests) if file > first[0]]
    more = f" (and {len(others)} more)" if others else ""
    finding = Finding(
        path=path,
        line=placeholder.line,
        col=placeholder.col,
        code="TG802",
        check=NAME,
        message=f"placeholder {placeholder.kind} '{placeholder.name}' (its body {placeholder.body}) "
        f"is imported by {first[0]}{more}: the tests exercise a stub, not real code",
        details={"name": placeholder.name, "kind": placeholder.kind, "tests": [first[0], *others]},
    )
    rests_on = [(path, placeholder.line, placeholder.end_line), (first[0], first[1], first[1])]
    rests_on += [(file, line, line) for file, line in candidate.tests.items() if file in others]
    return Found(finding, rests_on)
