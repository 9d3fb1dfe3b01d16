"""TG803: groups of production modules that import each other when they are imported.

Tarjan's algorithm finds the groups (strongly connected components) in time
linear in the graph; each group is one finding, at the import that closes a
shortest cycle through its first module by name, so the same code gives the
same finding.  The groups come from the modules' text; the modules on each
reported cycle are confirmed from their syntax trees.
"""

from __future__ import annotations

from testguard.checks.hygiene.found import NAME, Found, last_line
from testguard.checks.hygiene.modules import Project
from testguard.core.findings import Finding
from testguard.core.importgraph import (
    DepGraph,
    ImportSite,
    shortest_cycle,
    statement_targets,
    strongly_connected,
)


def _graph(graph: DepGraph, nodes: set[str]) -> dict[str, list[str]]:
    return {name: sorted(t for t in graph.edges(name) if t in nodes) for name in sorted(nodes)}


def groups(graph: DepGraph, nodes: set[str]) -> list[tuple[list[str], list[str]]]:
    """Each group of ``nodes`` that import each other, with the shortest cycle through its
    first module.

    The modules on a cycle are read again from their syntax trees, and the groups
    worked out again, until every module on a cycle has been: a cycle that rested on
    an import quoted in a docstring is gone, and no other module is parsed.
    """
    edges = _graph(graph, nodes)
    exact: set[str] = set()
    while True:
        found = [
            (group, shortest_cycle(group[0], edges, set(group)))
            for group in strongly_connected(edges)
            if len(group) > 1
        ]
        pending = {module for _, cycle in found for module in cycle} - exact
        if not pending:
            return sorted(found)
        graph.refine(pending)
        exact |= pending
        for module in pending:
            edges[module] = sorted(t for t in graph.edges(module) if t in nodes)


def _site(project: Project, source: str, target: str) -> ImportSite:
    """The first statement of ``source`` that runs ``target`` when it is imported."""
    module = project.module(source)
    return next(
        site
        for site in project.graph.sites(source)
        if site.when == "import" and target in statement_targets(site.node, module, project.graph.known)
    )


def find(project: Project) -> list[Found]:
    graph = project.graph
    production = {m.name for m in project.production if m.named}
    found: list[Found] = []
    for group, cycle in groups(graph, production):
        start = group[0]
        closing = project.module(cycle[-2])
        site = _site(project, closing.name, start)
        text = " -> ".join(cycle)
        message = f"import cycle: {text}"
        if len(group) > len(cycle) - 1:
            message += f" (a shortest cycle through {start}; {len(group)} modules import each other)"
        rests_on = []
        for source, target in zip(cycle, cycle[1:]):
            edge = _site(project, source, target)
            rests_on.append((project.module(source).file, edge.line, last_line(edge)))
        finding = Finding(
            path=closing.file,
            line=site.line,
            col=site.node.col_offset + 1,
            code="TG803",
            check=NAME,
            message=message + "; which import works depends on which module is imported first",
            details={"cycle": cycle, "group": group, "fingerprint": text},
        )
        found.append(Found(finding, rests_on))
    return found
