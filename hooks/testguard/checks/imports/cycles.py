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

from testguard.core.importgraph import DepGraph


def _ancestors(module: str) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts))}


class ImportCycles:
    """The cycles of the static import graph, and who imports whom directly."""

    def __init__(self, graph: DepGraph) -> None:
        self.edges = {
            name: sorted(d for d in graph.imports_of(name) if d in graph.specs and d not in _ancestors(name))
            for name in graph.specs
        }
        self.members = {m for group in _components(self.edges) if len(group) > 1 for m in group}
        self._importers: dict[str, set[str]] = {}
        for name, targets in self.edges.items():
            for target in targets:
                self._importers.setdefault(target, set()).add(name)
        for name in graph.specs:  # importing a module runs its package first
            parent = name.rpartition(".")[0]
            while parent and parent not in graph.specs:
                parent = parent.rpartition(".")[0]
            if parent:
                self._importers.setdefault(parent, set()).add(name)

    def importers(self, names: Iterable[str]) -> set[str]:
        """The modules whose own import imports one of ``names`` directly (or that are under it)."""
        return {importer for name in names for importer in self._importers.get(name, ())}


def _components(edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, without recursion (deep packages)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in edges:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, [])
            if position < len(targets):
                work.append((node, position + 1))
                target = targets[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                found.append(group)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found
