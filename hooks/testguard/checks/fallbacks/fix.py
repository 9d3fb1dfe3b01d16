"""The safe fixes of TG401/TG402/TG403: the fallback becomes the bare first-party import.

- ``try: <first-party imports>`` / ``except ImportError: FLAG = False`` becomes the
  imports; each flag it set goes, with every skip that tests it
  (``@pytest.mark.skipif(not FLAG, ...)``, ``@unittest.skipUnless(FLAG, ...)``,
  ``pytestmark = pytest.mark.skipif(not FLAG, ...)``, ``if not FLAG: pytest.skip(...)``);
- ``pytest.importorskip("pkg.mod")`` at module level becomes ``import pkg.mod``
  (``name = ...``: ``import pkg.mod as name``).

A fix is made only when nothing else refers to what it removes and every part of it
is one of these shapes; otherwise the finding stays and says why.  The edits are
ast-grep's (``SgNode.replace``, ``commit_edits``), widened to whole lines where a
statement or decorator goes, so the rest of the file keeps its comments and layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ast_grep_py import Edit, SgNode, SgRoot

from testguard.checks.fallbacks.detect import first_argument
from testguard.core.findings import Finding
from testguard.core.fixes import FileFix
from testguard.core.nodetext import literal

_IMPORTS = ("import_statement", "import_from_statement")
_SKIP_CALLS = ("skip", "skipTest")


@dataclass
class _Plan:
    """The edits of one fallback, and the findings they fix."""

    edits: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, text) in characters
    lines: set[int] = field(default_factory=set)  # 1-based lines of the findings fixed


class _NotFixable(Exception):
    pass


def _line(node: SgNode) -> int:
    return node.range().start.line + 1


def _whole_lines(text: str, node: SgNode) -> tuple[int, int]:
    """The node's range widened to its whole lines (indentation and newline included);
    _NotFixable when something else shares those lines."""
    start, end = node.range().start.index, node.range().end.index
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end + 1
    before, after = text[line_start:start], text[end:line_end]
    if before.strip() or (after.strip() and not after.strip().startswith("#")):
        raise _NotFixable(f"line {_line(node)} holds more than the part to remove")
    return line_start, line_end


def _owns_its_line(text: str, node: SgNode) -> bool:
    start = node.range().start.index
    return not text[text.rfind("\n", 0, start) + 1:start].strip()


def _with_trailing_comment(text: str, node: SgNode) -> str:
    """The statement's text, with the comment that ends its last line (not the statements
    that follow it on that line: ``import a; FLAG = True``)."""
    start, end = node.range().start.index, node.range().end.index
    line_end = text.find("\n", end)
    rest = text[end:len(text) if line_end == -1 else line_end]
    return text[start:end] + (rest.rstrip() if rest.strip().startswith("#") else "")


def _statements(block: SgNode | None) -> list[SgNode]:
    return [c for c in block.children() if c.is_named()] if block is not None else []


def _assigned_constant(statement: SgNode) -> str | None:
    """``NAME = <constant>``: the name."""
    if statement.kind() != "expression_statement":
        return None
    node = statement.child(0)
    if node is None or node.kind() != "assignment":
        return None
    left, right = node.field("left"), node.field("right")
    if left is None or left.kind() != "identifier" or right is None:
        return None
    if right.kind() not in ("true", "false", "none", "integer", "string"):
        return None
    return left.text()


def _is_skip_call(statement: SgNode) -> bool:
    node = statement.child(0) if statement.kind() == "expression_statement" else None
    if node is None or node.kind() != "call":
        return False
    function = node.field("function")
    return function is not None and function.text().rsplit(".", 1)[-1] in _SKIP_CALLS


def _bound_names(imports: Sequence[SgNode]) -> set[str]:
    names: set[str] = set()
    for node in imports:
        for child in node.field_children("name"):
            if child.kind() == "aliased_import":
                alias = child.field("alias")
                names.add(alias.text() if alias is not None else child.text())
            else:
                names.add(child.text().split(".")[0])
    return names


def _tests_only(condition: SgNode | None, flag: str, negated: bool) -> bool:
    """Whether ``condition`` is exactly ``not FLAG`` (``negated``) or ``FLAG``."""
    if condition is None:
        return False
    text = literal(condition)
    if text is not None:
        return " ".join(text.split()) == (f"not {flag}" if negated else flag)
    if not negated:
        return condition.kind() == "identifier" and condition.text() == flag
    if condition.kind() != "not_operator":
        return False
    argument = condition.field("argument")
    return argument is not None and argument.kind() == "identifier" and argument.text() == flag


def _skip_removal(text: str, node: SgNode, flag: str) -> tuple[int, int]:
    """The lines to remove for one skip on ``flag`` (a TG403 finding's node)."""
    if node.kind() == "if_statement":
        if node.field("alternative") is not None or node.find(kind="else_clause") is not None:
            raise _NotFixable(f"the if on '{flag}' (line {_line(node)}) has an else branch")
        body = _statements(node.field("consequence"))
        if not _tests_only(node.field("condition"), flag, negated=True) or not body or not all(
            _is_skip_call(s) for s in body
        ):
            raise _NotFixable(f"the if on '{flag}' (line {_line(node)}) does more than skip on it")
        return _whole_lines(text, node)
    function = node.field("function")
    negated = function is None or not function.text().endswith("skipUnless")
    if not _tests_only(first_argument(node, "condition"), flag, negated):
        raise _NotFixable(f"the skip condition at line {_line(node)} tests more than '{flag}'")
    parent = node.parent()
    if parent is not None and parent.kind() == "decorator":
        return _whole_lines(text, parent)
    if parent is not None and parent.kind() == "assignment":
        statement = parent.parent()
        left = parent.field("left")
        if statement is not None and left is not None and left.text() == "pytestmark":
            return _whole_lines(text, statement)
    raise _NotFixable(f"the skip at line {_line(node)} is neither a decorator nor `pytestmark = ...`")


def _skip_node(root: SgNode, finding: Finding) -> SgNode | None:
    for kind in ("call", "if_statement"):
        for node in root.find_all(kind=kind):
            if _line(node) == finding.line and node.range().start.column + 1 == finding.col:
                return node
    return None


def _try_plan(
    text: str, root: SgNode, try_node: SgNode, first_party_lines: set[int], skips: Sequence[Finding]
) -> _Plan:
    body = try_node.field("body")
    statements = _statements(body)
    imports = [s for s in statements if s.kind() in _IMPORTS]
    if not imports:
        raise _NotFixable("the try holds no plain import statement")
    for statement in imports:
        if _line(statement) not in first_party_lines:  # an optional third-party import stays optional
            raise _NotFixable(f"the try also imports what is not first-party (line {_line(statement)})")
    bound = _bound_names(imports)
    flags: set[str] = set()
    for statement in statements:
        if statement.kind() in _IMPORTS or statement.kind() == "comment":
            continue
        name = _assigned_constant(statement)
        if name is None:
            raise _NotFixable(f"the try does more than import (line {_line(statement)})")
        flags.add(name)
    for clause in try_node.children():
        kind = clause.kind()
        if kind == "finally_clause":
            raise _NotFixable("the try has a finally clause")
        if kind not in ("except_clause", "else_clause"):
            continue
        block = next((c for c in clause.children() if c.kind() == "block"), None)
        for statement in _statements(block):
            if statement.kind() in ("pass_statement", "comment") or (kind == "except_clause" and _is_skip_call(statement)):
                continue
            name = _assigned_constant(statement)
            if name is None:
                raise _NotFixable(f"the {kind.split('_')[0]} block does more than set a flag (line {_line(statement)})")
            if name not in bound:
                flags.add(name)
    plan = _Plan()
    removed: list[tuple[int, int]] = []
    for flag in sorted(flags):
        for finding in skips:
            if finding.details.get("flag") != flag:
                continue
            node = _skip_node(root, finding)
            if node is None:
                raise _NotFixable(f"the skip on '{flag}' at line {finding.line} was not found again")
            removed.append(_skip_removal(text, node, flag))
            plan.lines.add(finding.line)
        inside = (try_node.range().start.index, try_node.range().end.index)
        for ident in root.find_all(kind="identifier"):
            if ident.text() != flag:
                continue
            at = ident.range().start.index
            if inside[0] <= at < inside[1] or any(s <= at < e for s, e in removed):
                continue
            raise _NotFixable(f"'{flag}' is used elsewhere (line {_line(ident)})")
    start = try_node.range().start.index
    indent = text[text.rfind("\n", 0, start) + 1:start]  # the try's own (spaces or tabs)
    newline = "\r\n" if "\r\n" in try_node.text() else "\n"
    kept = [_with_trailing_comment(text, s) for s in statements
            if s.kind() in _IMPORTS or (s.kind() == "comment" and _owns_its_line(text, s))]
    plan.edits.append((start, try_node.range().end.index, f"{newline}{indent}".join(kept)))
    plan.edits += [(s, e, "") for s, e in removed]
    plan.lines |= {_line(s) for s in imports}
    return plan


def _importorskip_plan(node: SgNode) -> _Plan:
    args = node.field("arguments")
    extra = [c for c in args.children() if c.is_named()][1:] if args is not None else []
    if any(c.kind() != "keyword_argument" or (c.field("name") or c).text() != "reason" for c in extra):
        raise _NotFixable("importorskip has arguments besides the module and reason")
    module = literal(next((c for c in (args.children() if args else []) if c.is_named()), None))
    if not module:
        raise _NotFixable("the module is not a literal")
    parent = node.parent()
    statement = parent
    alias = ""
    if parent is not None and parent.kind() == "assignment":
        left = parent.field("left")
        if left is None or left.kind() != "identifier":
            raise _NotFixable("the result is not bound to one name")
        alias = left.text()
        statement = parent.parent()
    outer = statement.parent() if statement is not None else None
    if statement is None or statement.kind() != "expression_statement" or outer is None or outer.kind() != "module":
        raise _NotFixable("it does not stand at module level")
    replacement = f"import {module}" if not alias or alias == module else f"import {module} as {alias}"
    plan = _Plan(lines={_line(node)})
    plan.edits.append((statement.range().start.index, statement.range().end.index, replacement))
    return plan


def fix(text: str, findings: Sequence[Finding]) -> FileFix:
    """The fixes of one file's TG401/TG402/TG403 findings."""
    root_holder = SgRoot(text, "python")
    root = root_holder.root()
    plans: list[tuple[_Plan, list[Finding]]] = []
    unfixed: list[tuple[Finding, str]] = []
    skips = [f for f in findings if f.code == "TG403"]
    handled: set[int] = set()
    for try_node in root.find_all(kind="try_statement"):
        first, last = _line(try_node), try_node.range().end.line + 1
        # Outermost first: an import an outer try left unfixed stays hidden by it, whatever
        # becomes of the inner one.
        mine = [f for f in findings if f.code == "TG401" and first <= f.line <= last and id(f) not in handled]
        if not mine:
            continue
        try:
            plan = _try_plan(text, root, try_node, {f.line for f in mine}, skips)
        except _NotFixable as reason:
            unfixed += [(f, str(reason)) for f in mine]
            handled |= {id(f) for f in mine}
            continue
        covered = mine + [f for f in skips if f.line in plan.lines]
        plans.append((plan, covered))
        handled |= {id(f) for f in covered}
    for finding in findings:
        if finding.code != "TG402":
            continue
        node = next((n for n in root.find_all(kind="call") if _line(n) == finding.line
                     and n.range().start.column + 1 == finding.col), None)
        handled.add(id(finding))
        if node is None:
            unfixed.append((finding, "the call was not found again"))
            continue
        try:
            plans.append((_importorskip_plan(node), [finding]))
        except _NotFixable as reason:
            unfixed.append((finding, str(reason)))
    for finding in skips:
        if id(finding) not in handled:
            unfixed.append((finding, "the import that sets its flag is not fixed"))
    edits: list[Edit] = []
    taken: list[tuple[int, int]] = []
    fixed: list[Finding] = []
    for plan, covered in plans:
        if any(s < e2 and s2 < e for s, e, _ in plan.edits for s2, e2 in taken):
            unfixed += [(f, "another fix touches the same lines") for f in covered]
            continue
        for start, end, new in plan.edits:
            edit = root.replace(new)
            edit.start_pos, edit.end_pos = start, end
            edits.append(edit)
            taken.append((start, end))
        fixed += covered
    if not edits:
        return FileFix(text, [], unfixed)
    return FileFix(root.commit_edits(edits), fixed, unfixed)
