"""Changed lines since the merge-base with a ref: what ``--diff-base REF`` reports on.

The diff runs from the merge-base of REF and HEAD to the working tree, so
committed, staged and unstaged changes all count, and untracked (not ignored)
files count as whole new files.  Renames are followed: a renamed file's
unchanged lines are not "changed".  Only added or modified lines count; a pure
deletion changes no line of the new file.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from testguard.core.findings import UsageError
from testguard.core.gitsays import refusal, said

_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_FETCH_HINT = (
    "on GitHub Actions, check out with `fetch-depth: 0` (actions/checkout)"
)


@dataclass
class ChangedLines:
    """Added or modified lines per root-relative POSIX path."""

    ref: str
    merge_base: str
    head: str = ""  # the commit HEAD is (the merge-base when the branch is level with ``ref``)
    _lines: dict[str, set[int]] = field(default_factory=dict)
    _new: set[str] = field(default_factory=set)

    @property
    def files(self) -> set[str]:
        """Paths with at least one changed line, and whole new files."""
        return {p for p, lines in self._lines.items() if lines} | self._new

    def lines(self, path: str) -> set[int] | None:
        """None for a whole new file, else the changed lines (empty: unchanged)."""
        if path in self._new:
            return None
        return self._lines.get(path, set())

    def covers(self, path: str, line: int, end_line: int = 0) -> bool:
        """Whether any line of ``line..end_line`` was added or changed."""
        if path in self._new:
            return True
        changed = self._lines.get(path)
        if not changed:
            return False
        last = max(line, end_line)
        if last - line + 1 <= len(changed):
            return any(n in changed for n in range(line, last + 1))
        return any(line <= n <= last for n in changed)


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, check=False, stdin=subprocess.DEVNULL
        )
    except OSError as exc:
        raise UsageError(f"--diff-base needs git, which cannot be run: {exc.strerror or exc}") from None


def _out(proc: subprocess.CompletedProcess[bytes]) -> str:
    return proc.stdout.decode("utf-8", "surrogateescape").strip()


def _err(proc: subprocess.CompletedProcess[bytes]) -> str:
    return said(proc.stderr) or f"exit status {proc.returncode}"


def _is_shallow(root: Path) -> bool:
    return _out(_git(root, "rev-parse", "--is-shallow-repository")) == "true"


def merge_base(root: Path, ref: str) -> tuple[str, str]:
    """The merge-base of ``ref`` and HEAD, and HEAD's commit; or a UsageError that says
    what to do."""
    inside = _git(root, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or _out(inside) != "true":
        refused = refusal(inside.stderr)
        if refused is not None:
            raise UsageError(f"--diff-base {ref}: git refuses to work in {root}: {refused}")
        raise UsageError(f"--diff-base {ref}: {root} is not inside a git work tree")
    if ref.startswith("-"):
        raise UsageError(f"--diff-base {ref}: not a git revision")
    # First: in a repository with no commit, every ref is unknown, and "fetch it" would mislead.
    head = _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if head.returncode != 0:
        raise UsageError(f"--diff-base {ref}: HEAD has no commit yet; commit something first")
    shallow = _is_shallow(root)
    if _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        hint = f"fetch it first (e.g. `git fetch origin {ref.removeprefix('origin/')}`)"
        if shallow:
            hint += "; this clone is shallow, so also run `git fetch --unshallow`"
        raise UsageError(
            f"--diff-base {ref}: unknown revision, not a commit in this clone; {hint};"
            f" {_FETCH_HINT}"
        )
    proc = _git(root, "merge-base", ref, "HEAD")
    if proc.returncode == 0:
        return _out(proc).split()[0], _out(head)
    if shallow:
        raise UsageError(
            f"--diff-base {ref}: no merge-base of {ref} and HEAD in this shallow clone;"
            f" run `git fetch --unshallow` (or deepen it with `git fetch --deepen=N`);"
            f" {_FETCH_HINT}"
        )
    if proc.returncode == 1 and not proc.stderr.strip():
        raise UsageError(
            f"--diff-base {ref}: {ref} and HEAD have no common ancestor (unrelated histories)"
        )
    raise UsageError(f"--diff-base {ref}: git merge-base failed: {_err(proc)}")


_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13}
_ESCAPE = re.compile(r"\\([0-7]{3}|.)", re.DOTALL)


def _unquote(raw: str) -> str:
    """A path as git prints it: C-quoted (``\\303\\274`` octal bytes) when unusual."""
    if len(raw) < 2 or not (raw.startswith('"') and raw.endswith('"')):
        return raw
    out = bytearray()
    body = raw[1:-1]
    pos = 0
    for match in _ESCAPE.finditer(body):
        out.extend(body[pos : match.start()].encode("utf-8", "surrogateescape"))
        code = match.group(1)
        if len(code) == 3:
            out.append(int(code, 8) & 0xFF)
        else:
            out.append(_ESCAPES.get(code, ord(code) & 0xFF))
        pos = match.end()
    out.extend(body[pos:].encode("utf-8", "surrogateescape"))
    return out.decode("utf-8", "surrogateescape")


def _new_path(line: str) -> str | None:
    """The path of a ``+++ b/path`` line, None for ``/dev/null``."""
    raw = line[4:].rstrip("\t")
    if raw == "/dev/null":
        return None
    path = _unquote(raw)
    return path.removeprefix("b/")


def parse_diff(text: str) -> tuple[dict[str, set[int]], set[str]]:
    """Changed lines per file and the whole new files of a ``git diff -U0`` output."""
    changed: dict[str, set[int]] = {}
    new: set[str] = set()
    lines = text.split("\n")
    current: str | None = None
    created = False
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith("diff --git "):
            current, created = None, False
        elif line.startswith("new file mode"):
            created = True
        elif line.startswith("rename to "):
            current = _unquote(line[len("rename to ") :])
            changed.setdefault(current, set())
        elif line.startswith("--- "):
            continue
        elif line.startswith("+++ "):
            current = _new_path(line)
            if current is not None:
                if created:
                    new.add(current)
                changed.setdefault(current, set())
        elif line.startswith("@@"):
            match = _HUNK.match(line)
            if match is None:
                continue
            old_count = int(match.group(1)) if match.group(1) is not None else 1
            start = int(match.group(2))
            new_count = int(match.group(3)) if match.group(3) is not None else 1
            if current is not None and new_count:
                changed[current].update(range(start, start + new_count))
            # Skip the hunk body by count: an added line "++ b/x" reads "+++ b/x".
            remaining = old_count + new_count
            while remaining and i < len(lines):
                if not lines[i].startswith("\\"):
                    remaining -= 1
                i += 1
    return changed, new


def changed_lines(root: Path, ref: str) -> ChangedLines:
    """Lines added or changed since the merge-base of ``ref`` and HEAD, root-relative."""
    base, head = merge_base(root, ref)
    proc = _git(
        root,
        "-c", "core.quotePath=true",
        "diff", "-U0", "--no-color", "--no-ext-diff", "--no-textconv", "--find-renames",
        "--relative", "--src-prefix=a/", "--dst-prefix=b/", "--ignore-submodules",
        base, "--",
    )
    if proc.returncode != 0:
        raise UsageError(f"--diff-base {ref}: git diff failed: {_err(proc)}")
    changed, new = parse_diff(proc.stdout.decode("utf-8", "surrogateescape"))
    others = _git(root, "ls-files", "-z", "--others", "--exclude-standard")
    if others.returncode != 0:
        raise UsageError(f"--diff-base {ref}: git ls-files failed: {_err(others)}")
    for name in others.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if name:
            new.add(name)
    return ChangedLines(ref=ref, merge_base=base, head=head, _lines=changed, _new=new)
