"""Project text (file names, messages, tool output) made safe for every output.

Three hazards:

- a file name that is not UTF-8: ``tests/test_\\xff.py`` reaches Python as the
  str ``tests/test_\\udcff.py`` (PEP 383), which no UTF-8 writer accepts;
- control characters: a newline in a file name starts a new output line;
- GitHub workflow commands: the Actions runner acts on any log line that starts,
  after whitespace, with ``::cmd ...::`` and on ``##[cmd ...]`` anywhere in a line.

Plain-text formats show an escape the reader can see (``\\xff``, ``\\n``); JSON,
SARIF, XML and Markdown use their own lossless escapes where they have one.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0, DEL, C1 (NEL included) and the Unicode line and paragraph separators.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_LEGACY_COMMAND = "##["


def _is_byte(char: str) -> bool:
    """An undecodable byte as surrogateescape keeps it."""
    return 0xDC80 <= ord(char) <= 0xDCFF


def _escape(char: str) -> str:
    named = _NAMED.get(char)
    if named:
        return named
    code = ord(char)
    if _is_byte(char):
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def encodable(text: str) -> str:
    """``text`` with undecodable bytes as ``\\xNN``: always valid UTF-8."""
    return _SURROGATE.sub(lambda m: _escape(m.group()), text)


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds an undecodable byte (or any lone surrogate)."""
    return _SURROGATE.search(text) is not None


def visible(text: str) -> str:
    """Undecodable bytes and control characters as visible escapes: one line."""
    return _UNSAFE.sub(lambda m: _escape(m.group()), text)


def one_line(text: str) -> str:
    """A message on one line: line breaks become spaces, other controls escapes."""
    joined = " ".join(text.replace("\r\n", "\n").split("\n")).replace("\r", " ")
    return visible(joined)


def inert(line: str) -> str:
    """One line of plain text that the Actions runner cannot read as a command."""
    line = line.replace(_LEGACY_COMMAND, "##\\x5b")
    stripped = line.lstrip()  # a superset of what the runner's TrimStart removes
    if stripped.startswith("::"):
        line = line[: len(line) - len(stripped)] + "\\x3a" + stripped[1:]
    return line


def inert_lines(text: str) -> str:
    """Text of several lines, each visible and inert: a message on stderr that may quote
    config values, paths and tool output (the Actions runner reads stderr too)."""
    return "\n".join(inert(visible(line)) for line in text.split("\n"))


def inert_json(text: str) -> str:
    """Rendered JSON, losslessly inert: outside strings ``##[`` cannot occur, and
    indented JSON never starts a line with ``::``; inside a string ``\\u005b`` is ``[``."""
    return text.replace(_LEGACY_COMMAND, "##\\u005b")


def inert_markup(text: str) -> str:
    """Rendered XML or Markdown, losslessly inert (``&#91;`` is ``[``)."""
    return text.replace(_LEGACY_COMMAND, "##&#91;")


def uri_path(path: str) -> str:
    """A relative path as a URI reference: every byte that needs it percent-encoded,
    undecodable ones included (``test_\\udcff.py`` is ``test_%FF.py``)."""
    kept = _SURROGATE.sub(lambda m: m.group() if _is_byte(m.group()) else _escape(m.group()), path)
    return quote(kept.encode("utf-8", "surrogateescape"), safe="/")
