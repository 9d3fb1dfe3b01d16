"""How a test that hides a first-party import failure is found (TG401/TG402/TG403)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ast_grep_py import SgNode

from testguard.core import astgrep
from testguard.core.check import StaticScan
from testguard.core.findings import Finding
from testguard.core.nodetext import compact, literal
from testguard.core.prefilter import Screened
from testguard.core.static import FileContext, StaticState
from testguard.core.typechecking import under_type_checking

NAME = "fallbacks"
RULES = "testguard.checks.fallbacks"  # its rules.yml
# A handler that can swallow an import failure, or importorskip.
PREFILTER = Screened(
    ("except", "importorskip"),
    r"ImportError|ModuleNotFoundError|Exception|except\s*:|importorskip",
    starts=("ImportError", "ModuleNotFoundError", "Exception", "except", "importorskip"),
)

_CATCHES_IMPORT = re.compile(r"\b(ImportError|ModuleNotFoundError|Exception|BaseException)\b")
_IMPORTORSKIP = {"pytest.importorskip", "_pytest.outcomes.importorskip"}
_IMPORT_MODULE = {"importlib.import_module", "importlib.__import__", "__import__", "builtins.__import__"}
_FAILS = {"pytest.fail", "_pytest.outcomes.fail", "pytest.exit"}
_SKIP_DECORATORS = {
    "pytest.mark.skipif": "pytest.mark.skipif",
    "unittest.skipIf": "unittest.skipIf",
    "unittest.skipUnless": "unittest.skipUnless",
    "unittest.case.skipIf": "unittest.skipIf",
    "unittest.case.skipUnless": "unittest.skipUnless",
}
_SKIPS = {"pytest.skip", "_pytest.outcomes.skip", "unittest.SkipTest", "unittest.case.SkipTest"}
_SCOPES = frozenset({"function_definition", "class_definition", "lambda"})


def prepare(state: StaticState) -> None:
    # Every finding names a first-party module: a file that never spells one has none.
    PREFILTER.also = tuple(sorted(state.first_party.names))


def first_argument(call: SgNode, *keywords: str) -> SgNode | None:
    """The argument given by one of ``keywords``, else the first positional one."""
    args = call.field("arguments")
    if args is None:
        return None
    for child in args.children():
        if child.kind() == "keyword_argument":
            name = child.field("name")
            if name is not None and name.text() in keywords:
                return child.field("value")
    for child in args.children():
        if child.is_named() and child.kind() not in ("comment", "keyword_argument", "list_splat", "dictionary_splat"):
            return child
    return None


def _callee(file: FileContext, call: SgNode) -> str:
    function = call.field("function")
    return file.imports.resolve(compact(function.text())) if function is not None else ""


@dataclass
class Fallback:
    """One try statement that swallows a failed first-party import."""

    imports: list[tuple[SgNode, str]]  # (import node, module)
    caught: str  # the handler's header, e.g. "except ImportError"
    flags: set[str] = field(default_factory=set)


def _walk(node: SgNode) -> list[SgNode]:
    """The nodes of a block, not descending into nested functions or classes."""
    out: list[SgNode] = []
    stack = list(reversed(node.children()))
    while stack:
        current = stack.pop()
        if current.kind() in _SCOPES:
            continue
        out.append(current)
        stack.extend(reversed(current.children()))
    return out


def _first_party_imports(file: FileContext, body: SgNode) -> list[tuple[SgNode, str]]:
    first_party = file.state.first_party
    found: list[tuple[SgNode, str]] = []
    for node in _walk(body):
        kind = node.kind()
        if kind in ("import_statement", "import_from_statement") and under_type_checking(node, file.imports):
            continue  # never run: nothing to hide
        if kind == "import_statement":
            for child in node.field_children("name"):
                name = child.field("name") if child.kind() == "aliased_import" else child
                module = compact(name.text()) if name is not None else ""
                if module in first_party:
                    found.append((node, module))
                    break
        elif kind == "import_from_statement":
            module_node = node.field("module_name")
            module = compact(module_node.text()) if module_node is not None else ""
            if module and not module.startswith(".") and module in first_party:
                found.append((node, module))
        elif kind == "call" and _callee(file, node) in _IMPORT_MODULE:
            module = literal(first_argument(node, "name")) or ""
            if module in first_party:
                found.append((node, module))
    return found


def _handler_hides(file: FileContext, clause: SgNode) -> bool:
    """A handler that re-raises or fails the test does not hide anything."""
    block = next((c for c in clause.children() if c.kind() == "block"), None)
    if block is None:
        return True
    for statement in block.children():
        if statement.kind() == "raise_statement":
            # `raise unittest.SkipTest(...)` hides the failure like pytest.skip(); any other raise does not.
            return _raises_skip(file, statement)
        if statement.kind() == "expression_statement":
            call = statement.child(0)
            if call is not None and call.kind() == "call":
                name = _callee(file, call)
                if name in _FAILS or name.endswith(".fail"):
                    return False
    return True


def _raises_skip(file: FileContext, node: SgNode) -> bool:
    raised = next((c for c in node.children() if c.is_named()), None)
    if raised is not None and raised.kind() == "call":
        raised = raised.field("function")
    if raised is None:
        return False
    name = file.imports.resolve(compact(raised.text()))
    return name in _SKIPS or name.endswith(("SkipTest", "skip.Exception"))


def _assigned(block: SgNode | None, only_true: bool = False) -> set[str]:
    names: set[str] = set()
    if block is None:
        return names
    for node in _walk(block):
        if node.kind() != "assignment":
            continue
        left, right = node.field("left"), node.field("right")
        if left is None or left.kind() != "identifier":
            continue
        if only_true and (right is None or right.text() != "True"):
            continue
        names.add(left.text())
    return names


def _fallbacks(file: FileContext, tries: list[SgNode]) -> list[Fallback]:
    out: list[Fallback] = []
    for try_node in tries:
        body = try_node.field("body")
        if body is None:
            continue
        hiding = []
        for clause in try_node.children():
            if clause.kind() != "except_clause":
                continue
            header = clause.text().split(":", 1)[0].strip()
            if (re.fullmatch(r"except", header) or _CATCHES_IMPORT.search(header)) and _handler_hides(file, clause):
                hiding.append((clause, " ".join(header.split())))
        if not hiding:
            continue
        imports = _first_party_imports(file, body)
        if not imports:
            continue
        fallback = Fallback(imports, hiding[0][1])
        for clause, _ in hiding:
            fallback.flags |= _assigned(next((c for c in clause.children() if c.kind() == "block"), None))
        fallback.flags |= _assigned(body, only_true=True)
        else_clause = next((c for c in try_node.children() if c.kind() == "else_clause"), None)
        if else_clause is not None:
            fallback.flags |= _assigned(else_clause, only_true=True)
        out.append(fallback)
    return out


def _mentions(node: SgNode | None, flags: dict[str, Fallback]) -> str | None:
    """The first flag a condition refers to (string conditions too: skipif("not HAS_X"))."""
    if node is None:
        return None
    text = literal(node)
    if text is not None:
        words: list[str] = re.findall(r"[A-Za-z_]\w*", text)
        return next((w for w in words if w in flags), None)
    candidates = [node] if node.kind() == "identifier" else node.find_all(kind="identifier")
    for ident in candidates:
        if ident.text() in flags:
            return ident.text()
    return None


def _skips(file: FileContext, block: SgNode | None) -> bool:
    if block is None:
        return False
    for statement in block.children():
        node = statement.child(0) if statement.kind() == "expression_statement" else statement
        if node is None:
            continue
        if node.kind() == "call":
            name = _callee(file, node)
            if name in _SKIPS or name.endswith(".skipTest"):
                return True
        if node.kind() == "raise_statement" and _raises_skip(file, node):
            return True
    return False


def _skip_findings(file: FileContext, flags: dict[str, Fallback]) -> list[Finding]:
    rules = astgrep.builtin_rules(RULES)
    findings: list[Finding] = []
    for call in rules["skip-condition-call"].find_all(file.tree):
        what = _SKIP_DECORATORS.get(_callee(file, call))
        if what is None:
            continue
        flag = _mentions(first_argument(call, "condition"), flags)
        if flag is not None:
            findings.append(_flag_finding(file, call, what, flag, flags[flag]))
    for if_node in rules["skip-if-statement"].find_all(file.tree):
        flag = _mentions(if_node.field("condition"), flags)
        if flag is not None and _skips(file, if_node.field("consequence")):
            findings.append(_flag_finding(file, if_node, "if … skip", flag, flags[flag]))
    return findings


def _flag_finding(file: FileContext, node: SgNode, what: str, flag: str, fallback: Fallback) -> Finding:
    module = fallback.imports[0][1]
    line = astgrep.start(fallback.imports[0][0])[0]
    return file.finding(
        node, "TG403",
        f"{what} on '{flag}', which is set when the import of '{module}' (line {line}) fails:"
        " the tests skip instead of failing when the project's own code is broken",
        NAME, kind="skip-condition", flag=flag, module=module, import_line=line,
    )


def scan(file: FileContext) -> list[Finding]:
    findings: list[Finding] = []
    flags: dict[str, Fallback] = {}
    seen: set[int] = set()
    candidates = astgrep.builtin_rules(RULES)["fallback-candidate"].find_all(file.tree)
    tries = [n for n in candidates if n.kind() == "try_statement"]
    for fallback in _fallbacks(file, tries):
        for node, module in fallback.imports:
            start = node.range().start.index
            if start in seen:
                continue
            seen.add(start)
            findings.append(file.finding(
                node, "TG401",
                f"import of '{module}' inside try/{fallback.caught}: a broken first-party module"
                " is hidden instead of failing the tests; import it unconditionally",
                NAME, kind="try-except", module=module, handler=fallback.caught,
                flags=sorted(fallback.flags),
            ))
        for flag in fallback.flags:
            flags.setdefault(flag, fallback)
    for call in candidates:
        if call.kind() != "call" or _callee(file, call) not in _IMPORTORSKIP:
            continue
        skipped = literal(first_argument(call, "modname"))
        if skipped is not None and skipped in file.state.first_party:
            findings.append(file.finding(
                call, "TG402",
                f"pytest.importorskip('{skipped}') skips the tests when the project's own module"
                " fails to import; import it normally so a broken module fails",
                NAME, kind="importorskip", module=skipped,
            ))
    if flags:
        findings.extend(_skip_findings(file, flags))
    return findings



SCAN = StaticScan(NAME, PREFILTER, scan, prepare)
