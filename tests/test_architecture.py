"""The shape of the package, read from its own source with ``ast`` (docs/architecture.md).

Layers: cli -> checks -> core, arrows only inward; no import cycles; each check is
one package under testguard/checks, declared in CHECKS; no check imports another
check's modules (shared code lives in the core); every check documents its rules;
declaring the checks stays cheap (a hook call imports only its own check's work).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from testguard.checks import CHECKS
from testguard.core.check import Check, StaticScan

PACKAGE = Path(__file__).resolve().parent.parent / "hooks" / "testguard"
LAYERS = {"core": 0, "checks": 1, "cli": 2}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (a module of the package)
    line: int
    runtime: bool  # False inside ``if TYPE_CHECKING:``: never executed


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    is_package = MODULES[module].name == "__init__.py"
    base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
    return ".".join(base + ([node.module] if node.module else []))


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in MODULES]
    base = _resolve(module, node)
    found = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES]
    if len(found) < len(node.names) and base in MODULES:
        found.append(base)  # names defined in the module ``base`` itself
    return found


def _imports(module: str) -> list[Import]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    found: list[Import] = []

    def visit(node: ast.AST, runtime: bool) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, False)
            for child in node.orelse:
                visit(child, runtime)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.extend(Import(module, t, node.lineno, runtime) for t in _targets(module, node))
        for child in ast.iter_child_nodes(node):
            visit(child, runtime)

    visit(tree, True)  # module level, and inside functions and classes: all of them count
    return found


IMPORTS = [imp for module in MODULES for imp in _imports(module)]


def _layer(module: str) -> int:
    if module == "testguard.__main__":
        return LAYERS["cli"]
    parts = module.split(".")
    return LAYERS.get(parts[1], LAYERS["core"]) if len(parts) > 1 else LAYERS["core"]


def _check_of(module: str) -> str | None:
    """``testguard.checks.mocks.scan`` -> ``mocks``; None outside a check."""
    parts = module.split(".")
    return parts[2] if len(parts) > 2 and parts[1] == "checks" else None


def test_the_source_is_read() -> None:
    assert {"testguard.cli", "testguard.core.check", "testguard.checks", "testguard.checks.mocks.scan"} <= set(MODULES)
    assert any(i.source == "testguard.cli" and i.target == "testguard.checks" for i in IMPORTS)
    assert any(not i.runtime for i in IMPORTS)  # TYPE_CHECKING imports are seen too


def test_arrows_only_point_inward() -> None:
    """checks -> core, cli -> checks/core; never core -> checks/cli, never checks -> cli."""
    outward = [
        f"{i.source}:{i.line} imports {i.target}" for i in IMPORTS if _layer(i.target) > _layer(i.source)
    ]
    assert outward == []


def test_no_import_cycles() -> None:
    """Between modules, counting imports inside functions (not those only type checkers read)."""
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for i in IMPORTS:
        if i.runtime and i.target != i.source:
            graph[i.source].add(i.target)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert cycles == []


def test_each_check_is_one_package_declared_in_the_list() -> None:
    names = [check.name for check in CHECKS]
    assert len(set(names)) == len(names)
    packages = {module.split(".")[2] for module in MODULES if _check_of(module)}
    assert packages == set(names)  # nothing under checks/ that is not a check of the list
    for name in names:
        assert MODULES[f"testguard.checks.{name}"].name == "__init__.py"


def test_no_module_of_a_check_is_used_by_another_check() -> None:
    """What two checks share lives in the core."""
    shared = [
        f"{i.source}:{i.line} imports {i.target}"
        for i in IMPORTS
        if _check_of(i.source) and _check_of(i.target) and _check_of(i.source) != _check_of(i.target)
    ]
    assert shared == []


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.name)
def test_every_check_documents_its_rules(check: Check) -> None:
    assert check.help.strip() and check.description.strip()
    assert check.config.name == check.name
    assert check.rules, f"{check.name} has no rules"
    for rule in check.rules:
        assert rule.check == check.name
        assert rule.code.startswith("TG") and rule.name
        for text in (rule.summary, rule.why, rule.bad, rule.good, rule.fix):
            assert text.strip()
    assert (check.run is None) == check.is_static
    if check.static is not None:
        scanner = check.static()
        assert isinstance(scanner, StaticScan) and scanner.name == check.name


def test_codes_belong_to_one_check() -> None:
    codes = [code for check in CHECKS for code in check.codes]
    assert len(codes) == len(set(codes))


def test_declaring_the_checks_loads_none_of_their_work() -> None:
    """A hook call imports every check's declaration, but only its own check's work."""
    probe = (
        "import sys\n"
        "import testguard.cli\n"
        "heavy = ('ast_grep_py', 'yaml', 'coverage', 'mypy', 'sqlite3', 'testguard.core.static')\n"
        "work = [m for m in sys.modules if m.startswith('testguard.checks.') and m.count('.') > 2\n"
        "        and not m.endswith(('.rules', '.settings'))]\n"
        "print(sorted(m for m in sys.modules if m in heavy) + sorted(work))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True,
        env={"PYTHONPATH": str(PACKAGE.parent)},
    )
    assert out.stdout.strip() == "[]"
