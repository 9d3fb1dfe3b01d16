"""Import cycles between first-party modules, from the static graph of module-level imports.

A module in a cycle can pass or fail depending on which member of the cycle is
imported first, so a warm verdict for it, taken after another member was
imported, may differ from a fresh one; and so may the verdict of a module that
imports a member whose verdict changed.  An import of a module's own ancestor
package does not count: a fresh import always runs the ancestors first, from
any entry point, so that order never changes.
"""

from __future__ import annotations

from collections.abc import Iterable

from testguard.core.importgraph import DepGraph, ancestors, strongly_connected


class ImportCycles:
    """The cycles of the static import graph, and who imports whom directly."""

    def __init__(self, graph: DepGraph) -> None:
        self.edges = {
            name: sorted(d for d in graph.imports_of(name) if d in graph.specs and d not in ancestors(name))
            for name in graph.specs
        }
        self.members = {m for group in strongly_connected(self.edges) if len(group) > 1 for m in group}
        self._importers: dict[str, set[str]] = {}
        for name, targets in self.edges.items():
            for target in targets:
                self._importers.setdefault(target, set()).add(name)
        for name in graph.specs:  # importing a module runs its package first
            if parent := graph.package(name):
                self._importers.setdefault(parent, set()).add(name)

    def importers(self, names: Iterable[str]) -> set[str]:
        """The modules whose own import imports one of ``names`` directly (or that are under it)."""
        return {importer for name in names for importer in self._importers.get(name, ())}
