"""The core import graph read per statement (lines, when each runs, what it runs), and its
cycle search: strongly connected groups in linear time without recursion, shortest cycles."""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from pathlib import Path

from testguard.core.importgraph import (
    DepGraph,
    ImportSite,
    exact_sites,
    import_statements,
    read_sites,
    shortest_cycle,
    statement_targets,
    strongly_connected,
)

TRICKY = textwrap.dedent('''\
    """A module.

    Quoted in the docstring, not imports:

    import quoted.one
        from quoted import two
    """
    import os
    from typing import TYPE_CHECKING

    if TYPE_CHECKING:
        from typed import Only
    else:
        from runtime import Always

    try:
        import fast
    except ImportError:
        fast = None


    class Holder:
        import in_class


    def work(
        a,
        b,
    ) -> None:
        """Docstring.

    Text at column 0 inside it.
        """
        import in_function
        from . import sibling


    async def later():
        import in_coroutine


    handler = importlib.import_module("dynamic.module")


    def load():
        return importlib.import_module("dynamic.lazy")

    import after_all
''')


def _shape(sites: list[ImportSite]) -> list[tuple[int, str, str]]:
    return [(s.line, s.when, ast.dump(s.node, include_attributes=False)) for s in sites]


def test_text_and_tree_read_the_same_statements() -> None:
    exact = exact_sites(TRICKY)
    assert exact is not None
    assert _shape(read_sites(TRICKY)) == _shape(exact)
    when = {ast.unparse(site.node): (site.line, site.when) for site in exact}
    assert when == {
        "import os": (8, "import"),
        "from typing import TYPE_CHECKING": (9, "import"),
        "from typed import Only": (12, "type-checking"),
        "from runtime import Always": (14, "import"),
        "import fast": (17, "import"),
        "import in_class": (23, "import"),
        "import in_function": (34, "function"),
        "from . import sibling": (35, "function"),
        "import in_coroutine": (39, "function"),
        "import dynamic.module": (42, "import"),
        "import dynamic.lazy": (46, "function"),
        "import after_all": (48, "import"),
    }


def test_a_module_that_does_not_parse_has_no_exact_reading() -> None:
    assert exact_sites("import os\ndef broken(:\n") is None
    assert [ast.unparse(s.node) for s in read_sites("import os\ndef broken(:\n")] == ["import os"]


@dataclass(frozen=True)
class Spec:
    name: str
    path: Path = Path("unused.py")
    is_package: bool = False


KNOWN = {"pkg", "pkg.sub", "pkg.sub.mod", "pkg.sub.other", "pkg.tools", "other", "other.x"}


def _targets(source: str, spec: Spec = Spec("pkg.sub.mod")) -> list[str]:
    node = ast.parse(source).body[0]
    assert isinstance(node, (ast.Import, ast.ImportFrom))
    return statement_targets(node, spec, KNOWN)


def test_what_a_statement_runs_leaves_out_the_packages_already_running() -> None:
    # pkg and pkg.sub have started before pkg.sub.mod runs: only a name taken from one counts.
    assert _targets("import pkg.sub.other") == ["pkg.sub.other"]
    assert _targets("from pkg.sub import other") == ["pkg.sub.other"]
    assert _targets("from . import other") == ["pkg.sub.other"]
    assert _targets("from pkg import Name") == ["pkg"]
    assert _targets("from .. import tools, Name") == ["pkg", "pkg.tools"]
    assert _targets("import pkg") == ["pkg"]
    assert _targets("from other.x import y") == ["other", "other.x"]
    assert _targets("import pkg.sub.mod") == []  # itself
    assert _targets("from pkg.sub import other", Spec("pkg.tools")) == ["pkg.sub", "pkg.sub.other"]


def test_graph_edges_carry_the_line_and_skip_functions(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "from pkg.a import A\n",
        "pkg/a.py": "\n\nfrom pkg import B\n\ndef f():\n    import pkg.b\nA = 1\n",
        "pkg/b.py": "import pkg.a\n",
    }
    specs = []
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
        dotted = name[:-3].replace("/", ".").removesuffix(".__init__")
        specs.append(Spec(dotted, tmp_path / name, name.endswith("__init__.py")))
    graph = DepGraph(specs)
    assert graph.edges("pkg.a") == {"pkg": 3}
    assert graph.edges("pkg.a", ("import", "function")) == {"pkg": 3, "pkg.b": 6}
    assert graph.edges("pkg") == {"pkg.a": 1}
    assert graph.dependants({"pkg.b"}) == {"pkg.b"}  # the imports check's API, unchanged


def test_components_of_a_chain_deeper_than_the_recursion_limit() -> None:
    size = 20_000
    chain = {f"m{i}": [f"m{i + 1}"] for i in range(size)}
    assert strongly_connected(chain) == [[f"m{i}"] for i in range(size, -1, -1)]
    ring = dict(chain, **{f"m{size}": ["m0"]})
    assert strongly_connected(ring) == [sorted(f"m{i}" for i in range(size + 1))]


def test_components_come_dependencies_first_and_sorted() -> None:
    graph = {"c": ["a"], "a": ["b"], "b": ["a", "d"], "d": []}
    assert strongly_connected(graph) == [["d"], ["a", "b"], ["c"]]


def test_shortest_cycle_through_the_start() -> None:
    graph = {"a": ["c", "b"], "b": ["a"], "c": ["d"], "d": ["a"], "e": ["a"]}
    members = {"a", "b", "c", "d"}
    assert shortest_cycle("a", graph, members) == ["a", "b", "a"]
    assert shortest_cycle("c", graph, members) == ["c", "d", "a", "c"]
    assert shortest_cycle("e", graph, members | {"e"}) == []



def test_imports_check_reading_skips_a_function_whose_header_spans_lines() -> None:
    """The imports check's reading of what runs at import time: a ``def`` whose
    parameters span lines (or a CRLF file's blank line) still encloses its body."""
    source = "import a\n\ndef work(\n    x,\n) -> None:\n    import inside\n\nimport b\n"
    assert import_statements(source) == ["import a", "import b"]
    crlf = "import a\r\ndef work():\r\n    x = 1\r\n\r\n    import inside\r\n"
    assert [statement.strip() for statement in import_statements(crlf)] == ["import a"]


def test_a_parenthesised_import_spans_lines_and_an_unclosed_one_does_not_swallow_the_next() -> None:
    text = textwrap.dedent("""\
        from app.models import (
            Order,  # see (the) schema
            Item,
        )
        from app.broken import (
        import app.after
        from app.later import x
    """)
    read = [(s.line, ast.unparse(s.node)) for s in read_sites(text)]
    assert read == [
        (1, "from app.models import Order, Item"),
        (6, "import app.after"),
        (7, "from app.later import x"),
    ]
    assert import_statements(text)[-2:] == ["import app.after", "from app.later import x"]
