"""Path globs as users write them in config: gitignore-like, with ``**``.

- ``*`` and ``?`` never cross ``/``; ``**`` crosses any number of directories;
- a pattern without ``/`` matches at any depth (``conftest.py``, ``*.py``);
- a pattern matches a path when it matches the path or one of its parent
  directories (``build`` and ``build/**`` both exclude ``build/x.py``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from functools import lru_cache


def _translate(pattern: str) -> str:
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


@lru_cache(maxsize=512)
def compile_glob(pattern: str) -> re.Pattern[str]:
    pattern = pattern.strip().replace("\\", "/")
    if pattern.startswith("./"):
        pattern = pattern[2:]
    anchored = pattern.startswith("/")
    pattern = pattern.lstrip("/").rstrip("/")
    if not anchored and "/" not in pattern:
        pattern = "**/" + pattern
    return re.compile(_translate(pattern) + r"(?:/.*)?\Z")


class GlobSet:
    """A set of globs matched together against root-relative POSIX paths."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = [p for p in patterns if p.strip()]
        self._regex = (
            re.compile("|".join(f"(?:{compile_glob(p).pattern})" for p in self.patterns))
            if self.patterns
            else None
        )

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def match(self, path: str) -> bool:
        return self._regex is not None and self._regex.match(path) is not None


def dotted_match(name: str, patterns: Iterable[str]) -> bool:
    """Dotted-name globs (``mypkg.clients.*``): fnmatch, also matching submodules."""
    for pattern in patterns:
        if fnmatch.fnmatchcase(name, pattern):
            return True
        if not any(ch in pattern for ch in "*?[") and name.startswith(pattern + "."):
            return True
    return False
