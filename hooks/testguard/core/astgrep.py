"""ast-grep rules: YAML in ast-grep's own rule format, run with ast-grep-py.

Every static check keeps its rules beside its code, in ``rules.yml`` of its
package (one YAML document per rule); users add their own with ``rules =
[...]`` in config.
A rule document has ast-grep's keys (``id``, ``rule``, ``constraints``,
``utils``, ``message``, ``note``, ``severity``, ``files``, ``ignores``) and, for
testguard, ``metadata.code`` — the code findings are reported under (``id``
when absent).

A rule ast-grep would run but that cannot mean what its author wrote is a usage
error naming the file, the rule and what is wrong: an empty file, an unknown
severity, a pattern that is not Python.  ast-grep itself accepts a pattern
with a syntax error (``from (((``) and then matches nothing, or something else;
so each pattern is parsed by ast-grep's own Python parser, with ``$`` read as
ast-grep reads it, and a tree with an error node is refused.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from ast_grep_py import Config as SgConfig
from ast_grep_py import SgNode, SgRoot

from testguard.core.cache import user_cache_dir
from testguard.core.findings import UsageError
from testguard.core.source import NotARegularFile, read_regular

_SEVERITIES = {"error": "error", "warning": "warning", "info": "note", "hint": "note", "note": "note"}
_OFF = "off"  # ast-grep's severity of a rule that is switched off
# ast-grep reads a metavariable's `$` in a Python pattern as this character (its
# Python "expando char": `$` is not Python, `µ` is an identifier character).
_PYTHON_EXPANDO = "µ"


@dataclass(frozen=True)
class Rule:
    id: str
    code: str
    config: dict[str, Any]
    message: str = ""
    severity: str = "error"
    note: str = ""
    files: tuple[str, ...] = ()
    ignores: tuple[str, ...] = ()
    source: str = ""
    metadata: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def find_all(self, root: SgNode) -> list[SgNode]:
        return find_all(root, self.config)


def find_all(node: SgNode, config: dict[str, Any]) -> list[SgNode]:
    """``node.find_all`` with a rule config built at run time (a plain dict)."""
    return node.find_all(cast(SgConfig, config))


def find(node: SgNode, config: dict[str, Any]) -> SgNode | None:
    return node.find(cast(SgConfig, config))


def parse(text: str) -> SgNode:
    return SgRoot(text, "python").root()


def _short(exc: Exception) -> str:
    """ast-grep's error on one line, without the Rust backtrace ``RUST_BACKTRACE`` adds."""
    return " ".join(str(exc).split("Stack backtrace:")[0].split())


def _patterns(node: object) -> list[str]:
    """Every pattern of a rule config: ``pattern: TEXT`` and ``pattern: {context: TEXT}``,
    at any depth (``any``, ``has``, ``inside``..., ``utils``, ``constraints``)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                found.append(value)
            elif key == "pattern" and isinstance(value, dict) and isinstance(value.get("context"), str):
                found.append(value["context"])
            else:
                found.extend(_patterns(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_patterns(item))
    return found


def _pattern_error(pattern: str) -> str | None:
    """Where ast-grep's Python parser fails on ``pattern``; None when it parses."""
    tree = parse(pattern.replace("$", _PYTHON_EXPANDO))
    bad = find(tree, builtin_rules("testguard.core", "syntax.yml")["parse-error"].config)
    if bad is None:
        return None
    line, col = start(bad)
    text = " ".join(bad.text().replace(_PYTHON_EXPANDO, "$").split())
    shown = f" at {text[:40]!r}" if text else ""
    return f"line {line} column {col}{shown}"


def _check_patterns(rule_id: str, config: dict[str, Any], where: str) -> None:
    for pattern in _patterns(config):
        error = _pattern_error(pattern)
        if error is not None:
            raise UsageError(
                f"{where}: rule {rule_id!r}: pattern {pattern!r} is not valid Python (ast-grep's"
                f" parser fails at {error}); write a whole statement or expression, or give a"
                " fragment its context: `pattern: {context: ..., selector: KIND}`"
            )


def _severity(doc: dict[str, Any], rule_id: str, where: str) -> str:
    raw = doc.get("severity", "error")
    if raw is False:
        raw = _OFF  # YAML 1.1 (PyYAML) reads a bare `off` as false; ast-grep reads it as "off"
    value = raw.lower() if isinstance(raw, str) else ""
    if value == _OFF or value in _SEVERITIES:
        return value if value == _OFF else _SEVERITIES[value]
    known = ", ".join([*_SEVERITIES, _OFF])
    raise UsageError(f"{where}: rule {rule_id!r}: unknown severity {raw!r}; choose one of {known}")


def _rule_from_doc(doc: Any, where: str) -> Rule:
    if not isinstance(doc, dict):
        raise UsageError(f"{where}: an ast-grep rule must be a mapping")
    rule_id = doc.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise UsageError(f"{where}: rule has no 'id'")
    if "rule" not in doc or not isinstance(doc["rule"], dict):
        raise UsageError(f"{where}: rule {rule_id!r} has no 'rule' mapping")
    language = str(doc.get("language", "python")).lower()
    if language not in ("python", "py"):
        raise UsageError(f"{where}: rule {rule_id!r} is for language {language!r}; only python is supported")
    metadata = doc.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise UsageError(f"{where}: rule {rule_id!r}: 'metadata' must be a mapping")
    code = str(metadata.get("code", rule_id))
    config = {k: doc[k] for k in ("rule", "constraints", "utils", "transform") if k in doc}
    severity = _severity(doc, rule_id, where)
    note = doc.get("note", "")
    if not isinstance(note, str):
        raise UsageError(f"{where}: rule {rule_id!r}: 'note' must be text")

    def _globs(key: str) -> tuple[str, ...]:
        value = doc.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"{where}: rule {rule_id!r}: '{key}' must be a list of globs")
        return tuple(value)

    return Rule(
        id=rule_id,
        code=code,
        config=config,
        message=str(doc.get("message", rule_id)),
        severity=severity,
        note=note.strip(),
        files=_globs("files"),
        ignores=_globs("ignores"),
        source=where,
        metadata=metadata,
    )


def _user_cache() -> Path:
    return user_cache_dir() / "rules"


def _parse_yaml(text: str, where: str) -> list[Any]:
    """The YAML documents of a rule file; parsed once per content, then read as JSON.

    Importing and running PyYAML costs a hook call tens of milliseconds; the
    parsed documents are kept as JSON with the text they come from, under a
    name made of its CRC and length (zlib is loaded anyway; hashlib would cost a
    hook call a few milliseconds), and used only when that text is the same.
    """
    import zlib

    data = text.encode("utf-8", "surrogatepass")
    cached = _user_cache() / f"{zlib.crc32(data):08x}-{len(data)}.json"
    try:
        import json

        loaded = json.loads(cached.read_bytes())
        if isinstance(loaded, dict) and loaded.get("text") == text and isinstance(loaded.get("docs"), list):
            docs: list[Any] = loaded["docs"]
            return docs
    except (OSError, ValueError):
        pass
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available
    try:
        docs = [d for d in yaml.load_all(text, Loader=loader) if d is not None]
    except yaml.YAMLError as exc:
        raise UsageError(f"{where} is not valid YAML: {exc}") from None
    try:
        import json

        payload = json.dumps({"text": text, "docs": docs})
        cached.parent.mkdir(parents=True, exist_ok=True)
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=cached.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            handle.write(payload)
        os.replace(tmp, cached)
    except (OSError, TypeError, ValueError):
        pass  # no cache: still correct, only slower next time
    return docs


def load_rules_text(text: str, where: str) -> list[Rule]:
    """The rules of one file, each validated; a rule with ``severity: off`` is left out."""
    docs = _parse_yaml(text, where)
    if not docs:
        raise UsageError(f"{where}: no rule in the file (it is empty); write a rule, or take it out of `rules`")
    rules = [_rule_from_doc(doc, where) for doc in docs]
    probe = parse("x = 1\n")
    for rule in rules:
        try:
            find_all(probe, rule.config)
        except Exception as exc:  # ast-grep raises plain exceptions for bad rules
            raise UsageError(
                f"{where}: rule {rule.id!r} is not a valid ast-grep rule: {_short(exc)}"
            ) from None
        _check_patterns(rule.id, rule.config, where)
    return [rule for rule in rules if rule.severity != _OFF]


def _package_file(package: str, file: str) -> str:
    """A data file beside an imported package's modules (importlib.resources only when
    the package is not plain files: importing it costs a hook call about 5 ms)."""
    module = sys.modules.get(package)
    location = getattr(module, "__file__", None)
    if isinstance(location, str):
        try:
            return Path(location).with_name(file).read_text("utf-8")
        except OSError:
            pass
    from importlib import resources

    return resources.files(package).joinpath(file).read_text("utf-8")


@lru_cache(maxsize=None)
def builtin_rules(package: str, file: str = "rules.yml") -> dict[str, Rule]:
    """The rules bundled in ``package`` (a check's: its ``rules.yml``), by id."""
    text = _package_file(package, file)
    return {rule.id: rule for rule in load_rules_text(text, f"{package.replace('.', '/')}/{file}")}


_RULE_FILE_LIMIT = 16 << 20
"""A rule file is YAML a person writes: one larger than 16 MiB is refused, not read."""


def load_custom_rules(root: Path, patterns: list[str]) -> list[Rule]:
    """Rules from the ``rules`` config globs (relative to the project root)."""
    rules: list[Rule] = []
    import glob as globmod

    for pattern in patterns:
        matches = sorted(globmod.glob(str(root / pattern), recursive=True))
        if not matches:
            raise UsageError(f"rules = [{pattern!r}] in [tool.testguard] matches no file")
        for match in matches:
            path = Path(match)
            try:
                text = read_regular(match, _RULE_FILE_LIMIT).decode("utf-8")
            except NotARegularFile:
                raise UsageError(f"rule file {path} is not a regular file (a directory, a pipe or a device)") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"cannot read rule file {path}: {exc}") from None
            rules.extend(load_rules_text(text, path.relative_to(root).as_posix()))
    return rules


def start(node: SgNode) -> tuple[int, int]:
    """1-based line and column of a node."""
    pos = node.range().start
    return pos.line + 1, pos.column + 1


def end(node: SgNode) -> tuple[int, int]:
    pos = node.range().end
    return pos.line + 1, pos.column + 1


def encloses(outer: SgNode | None, node: SgNode) -> bool:
    """Whether ``node`` lies inside ``outer`` (a field that may be missing: then no)."""
    if outer is None:
        return False
    o, n = outer.range(), node.range()
    return o.start.index <= n.start.index and n.end.index <= o.end.index
