"""TG801: a production module that imports test code when it is imported."""

from __future__ import annotations

from testguard.checks.hygiene.found import NAME, Found, last_line
from testguard.checks.hygiene.modules import Project
from testguard.core.findings import Finding
from testguard.core.importgraph import statement_targets


def find(project: Project) -> list[Found]:
    graph = project.graph
    tests = {name for name, spec in graph.specs.items() if project.module(name).test}
    suspects = [m for m in project.production if any(t in tests for t in graph.edges(m.name))]
    graph.refine(m.name for m in suspects)  # a docstring that quotes an import is no import
    found: list[Found] = []
    for module in suspects:
        for site in graph.sites(module.name):
            if site.when != "import":
                continue
            targets = [t for t in statement_targets(site.node, module, graph.known) if t in tests]
            # ``from tests import helpers`` names tests.helpers, not its package too
            targets = [t for t in targets if not any(o.startswith(t + ".") for o in targets)]
            if not targets:
                continue
            files = [project.module(t).file for t in targets]
            named = ", ".join(f"'{t}' ({f})" for t, f in zip(targets, files))
            finding = Finding(
                path=module.file,
                line=site.line,
                col=site.node.col_offset + 1,
                code="TG801",
                check=NAME,
                message=f"production code imports test code {named} when it is imported: the "
                "tests are not installed with the package, so this breaks where it is deployed",
                details={"module": module.name, "imports": targets, "files": files},
            )
            found.append(Found(finding, [(module.file, site.line, last_line(site))]))
    return found
