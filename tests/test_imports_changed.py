"""Changed-only mode (pre-commit), module discovery, the static reverse-import graph, shards."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import git, git_init, run_testguard, write
from testguard.core.importgraph import DepGraph, import_statements
from testguard.checks.imports.discover import discover, discover_modules, shard

PROJECT: dict[str, str | bytes] = {
    "src/app/__init__.py": "",
    "src/app/ws.py": "class HeartbeatConfig:\n    pass\n",
    "src/app/client.py": "from .ws import HeartbeatConfig\n",
    "src/app/service.py": "import app.client\n",
    "src/app/lazy.py": "def later():\n    from app.ws import HeartbeatConfig\n",
    "src/app/typed.py": (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from app.ws import HeartbeatConfig\n"
    ),
    # Broken, but unrelated to ws.py: a commit touching ws.py must not be blamed for it.
    "src/app/unrelated.py": "raise RuntimeError('old breakage')\n",
}


def make_project(root: Path) -> None:
    write(root, PROJECT)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "app"\n[tool.testguard]\npython = {sys.executable!r}\n'
    )


def test_staged_change_that_breaks_a_dependant_is_caught(tmp_path: Path) -> None:
    make_project(tmp_path)
    git_init(tmp_path)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "start")
    (tmp_path / "src/app/ws.py").write_text(
        "class Heartbeat:\n    pass\n"
    )  # renamed the class
    git(tmp_path, "add", "src/app/ws.py")
    staged = git(tmp_path, "diff", "--cached", "--name-only").split()
    run = run_testguard(tmp_path, "imports", "--format", "json", *staged)
    assert run.code == 1, run.err
    findings = run.json()["findings"]
    assert {(f["path"], f["line"], f["code"]) for f in findings} == {
        ("src/app/client.py", 1, "TG101"),
        ("src/app/service.py", 1, "TG101"),
    }
    section = run.json()["checks"]["imports"]["sections"]["imports"]
    # ws itself, its importers (client, service) and the package: not lazy, typed or unrelated.
    assert section["modules"] == 3


def test_staged_deletion_is_caught_in_the_modules_that_import_it(
    tmp_path: Path,
) -> None:
    make_project(tmp_path)
    git_init(tmp_path)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "start")
    git(tmp_path, "rm", "-q", "src/app/ws.py")
    (tmp_path / "src/app/lazy.py").write_text("def later():\n    return None\n")
    git(tmp_path, "add", "src/app/lazy.py")
    # pre-commit passes the staged files that still exist: only lazy.py.
    run = run_testguard(tmp_path, "imports", "--format", "json", "src/app/lazy.py")
    assert run.code == 1, run.err
    assert {(f["path"], f["code"]) for f in run.json()["findings"]} == {
        ("src/app/client.py", "TG101"),
        ("src/app/service.py", "TG101"),
    }


def test_files_outside_the_packages_select_nothing(tmp_path: Path) -> None:
    make_project(tmp_path)
    write(tmp_path, {"README.md": "hi\n", "tests/test_x.py": "def test(): pass\n"})
    run = run_testguard(
        tmp_path, "imports", "--format", "json", "README.md", "tests/test_x.py"
    )
    assert run.code == 0
    assert run.json()["checks"]["imports"]["sections"]["imports"]["modules"] == 0


def test_reverse_graph_follows_import_time_edges_only(tmp_path: Path) -> None:
    make_project(tmp_path)
    write(
        tmp_path,
        {
            "src/app/sub/__init__.py": "from . import leaf\n",
            "src/app/sub/leaf.py": "from ..ws import HeartbeatConfig\n",
            "src/app/sub/sibling.py": "X = 1\n",
            "src/app/dyn.py": "import importlib\nmod = importlib.import_module('app.client')\n",
        },
    )
    specs = discover_modules([tmp_path / "src"], ["app"])
    graph = DepGraph(specs)
    assert graph.dependants(["app.ws"]) == {
        "app.ws",
        "app.client",
        "app.service",
        "app.dyn",
        "app.sub.leaf",
        "app.sub",
        # importing app.sub.sibling runs app/sub/__init__.py, which imports leaf
        "app.sub.sibling",
    }
    assert graph.dependants(["app.unrelated"]) == {"app.unrelated"}
    # A package's __init__ runs before every module under it.
    assert graph.dependants(["app"]) == {spec.name for spec in specs}


def test_discovery_layouts_namespaces_main_and_excludes(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "lib/__init__.py": "",
            "lib/__main__.py": "",
            "lib/a.py": "",
            "lib/ns/deep/b.py": "",  # namespace directories, no __init__.py
            # importlib imports these by name, as frameworks do (migrations, locale/is/)
            "lib/not-an-identifier.py": "",
            "lib/data-dir/c.py": "",
            "lib/0001_initial.py": "",
            "lib/is/__init__.py": "",
            # no dotted name reaches these: set aside
            "lib/foo.bar.py": "",
            "lib/x.y/z.py": "",
            "lib/.hidden/h.py": "",
            "lib/__pycache__/a.cpython-311.py": "",
            "lib/legacy/__init__.py": "",
            "lib/legacy/old.py": "",
            "single.py": "",
        },
    )
    found = discover([tmp_path], ["lib", "single"])
    assert [s.name for s in found.modules] == [
        "lib",
        "lib.0001_initial",
        "lib.a",
        "lib.data-dir.c",
        "lib.is",
        "lib.legacy",
        "lib.legacy.old",
        "lib.not-an-identifier",
        "lib.ns.deep.b",
        "single",
    ]
    assert found.unnameable == [tmp_path / "lib/foo.bar.py", tmp_path / "lib/x.y/z.py"]
    names = [
        s.name
        for s in discover_modules(
            [tmp_path], ["lib"], include_main=True, exclude=["lib.legacy"]
        )
    ]
    assert "lib.__main__" in names and "lib.legacy" not in names and "lib.legacy.old" not in names


def test_shards_are_disjoint_deterministic_and_complete(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {f"p/m{i:02}.py": "" for i in range(23)}
    write(tmp_path, {**files, "p/__init__.py": ""})
    specs = discover_modules([tmp_path], ["p"])
    parts = [shard(specs, i, 4) for i in range(1, 5)]
    assert sorted(s.name for part in parts for s in part) == sorted(
        s.name for s in specs
    )
    assert all(5 <= len(part) <= 6 for part in parts)
    assert parts == [
        shard(discover_modules([tmp_path], ["p"]), i, 4) for i in range(1, 5)
    ]


def test_shard_option_combines_to_the_full_run(tmp_path: Path) -> None:
    write(
        tmp_path,
        {f"p/m{i}.py": ("raise KeyError\n" if i % 3 == 0 else "") for i in range(9)},
    )
    write(tmp_path, {"p/__init__.py": ""})
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.testguard]\npackages = ["p"]\npython = {sys.executable!r}\n'
    )
    full = {
        f["path"]
        for f in run_testguard(tmp_path, "imports", "--format", "json").json()[
            "findings"
        ]
    }
    combined: set[str] = set()
    for index in (1, 2, 3):
        run = run_testguard(
            tmp_path, "imports", "--shard", f"{index}/3", "--format", "json"
        )
        combined |= {f["path"] for f in run.json()["findings"]}
    assert combined == full == {"p/m0.py", "p/m3.py", "p/m6.py"}


def test_import_statements_that_run_at_import_time() -> None:
    source = (
        "import a\n"
        "from b import (c,\n    d)\n"
        "import e, \\\n    f\n"
        "def g():\n    import h\n    if x:\n        import i\n"
        "class K:\n    import j\n    def m(self):\n        import k\n"
        "try:\n    import l\nexcept ImportError:\n    pass\n"
        "if TYPE_CHECKING:\n    import n\nelse:\n    import o\n"
        "x = importlib.import_module('p.q')\n"
        "def z():\n    return importlib.import_module('r')\n"
        '"""\n>>> import s\n"""\n'
    )
    statements = import_statements(source)
    flat = [" ".join(s.split()) for s in statements]
    assert flat == [
        "import a",
        "from b import (c, d)",
        "import e, f",
        "import j",
        "import l",
        "import o",
        "import p.q",
    ]
