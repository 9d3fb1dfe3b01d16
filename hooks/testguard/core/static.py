"""The shared pipeline of the static checks: each test file read and parsed once.

For every file: read -> cache (by content hash) -> decode (TG001 on bad files)
-> prefilter -> one ast-grep parse -> each static check's ``scan`` ->
suppressions -> cache.  Files that no check's prefilter matches are fully
checked without being parsed: a file with no ``exit`` in it has no process
exit.  Cold runs over many files use a pool of forked workers.

Custom rules (``rules`` in config) run in the same pass.  A rule without
``files`` applies to the test files; a rule's ``files`` globs select from all
the project's Python files, production code included (``ignores`` take files
out).  A production file joins the pass only when some rule's globs select it,
decided by its path before it is read, and only the custom rules run on it:
production code that no custom rule can match costs nothing.

Syntax errors.  A test file given by name (as pre-commit passes staged files),
or changed since ``--diff-base`` (as the Action runs on a pull request), is
compiled by CPython first, so one that does not parse is a TG001 from every
static check, whatever else is in it.  A whole-project scan (no paths, or a
directory) parses only the files some rule can match, and those get their
TG001 too; it does not compile the others.  On the bench corpus that would be
4,813 of 5,127 test files (41 MB): 9 to 12 s of CPU with CPython's compile
(tree-sitter is barely faster, ``ast.parse`` slower) against 1.5 s for ruff's
whole run, where the goal is to stay within ruff's time.  Naming every file
(``pre-commit run --all-files``) does pay it, once: the results are cached.
A syntax error in a file no rule can match is left to the commit hook, to the
pull request's ``--diff-base`` run and to pytest's collection (``testguard
collect``, TG701).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ast_grep_py import SgNode

from testguard import __version__
from testguard.core import astgrep
from testguard.core.astgrep import Rule
from testguard.core.cache import StaticCache, content_hash, machine_secret
from testguard.core.check import StaticScan
from testguard.core.config import Config
from testguard.core.findings import CUSTOM_CHECK, CUSTOM_RULES_SECTION, CheckResult, Finding, Severity
from testguard.core.globs import GlobSet
from testguard.core.project import (
    Discovered,
    FirstParty,
    TestFileMatcher,
    discover_files,
    first_party,
)
from testguard.core.pyimports import IMPORT_KINDS, ImportMap, imports_of, read_imports
from testguard.core.source import FILES_CHECK, Source, bad_file, compile_error, decode, read_bytes, read_source
from testguard.core.suppress import parse_suppressions

_PARALLEL_MIN_FILES = 256
_CACHE_MIN_FILES = 32


class RuleSelection:
    """Which custom rules apply to which file, from the path alone (nothing is read)."""

    def __init__(self, rules: list[Rule]) -> None:
        self._rules = [(rule, GlobSet(rule.files), GlobSet(rule.ignores)) for rule in rules]
        self.reach_production = any(files for _, files, _ in self._rules)

    def __bool__(self) -> bool:
        return bool(self._rules)

    def rules_for(self, path: str, is_test: bool) -> list[Rule]:
        """A rule without ``files`` applies to the test files; with them, to what they match."""
        return [
            rule for rule, files, ignores in self._rules
            if (files.match(path) if files else is_test) and not ignores.match(path)
        ]


@dataclass
class StaticState:
    """Everything a static scan needs that is the same for every file."""

    root: Path
    config: Config
    first_party: FirstParty
    checks: list[StaticScan]
    custom_rules: list[Rule] = field(default_factory=list)
    shared: dict[str, Any] = field(default_factory=dict)  # per-run data a check computes once
    # Production files some custom rule selects: only the custom rules run on them.
    production: frozenset[str] = frozenset()
    # Files given by name (as pre-commit passes them) or changed since --diff-base:
    # CPython compiles each, so one that does not parse is a TG001 even when no
    # rule could match it.
    compile_paths: frozenset[str] = frozenset()
    # Whether results go to the cache (their content hash is needed only then).
    caching: bool = True
    selection: RuleSelection = field(init=False)

    def __post_init__(self) -> None:
        self.selection = RuleSelection(self.custom_rules)


@dataclass
class FileContext:
    source: Source
    tree: SgNode
    state: StaticState
    _imports: ImportMap | None = None
    # The file's import statements when the pass found them already (see _first_pass).
    _import_nodes: list[SgNode] | None = None

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def imports(self) -> ImportMap:
        if self._imports is None:
            nodes = self._import_nodes
            self._imports = read_imports(self.tree) if nodes is None else imports_of(nodes)
        return self._imports

    def finding(
        self, node: SgNode, code: str, message: str, check: str, **details: Any
    ) -> Finding:
        """A finding at ``node``, with the line text the baseline keys on."""
        line, col = astgrep.start(node)
        end_line, end_col = astgrep.end(node)
        statement_line = statement_start(node)
        return Finding(
            path=self.path,
            line=line,
            col=col,
            end_line=end_line,
            end_col=end_col,
            code=code,
            message=message,
            check=check,
            details=details,
            line_text=self.source.line(line).strip(),
            statement_line=statement_line,
        )


_STATEMENT_KINDS = frozenset(
    {
        "expression_statement", "return_statement", "raise_statement", "assert_statement",
        "import_statement", "import_from_statement", "decorated_definition",
        "function_definition", "class_definition", "with_statement", "if_statement",
        "for_statement", "while_statement", "try_statement", "delete_statement",
    }
)


def statement_start(node: SgNode) -> int:
    """The first line of the statement that holds ``node`` (for suppressions)."""
    current: SgNode | None = node
    while current is not None:
        if current.kind() in _STATEMENT_KINDS:
            return current.range().start.line + 1
        current = current.parent()
    return node.range().start.line + 1


@lru_cache(maxsize=1)
def _first_pass() -> dict[str, Any]:
    """One walk of a parsed file for what the pass itself needs: the candidates of a
    syntax error (syntax.yml) and the import statements (``FileContext.imports``).
    Two rules were two walks of every node: this one costs about half of them."""
    parse_error = astgrep.builtin_rules("testguard.core", "syntax.yml")["parse-error"].config["rule"]
    return {"rule": {"any": [parse_error, *({"kind": kind} for kind in IMPORT_KINDS)]}}


def _custom_findings(file: FileContext, rules: list[Rule]) -> list[Finding]:
    out: list[Finding] = []
    for rule in rules:
        for node in rule.find_all(file.tree):
            finding = file.finding(node, rule.code, rule.message, CUSTOM_CHECK, rule=rule.id)
            finding.severity = Severity(rule.severity)
            out.append(finding)
    return out


def scan_source(source: Source, state: StaticState, compiled: bool = False) -> list[Finding]:
    """Runs every static check of ``state`` on one decoded file.

    ``compiled``: CPython compiles the file first, even when no rule can match
    (a given or changed file that does not parse is always a TG001).
    """
    if compiled:
        error = compile_error(source)
        if error is not None:
            return [error]
    text = source.text
    is_test = source.path not in state.production
    wanted = [c for c in state.checks if c.prefilter.search(text)] if is_test else []
    rules = state.selection.rules_for(source.path, is_test) if state.selection else []
    has_directive = "testguard:" in text
    if not wanted and not rules and not has_directive:
        return []
    tree = astgrep.parse(text)
    found = astgrep.find_all(tree, _first_pass())
    imports = [node for node in found if node.kind() in IMPORT_KINDS]
    if not compiled and len(imports) < len(found):
        # tree-sitter saw a syntax error: CPython confirms (TG001) or overrules it
        error = compile_error(source)
        if error is not None:
            return [error]
    file = FileContext(source=source, tree=tree, state=state, _import_nodes=imports)
    findings: list[Finding] = []
    for check in wanted:
        findings.extend(check.scan(file))
    if rules:
        findings.extend(_custom_findings(file, rules))
    if has_directive:
        suppressions = parse_suppressions(source, tree, FILES_CHECK)
        findings = suppressions.apply(findings)
    findings.sort(key=Finding.sort_key)
    return findings


def _serialise(findings: list[Finding]) -> list[dict[str, Any]]:
    out = []
    for f in findings:
        data = f.to_dict()
        data["line_text"] = f.line_text
        data["statement_line"] = f.statement_line
        out.append(data)
    return out


# Set in the parent before the pool forks; read by the workers.
_WORKER_STATE: StaticState | None = None

Scanned = tuple[str, str, list[dict[str, Any]]]
"""(path, content digest ("" when the file could not be read, or nothing is cached), serialised findings)."""


def _scan_loaded(loaded: Source | Finding, path: str, state: StaticState) -> Scanned:
    if isinstance(loaded, Finding):
        return path, "", _serialise([loaded])
    compiled = path in state.compile_paths
    digest = content_hash(loaded.data) if state.caching else ""
    return path, digest, _serialise(scan_source(loaded, state, compiled))


def _scan_path(path: str, state: StaticState) -> Scanned:
    return _scan_loaded(read_source(state.root, path, state.config.max_file_size), path, state)


def _worker(paths: list[str]) -> list[Scanned]:
    assert _WORKER_STATE is not None
    return [_scan_path(p, _WORKER_STATE) for p in paths]


def _fingerprint(state: StaticState, test_globs: list[str]) -> str:
    import hashlib
    import json

    parts = {
        "tests": test_globs,  # which files are tests decides what runs on them
        "cache-format": 2,  # 2: entries verified by content hash, flagged when CPython compiled the file
        "version": __version__,
        "python": sys.version_info[:2],
        "checks": sorted(c.name for c in state.checks),
        "config": state.config.static_table(),
        "first_party": sorted(state.first_party.names),
        # everything of a rule a cached finding depends on: what it matches, where, and how it reads
        "rules": [
            (r.source, r.id, r.code, r.message, r.severity, r.files, r.ignores,
             json.dumps(r.config, sort_keys=True, default=str))
            for r in state.custom_rules
        ],
        "machine": machine_secret(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _from_cache(path: str, results: list[dict[str, Any]]) -> list[Finding] | None:
    """The cached findings of ``path``, or None when the entry is malformed (then the file is scanned again)."""
    try:
        findings = [Finding.from_dict(d) for d in results]
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return findings if all(_well_formed(f, path) for f in findings) else None


def _well_formed(finding: Finding, path: str) -> bool:
    """A finding as ``scan_source`` makes them: of this file, with the types the reports rely on."""
    numbers = (finding.line, finding.col, finding.end_line, finding.end_col, finding.statement_line)
    texts = (finding.code, finding.title, finding.message, finding.check)
    return (
        finding.path == path
        and all(type(n) is int for n in numbers)
        and all(isinstance(t, str) for t in texts)
        and isinstance(finding.line_text, (str, type(None)))
    )


def _scan_all(state: StaticState, test_files: list[str], cache: StaticCache) -> dict[str, list[Finding]]:
    """Findings per file: from the cache when the content is unchanged, else scanned."""
    collected: dict[str, list[Finding]] = {}
    todo: list[tuple[str, Source | Finding | None]] = []
    for path in test_files:
        loaded: Source | Finding | None = None
        if path in cache:
            data = read_bytes(state.root, path, state.config.max_file_size)
            if isinstance(data, Finding):
                loaded = data
            else:
                hit = cache.lookup(path, content_hash(data), path in state.compile_paths)
                cached = None if hit is None else _from_cache(path, hit)
                if cached is not None:
                    collected[path] = cached
                    continue
                loaded = decode(path, data)
        todo.append((path, loaded))

    def finish(scanned: Scanned) -> None:
        path, digest, results = scanned
        collected[path] = [Finding.from_dict(d) for d in results]
        if digest:
            cache.store(path, digest, path in state.compile_paths, results)

    if len(todo) >= _PARALLEL_MIN_FILES and (os.cpu_count() or 1) > 1 and sys.platform != "win32":
        for batch in _scan_in_pool(state, [path for path, _ in todo]):
            for scanned in batch:
                finish(scanned)
    else:
        for path, loaded in todo:
            finish(_scan_path(path, state) if loaded is None else _scan_loaded(loaded, path, state))
    cache.save()
    return collected


def _scan_in_pool(state: StaticState, paths: list[str]) -> list[list[Scanned]]:
    global _WORKER_STATE
    from testguard.core.processes import process_pool

    _WORKER_STATE = state
    workers = min(os.cpu_count() or 1, 8)
    chunk = max(16, len(paths) // (workers * 8))
    batches = [paths[i : i + chunk] for i in range(0, len(paths), chunk)]
    try:
        with process_pool(workers) as pool:
            return list(pool.map(_worker, batches))
    finally:
        _WORKER_STATE = None


def _described(rule: Rule) -> dict[str, str]:
    """A custom rule as the reports describe it (SARIF's rule metadata)."""
    return {"code": rule.code, "id": rule.id, "message": rule.message, "note": rule.note,
            "severity": rule.severity, "source": rule.source}


def _production_files(selection: RuleSelection, found: Discovered, is_test: TestFileMatcher) -> list[str]:
    """The project's Python files outside the tests that some custom rule selects, by path."""
    if not selection.reach_production:
        return []
    return [
        f for f in found.files
        if f.endswith(".py") and not is_test(f) and selection.rules_for(f, False)
    ]


def run_static(
    root: Path,
    config: Config,
    paths: list[str],
    checks: list[StaticScan],
    use_cache: bool = True,
    custom_rules: list[Rule] | None = None,
    changed: Collection[str] = (),
) -> list[CheckResult]:
    """Runs the static ``checks`` over the project's (or the given) test files, and the
    custom rules over the files they select.

    ``changed``: files changed since ``--diff-base``; they are compiled like given ones.
    """
    state = StaticState(
        root=root,
        config=config,
        first_party=first_party(root, config),
        checks=checks,
        custom_rules=custom_rules or [],
    )
    for check in checks:
        if check.prepare is not None:
            check.prepare(state)
    found = discover_files(root, paths, config)
    is_test = TestFileMatcher(root, config)
    test_files = [f for f in found.files if is_test(f)]
    production = _production_files(state.selection, found, is_test)
    state.production = frozenset(production)
    state.compile_paths = frozenset(paths).union(changed).intersection([*test_files, *production])
    findings: list[Finding] = [bad_file(p, "file not found; not checked") for p in found.missing]
    findings.extend(
        bad_file(
            directory,
            f"cannot read directory: {why}; the test files in it are not checked"
            " — make it readable, or add it to 'exclude' in [tool.testguard]",
        )
        for directory, why in found.unreadable.items()
        if is_test.may_hold_tests(directory)
    )

    # A hook call on a few staged files is faster without loading a whole-project cache.
    use_cache = use_cache and (not paths or len(test_files) > _CACHE_MIN_FILES)
    state.caching = use_cache
    cache = StaticCache(
        (root / config.cache_dir) if use_cache else None,
        _fingerprint(state, is_test.globs.patterns) if use_cache else "",
    )
    collected = _scan_all(state, test_files + production, cache)

    for path in test_files + production:
        findings.extend(collected.get(path, []))
    by_check: dict[str, CheckResult] = {c.name: CheckResult(check=c.name, files_checked=len(test_files)) for c in checks}
    if state.selection:
        looked_at = production + [f for f in test_files if state.selection.rules_for(f, True)]
        by_check[CUSTOM_CHECK] = CheckResult(
            check=CUSTOM_CHECK,
            files_checked=len(looked_at),
            sections={CUSTOM_RULES_SECTION: [_described(rule) for rule in state.custom_rules]},
        )
    extra: dict[str, CheckResult] = {}
    for finding in findings:
        target = by_check.get(finding.check)
        if target is None:
            target = extra.setdefault(finding.check, CheckResult(check=finding.check))
        target.findings.append(finding)
    ordered = list(by_check.values()) + [extra[k] for k in sorted(extra)]
    return ordered
