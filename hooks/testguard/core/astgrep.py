"""ast-grep rules: YAML in ast-grep's own rule format, run with ast-grep-py.

Every static check keeps its rules beside its code, in ``rules.yml`` of its
package (one YAML document per rule); users add their own with ``rules =
[...]`` in config.
A rule document has ast-grep's keys (``id``, ``rule``, ``constraints``,
``utils``, ``message``, ``severity``, ``files``, ``ignores``) and, for
testguard, ``metadata.code`` — the code findings are reported under (``id``
when absent).
"""

from __future__ import annotations

import glob as globmod
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

from ast_grep_py import Config as SgConfig
from ast_grep_py import SgNode, SgRoot

from testguard.core.cache import user_cache_dir
from testguard.core.findings import UsageError

_SEVERITIES = {"error": "error", "warning": "warning", "info": "note", "hint": "note", "note": "note"}


@dataclass(frozen=True)
class Rule:
    id: str
    code: str
    config: dict[str, Any]
    message: str = ""
    severity: str = "error"
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
    severity = _SEVERITIES.get(str(doc.get("severity", "error")).lower(), "error")

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
    parsed documents are kept as JSON keyed by the text's hash.
    """
    key = hashlib.sha256(text.encode()).hexdigest()[:32]
    cached = _user_cache() / f"{key}.json"
    try:
        loaded = json.loads(cached.read_bytes())
        if isinstance(loaded, list):
            return loaded
    except (OSError, ValueError):
        pass
    import yaml

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available
    try:
        docs = [d for d in yaml.load_all(text, Loader=loader) if d is not None]
    except yaml.YAMLError as exc:
        raise UsageError(f"{where} is not valid YAML: {exc}") from None
    try:
        payload = json.dumps(docs)
        cached.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cached.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            handle.write(payload)
        os.replace(tmp, cached)
    except (OSError, TypeError, ValueError):
        pass  # no cache: still correct, only slower next time
    return docs


def load_rules_text(text: str, where: str) -> list[Rule]:
    docs = _parse_yaml(text, where)
    rules = [_rule_from_doc(doc, where) for doc in docs]
    probe = parse("x = 1\n")
    for rule in rules:
        try:
            find_all(probe, rule.config)
        except Exception as exc:  # ast-grep raises plain exceptions for bad rules
            raise UsageError(f"{where}: rule {rule.id!r} is not a valid ast-grep rule: {exc}") from None
    return rules


@lru_cache(maxsize=None)
def builtin_rules(package: str, file: str = "rules.yml") -> dict[str, Rule]:
    """The rules bundled in ``package`` (a check's: its ``rules.yml``), by id."""
    text = resources.files(package).joinpath(file).read_text("utf-8")
    return {rule.id: rule for rule in load_rules_text(text, f"{package.replace('.', '/')}/{file}")}


def load_custom_rules(root: Path, patterns: list[str]) -> list[Rule]:
    """Rules from the ``rules`` config globs (relative to the project root)."""
    rules: list[Rule] = []
    for pattern in patterns:
        matches = sorted(globmod.glob(str(root / pattern), recursive=True))
        if not matches:
            raise UsageError(f"rules = [{pattern!r}] in [tool.testguard] matches no file")
        for match in matches:
            path = Path(match)
            try:
                text = path.read_text("utf-8")
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
