"""How a process exit is found in a test file and judged (allowed, or TG301/TG302/TG303)."""

from __future__ import annotations

import re
from typing import Any

from ast_grep_py import SgNode

from testguard.checks.exits.commands import CliCommands
from testguard.core import astgrep
from testguard.core.check import StaticScan
from testguard.core.findings import Finding
from testguard.core.nodetext import compact
from testguard.core.prefilter import Screened
from testguard.core.static import FileContext

NAME = "exits"
RULES = "testguard.checks.exits"  # its rules.yml
# A call of an exit function, raise SystemExit, or an alias of one (`exit as bye`);
# `import sys as s` needs no entry: its call `s.exit(` matches the first branch.
PREFILTER = Screened(
    ("exit", "quit", "abort", "kill", "Exit"),
    r"(?:exit|quit|abort|kill)\s*\(|SystemExit|(?:exit|quit|abort|kill)\s+as\b",
    starts=("exit", "quit", "abort", "kill", "SystemExit"),
)

EXIT_FUNCTIONS = {
    "sys.exit": "sys.exit()",
    "exit": "exit()",
    "quit": "quit()",
    "builtins.exit": "exit()",
    "builtins.quit": "quit()",
    "os._exit": "os._exit()",
    "posix._exit": "os._exit()",
    "os.abort": "os.abort()",
    "posix.abort": "os.abort()",
}
PYTEST_EXIT = {"pytest.exit", "_pytest.outcomes.exit"}
KILL = {"os.kill", "posix.kill"}
GETPID = {"os.getpid", "posix.getpid"}
RAISES = {"pytest.raises", "_pytest.python_api.raises", "_pytest.raises.raises"}
# What a CLI framework's test runner catches: SystemExit.  os._exit, os.abort and
# os.kill end the process itself, and pytest.exit() the whole session.
_RAISES_SYSTEM_EXIT = frozenset({"sys.exit()", "exit()", "quit()", "raise SystemExit"})
# What catches each exit: SystemExit is caught by SystemExit and BaseException handlers;
# pytest.exit() raises _pytest.outcomes.Exit (pytest.exit.Exception), an Exception.
# os._exit(), os.abort() and os.kill(os.getpid(), ...) end the process: nothing catches them.
_CATCHES_SYSTEM_EXIT = re.compile(r"\b(SystemExit|BaseException)\b")
_CATCHES_PYTEST_EXIT = re.compile(r"\b(Exit|Exception|BaseException)\b")


def _catcher(what: str) -> re.Pattern[str] | None:
    """The exception names whose handler (or ``pytest.raises``) stops the exit ``what``."""
    if what in _RAISES_SYSTEM_EXIT:
        return _CATCHES_SYSTEM_EXIT
    if what == "pytest.exit()":
        return _CATCHES_PYTEST_EXIT
    return None
_MAIN_GUARD = {
    "__name__=='__main__'",
    '__name__=="__main__"',
    "'__main__'==__name__",
    '"__main__"==__name__',
}


def _resolves_to(file: FileContext, text: str) -> str:
    return file.imports.resolve(compact(text))


def _with_catches_exit(with_node: SgNode, file: FileContext, catches: re.Pattern[str]) -> bool:
    for item in with_node.find_all(kind="with_item"):
        call = item.find(kind="call")
        if call is None:
            continue
        function = call.field("function")
        arguments = call.field("arguments")
        if function is None or arguments is None:
            continue
        name = _resolves_to(file, function.text())
        is_raises = name in RAISES or name.endswith((".assertRaises", ".assertRaisesRegex"))
        if is_raises and catches.search(arguments.text()):
            return True
    return False


def _try_catches_exit(try_node: SgNode, catches: re.Pattern[str]) -> bool:
    for clause in try_node.children():
        if clause.kind() not in ("except_clause", "except_group_clause"):
            continue
        header = clause.text().split(":", 1)[0]
        if re.fullmatch(r"except\s*\*?\s*", header) or catches.search(header):
            return True
    return False


class _Commands:
    """The file's CLI commands, looked for only when an exit is inside a function."""

    def __init__(self, file: FileContext) -> None:
        self.file = file
        self._found: CliCommands | None = None

    def is_command(self, definition: SgNode) -> bool:
        text = self.file.source.text
        if "click" not in text and "typer" not in text:
            return False
        if self._found is None:
            self._found = CliCommands(self.file.tree, self.file.imports)
        return self._found.is_command(definition)


def _allowed_context(
    node: SgNode, file: FileContext, what: str, commands: _Commands | None
) -> tuple[bool, str | None]:
    """(allowed, name of the innermost enclosing function) of the exit ``what``; ``commands``:
    None when a CLI command does not make the exit harmless."""
    catches = _catcher(what)
    function: str | None = None
    for ancestor in node.ancestors():
        kind = ancestor.kind()
        if kind == "if_statement":
            condition = ancestor.field("condition")
            if (
                condition is not None
                and compact(condition.text()) in _MAIN_GUARD
                and astgrep.encloses(ancestor.field("consequence"), node)
            ):
                return True, function
        elif kind == "with_statement" and catches is not None:
            if astgrep.encloses(ancestor.field("body"), node) and _with_catches_exit(ancestor, file, catches):
                return True, function
        elif kind == "try_statement" and catches is not None:
            if astgrep.encloses(ancestor.field("body"), node) and _try_catches_exit(ancestor, catches):
                return True, function
        elif kind == "function_definition" and function is None:
            if commands is not None and commands.is_command(ancestor):
                return True, None  # a CLI command: the framework's runner catches the exit
            name = ancestor.field("name")
            function = name.text() if name is not None else "<function>"
        elif kind == "lambda" and function is None:
            function = "<lambda>"
    return False, function


def _shadowed(file: FileContext, name: str) -> bool:
    """A file that defines its own ``exit``/``quit`` is not calling the builtin."""
    return re.search(rf"^\s*(?:async\s+)?def\s+{name}\b|^\s*{name}\s*=", file.source.text, re.M) is not None


def _classify_call(call: SgNode, file: FileContext) -> str | None:
    """The exit a call makes (``sys.exit()``, ``pytest.exit()``…), or None."""
    function = call.field("function")
    if function is None:
        return None
    text = compact(function.text())
    name = file.imports.resolve(text)
    if name in ("exit", "quit") and (file.imports.is_bound(name) or _shadowed(file, name)):
        return None
    if name in EXIT_FUNCTIONS:
        return EXIT_FUNCTIONS[name]
    if name in PYTEST_EXIT:
        return "pytest.exit()"
    if name in KILL:
        arguments = call.field("arguments")
        first = arguments.find(kind="call") if arguments is not None else None
        if first is not None and arguments is not None:
            first_arg = next((c for c in arguments.children() if c.is_named()), None)
            target = first_arg.field("function") if first_arg is not None and first_arg.kind() == "call" else None
            if target is not None and file.imports.resolve(compact(target.text())) in GETPID:
                return "os.kill(os.getpid(), …)"
    return None


def _raises_system_exit(raise_node: SgNode, file: FileContext) -> bool:
    raised = next((c for c in raise_node.children() if c.is_named()), None)
    if raised is None:
        return False
    if raised.kind() == "call":
        callee = raised.field("function")
        if callee is None:
            return False
        raised = callee
    name = file.imports.resolve(compact(raised.text()))
    return name in ("SystemExit", "builtins.SystemExit")


def _alias_rule(file: FileContext) -> dict[str, Any] | None:
    exits = set(EXIT_FUNCTIONS) | PYTEST_EXIT | KILL
    aliases = [
        local
        for local, target in file.imports.bindings.items()
        if target in exits and not re.search(r"(exit|quit|_exit|abort|kill)$", local)
    ]
    if not aliases:
        return None
    rule = astgrep.builtin_rules(RULES)["exit-alias-call"].config
    regex = "^(" + "|".join(re.escape(a) for a in sorted(aliases)) + ")$"
    return {"rule": {**rule["rule"], "has": {**rule["rule"]["has"], "regex": regex}}}


def scan(file: FileContext) -> list[Finding]:
    rules = astgrep.builtin_rules(RULES)
    findings: list[Finding] = []
    candidates: list[tuple[SgNode, str]] = []
    for call in rules["exit-call"].find_all(file.tree):
        what = _classify_call(call, file)
        if what:
            candidates.append((call, what))
    alias = _alias_rule(file)
    if alias is not None:
        for call in astgrep.find_all(file.tree, alias):
            what = _classify_call(call, file)
            if what:
                candidates.append((call, what))
    for raise_node in rules["raise-system-exit"].find_all(file.tree):
        if _raises_system_exit(raise_node, file):
            candidates.append((raise_node, "raise SystemExit"))
    commands = _Commands(file)
    for node, what in candidates:
        caught = commands if what in _RAISES_SYSTEM_EXIT else None
        allowed, function = _allowed_context(node, file, what, caught)
        if allowed:
            continue
        if what == "pytest.exit()":
            code = "TG303"
            message = "pytest.exit() ends the whole test session; use pytest.skip() or pytest.fail()"
        elif function is None:
            code = "TG301"
            message = (
                f"{what} at module level of test code runs at import and breaks"
                " pytest's collection; remove it or put it under `if __name__ == \"__main__\":`"
            )
        else:
            code = "TG302"
            message = (
                f"{what} in `{function}` ends the process instead of failing the test;"
                " raise an exception, assert, or use pytest.fail()"
            )
        findings.append(file.finding(node, code, message, NAME, exit=what, function=function))
    return findings



SCAN = StaticScan(NAME, PREFILTER, scan)
