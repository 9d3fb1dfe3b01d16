"""Patches and mock objects: which calls they are and what they target."""

from __future__ import annotations

import re
from typing import Any

from ast_grep_py import SgNode

from testguard.checks.mocks.names import FileNames, string_value
from testguard.checks.mocks.uses import MOCK_CLASSES, PATCHERS, Use, mock_name, scope_of
from testguard.core import astgrep
from testguard.core.nodetext import compact, literal

RULES = "testguard.checks.mocks"  # its rules.yml
MOCKER_ONLY = frozenset({"stub", "async_stub"})
# Mock classes whose first positional parameter is the spec.
_SPEC_FIRST = MOCK_CLASSES - {"PropertyMock", "mock_open"}
MOCKER = re.compile(r"^(class_|module_|package_|session_)?mocker$")
_MULTIPLE_OPTIONS = frozenset({"spec", "spec_set", "create", "autospec", "new_callable"})
_NAME_RE = re.compile(r"(^|\.)(patch|object|dict|multiple|spy|setattr|delattr|setitem|delitem|stub|async_stub)$")


def arguments(call: SgNode) -> tuple[list[SgNode | None], dict[str, SgNode]]:
    """Positional (None after a ``*args``) and keyword arguments of a call."""
    positional: list[SgNode | None] = []
    keywords: dict[str, SgNode] = {}
    args = call.field("arguments")
    if args is None or args.kind() != "argument_list":
        return positional, keywords
    starred = False
    for child in args.children():
        if not child.is_named():
            continue
        kind = child.kind()
        if kind == "comment":
            continue
        if kind == "keyword_argument":
            name, value = child.field("name"), child.field("value")
            if name is not None and value is not None:
                keywords[name.text()] = value
        elif kind == "list_splat":
            starred = True
        elif kind != "dictionary_splat":
            positional.append(None if starred else child)
    return positional, keywords


def _arg(positional: list[SgNode | None], keywords: dict[str, SgNode], index: int, *names: str) -> SgNode | None:
    for name in names:
        if name in keywords:
            return keywords[name]
    return positional[index] if index < len(positional) else None


def alias_rule(names: FileNames) -> Any:
    aliases = []
    for local, target in names.imports.bindings.items():
        found = mock_name(target)
        if found is None or _NAME_RE.search(local) or re.search(r"Mock$|create_autospec$|mock_open$", local):
            continue
        if found[1] in PATCHERS or found[1] in MOCK_CLASSES:
            aliases.append(local)
    if not aliases:
        return None
    rule = astgrep.builtin_rules(RULES)["mock-alias-call"].config
    regex = r"^(" + "|".join(re.escape(a) for a in sorted(aliases)) + r")(\..*)?$"
    return {"rule": {**rule["rule"], "has": {**rule["rule"]["has"], "regex": regex}}}


def call_uses(calls: list[SgNode], names: FileNames) -> list[Use]:
    uses: list[Use] = []
    seen: set[int] = set()
    for call in calls:
        start = call.range().start.index
        if start in seen:
            continue
        seen.add(start)
        use = analyse_call(call, names)
        if use is not None:
            use.scope = scope_of(call)
            uses.append(use)
    return _drop_nested(uses)


def _drop_nested(uses: list[Use]) -> list[Use]:
    """``patch("x", new=Mock())`` and ``Mock(return_value=Mock())`` are one use, not two."""
    spans = {(u.node.range().start.index, u.node.range().end.index) for u in uses}
    kept = []
    for use in uses:
        parent = use.node.parent()
        if parent is not None and parent.kind() == "keyword_argument":
            parent = parent.parent()
        outer = parent.parent() if parent is not None and parent.kind() == "argument_list" else None
        if outer is not None and (outer.range().start.index, outer.range().end.index) in spans:
            continue
        kept.append(use)
    return kept


def analyse_call(call: SgNode, names: FileNames) -> Use | None:
    function = call.field("function")
    if function is None:
        return None
    text = compact(function.text())
    head, _, rest = text.partition(".")
    positional, keywords = arguments(call)
    if rest and MOCKER.match(head) and not names.imports.is_bound(head):
        return _mocker_call(call, head, rest, positional, keywords, names)
    if rest in ("setattr", "delattr", "setitem", "delitem") and (
        head in names.monkeypatch or head.endswith(".monkeypatch")
    ):
        return _monkeypatch_call(call, rest, positional, keywords, names)
    found = mock_name(names.resolve(text))
    if found is None:
        return None
    _, name = found
    if name in PATCHERS:
        return _patch(call, PATCHERS[name], name, positional, keywords, names)
    if name in MOCK_CLASSES:
        return _mock_object(call, name, positional, keywords, names)
    return None


def _patch(
    call: SgNode, kind: str, how: str, positional: list[SgNode | None], keywords: dict[str, SgNode],
    names: FileNames,
) -> Use:
    written = compact(call.text())
    target: str | None = None
    if how == "patch":
        node = _arg(positional, keywords, 0, "target")
        target = string_value(node, names.constants)
        written = target or (compact(node.text()) if node is not None else written)
    elif how in ("patch.object", "spy"):
        obj = _arg(positional, keywords, 0, "target", "obj")
        attribute = string_value(_arg(positional, keywords, 1, "attribute", "name"), names.constants)
        base = names.object(obj)
        if obj is not None:
            written = compact(obj.text()) + (f".{attribute}" if attribute else "")
        if base is not None:
            target = f"{base}.{attribute}" if attribute else base
    elif how == "patch.dict":
        node = _arg(positional, keywords, 0, "in_dict")
        target = string_value(node, names.constants) or names.object(node)
        written = target or (compact(node.text()) if node is not None else written)
        if target == "sys.modules":
            values = _arg(positional, keywords, 1, "values")
            key = values.find(kind="pair") if values is not None and values.kind() == "dictionary" else None
            module = literal(key.field("key")) if key is not None else None
            target = module or target
    elif how == "patch.multiple":
        node = _arg(positional, keywords, 0, "target")
        base = string_value(node, names.constants) or names.object(node)
        attributes = [k for k in keywords if k not in _MULTIPLE_OPTIONS and k != "target"]
        written = (base or (compact(node.text()) if node is not None else written))
        if base is not None:
            target = f"{base}.{attributes[0]}" if attributes else base
    return Use(call, kind, "TG203", written, target=target)


def _mock_object(
    call: SgNode, name: str, positional: list[SgNode | None], keywords: dict[str, SgNode],
    names: FileNames,
) -> Use:
    what = f"{name}()"
    if name == "mock_open":
        return Use(call, "mock-object", "TG204", "builtins.open", target="builtins.open", what=what)
    spec: SgNode | None = None
    if name in _SPEC_FIRST:
        spec = _arg(positional, keywords, 0, "spec", "spec_set")
    if spec is None:
        spec = keywords.get("wraps")  # Mock(wraps=sys.stdin) stands in for what it wraps
    target = names.object(spec) if spec is not None else None
    written = compact(spec.text()) if spec is not None else what
    return Use(call, "mock-object", "TG204", written, target=target, what=what)


def _mocker_call(
    call: SgNode, receiver: str, rest: str, positional: list[SgNode | None], keywords: dict[str, SgNode],
    names: FileNames,
) -> Use | None:
    if rest in PATCHERS:
        return _patch(call, f"mocker.{rest}", rest, positional, keywords, names)
    if rest == "spy":
        return _patch(call, "mocker.spy", "spy", positional, keywords, names)
    if rest in MOCK_CLASSES or rest in MOCKER_ONLY:
        use = _mock_object(call, rest, positional, keywords, names)
        use.what = f"{receiver}.{rest}()"
        return use
    return None


def _monkeypatch_call(
    call: SgNode, method: str, positional: list[SgNode | None], keywords: dict[str, SgNode],
    names: FileNames,
) -> Use | None:
    kind = f"monkeypatch.{method}"
    first = _arg(positional, keywords, 0, "target", "dic")
    if method in ("setitem", "delitem"):
        # Only replacing a module in sys.modules fakes code; other dicts are real data.
        if names.object(first) != "sys.modules":
            return None
        module = literal(_arg(positional, keywords, 1, "name"))
        return Use(call, kind, "TG203", module or "sys.modules", target=module)
    string_form = string_value(first, names.constants)
    if method == "setattr":
        dotted_form = string_form is not None and len(positional) <= 2 and "value" not in keywords and "name" not in keywords
    else:
        dotted_form = string_form is not None and len(positional) <= 1 and "name" not in keywords
    if dotted_form:
        return Use(call, kind, "TG203", string_form or "", target=string_form)
    attribute = string_value(_arg(positional, keywords, 1, "name"), names.constants)
    base = names.object(first)
    written = (compact(first.text()) if first is not None else kind) + (f".{attribute}" if attribute else "")
    target = (f"{base}.{attribute}" if attribute else base) if base is not None else None
    return Use(call, kind, "TG203", written, target=target)
