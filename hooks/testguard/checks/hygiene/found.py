"""A finding of the hygiene check and the lines it rests on."""

from __future__ import annotations

from dataclasses import dataclass, field

from testguard.core.findings import Finding
from testguard.core.importgraph import ImportSite

NAME = "hygiene"


@dataclass
class Found:
    """``rests_on``: (file, first line, last line) of everything that makes the finding
    (the stub and the tests' imports of it; each import of a cycle).  Files given on
    the command line select the findings that rest on one of them."""

    finding: Finding
    rests_on: list[tuple[str, int, int]] = field(default_factory=list)

    def touches(self, paths: list[str]) -> bool:
        directories = [path.rstrip("/") for path in paths]
        if any(directory in ("", ".") for directory in directories):
            return True  # the project root: ``testguard hygiene .``
        return any(
            file == path or file.startswith(directory + "/")
            for file, _, _ in self.rests_on
            for path, directory in zip(paths, directories)
        )


def last_line(site: ImportSite) -> int:
    node = site.node
    return site.line + max((node.end_lineno or node.lineno) - node.lineno, 0)
