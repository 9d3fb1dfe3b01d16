"""What git says when it fails, passed on in git's own words, with the fix git suggests.

git refuses a repository owned by another user ("detected dubious ownership")
and prints the command that allows it (``git config --global --add
safe.directory …``); a generic "not a git work tree" would hide both.
"""

from __future__ import annotations

import sys

_REFUSALS = ("dubious ownership", "safe.directory")


def said(stderr: bytes | str) -> str:
    """git's message on one line: ``fatal:`` dropped, its lines joined as sentences."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    out = ""
    for raw in text.splitlines():
        line = raw.strip()
        for prefix in ("fatal: ", "error: "):
            line = line.removeprefix(prefix)
        if not line:
            continue
        if out:
            out += " " if out.endswith(":") else ". " if not out.endswith((".", ";")) else " "
        out += line
    return out


def refusal(stderr: bytes | str) -> str | None:
    """git's message when it refuses to work in the repository at all, else None."""
    message = said(stderr)
    return message if any(word in message for word in _REFUSALS) else None


def warn_refused(doing: str, stderr: bytes | str, instead: str) -> bool:
    """One warning on stderr when git refused the repository; whether it did."""
    message = refusal(stderr)
    if message is None:
        return False
    from testguard.core.report.escape import inert, visible

    # git quotes the repository's path, which can hold anything (`##[error]` too).
    print(inert(visible(f"testguard: warning: git refused to {doing}: {message}; {instead}")), file=sys.stderr)
    return True
