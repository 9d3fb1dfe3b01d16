"""Import cycles between first-party modules, from the static graph of module-level imports.

A module in a cycle can pass or fail depending on which member of the cycle is
imported first, so a warm verdict for it, taken after another member was
imported, may differ from a fresh one.  An import of a module's own ancestor
package does not count: a fresh import always runs the ancestors first, from
any entry point, so that order never changes.
"""

from __future__ import annotations

from collections.abc import Iterable

from testguard.checks.imports.depgraph import DepGraph


def _ancestors(module: str) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts))}


def cycle_members(graph: DepGraph, modules: Iterable[str]) -> set[str]:
    """The modules of ``modules`` that lie on a cycle (strongly connected, two or more)."""
    names = sorted(set(modules) & set(graph.specs))
    edges = {
        name: sorted(d for d in graph.imports_of(name) if d in graph.specs and d not in _ancestors(name))
        for name in graph.specs
    }
    return {member for group in _components(edges) if len(group) > 1 for member in group} & set(names)


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
