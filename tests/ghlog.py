"""How the GitHub Actions runner reads a step's log, for tests.

A port of the parsing rules in actions/runner (ActionCommand.TryParseV2 and
TryParse, ActionCommandManager's stop-commands handling): ``::cmd props::data``
after leading whitespace, the legacy ``##[cmd props]data`` anywhere in a line,
command names case-insensitive, nothing but the resume token while stopped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Commands the runner has extensions for (the ones a hostile line would aim at).
REGISTERED = {
    "add-mask",
    "add-matcher",
    "add-path",
    "debug",
    "echo",
    "endgroup",
    "error",
    "group",
    "notice",
    "remove-matcher",
    "save-state",
    "set-env",
    "set-output",
    "stop-commands",
    "warning",
    "internal-set-repo-path",
}

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass
class Command:
    name: str
    properties: dict[str, str] = field(default_factory=dict)
    data: str = ""
    line: str = ""


def _unescape(value: str, mappings: list[tuple[str, str]]) -> str:
    for token, replacement in mappings:
        value = value.replace(replacement, token)
    return value


# Order as in the runner: the %25 mapping comes last.
_DATA = [("\r", "%0D"), ("\n", "%0A"), ("%", "%25")]
_PROPERTY = [("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C"), ("%", "%25")]
_LEGACY = [(";", "%3B"), ("\r", "%0D"), ("\n", "%0A"), ("]", "%5D"), ("%", "%25")]


def parse_v2(line: str, registered: set[str]) -> Command | None:
    text = line.lstrip()
    if not text.startswith("::"):
        return None
    end = text.find("::", 2)
    if end < 0:
        return None
    info = text[2:end]
    name, _, props = info.partition(" ")
    if name.lower() not in registered:
        return None
    cmd = Command(name.lower(), line=line)
    for prop in props.strip().split(","):
        key, sep, value = prop.partition("=")
        if sep and key and value:
            cmd.properties[key] = _unescape(value, _PROPERTY)
    cmd.data = _unescape(text[end + 2 :], _DATA)
    return cmd


def parse_legacy(line: str, registered: set[str]) -> Command | None:
    start = line.find("##[")
    if start < 0:
        return None
    close = line.find("]", start)
    if close < 0:
        return None
    info = line[start + 3 : close]
    name, _, props = info.partition(" ")
    if name.lower() not in registered:
        return None
    cmd = Command(name.lower(), line=line)
    for prop in props.split(";"):
        key, sep, value = prop.partition("=")
        if sep and key and value:
            cmd.properties[key] = _unescape(value, _LEGACY)
    cmd.data = _unescape(line[close + 1 :], _LEGACY)
    return cmd


def commands(log: str) -> list[Command]:
    """Every command the runner would act on, in order, stop/resume included."""
    registered = set(REGISTERED)
    stop_token: str | None = None
    acted: list[Command] = []
    for line in _LINE_BREAK.split(log):
        cmd = parse_v2(line, registered) or parse_legacy(line, registered)
        if cmd is None:
            continue
        if stop_token is not None:
            if cmd.name == stop_token:
                registered.discard(stop_token)
                stop_token = None
                acted.append(cmd)
            continue
        if cmd.name == "stop-commands":
            stop_token = cmd.data.lower()
            registered.add(stop_token)
        acted.append(cmd)
    return acted


def annotations_in(log: str) -> list[Command]:
    return [c for c in commands(log) if c.name in ("error", "warning", "notice")]


def lines(log: str) -> list[str]:
    return _LINE_BREAK.split(log)
