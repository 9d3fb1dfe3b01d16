"""``--fix`` and ``--diff``: the safe fixes of the checks that have them (``Check.fix``).

A check's fixer gets one file's text and its findings and returns the new text
(made with ast-grep's edit API), the findings it fixed and, for each one it left,
why.  Here the result is checked once more (it must parse), then written
atomically (``--fix``) or shown as a unified diff (``--diff``).  Fixed findings
leave the results; the others say in their message why they were not fixed.
"""

from __future__ import annotations

import ast
import difflib
import errno
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from testguard.core.atomic import replace_file
from testguard.core.check import Check, find
from testguard.core.findings import CheckResult, Finding, Status


_BOM = "\ufeff"
_OUTSIDE = "a symbolic link to a file outside the project, which is left as it is"


@dataclass
class FileFix:
    """What a fixer did to one file."""

    text: str
    """The new text (the old one when nothing was fixed)."""
    fixed: list[Finding] = field(default_factory=list)
    unfixed: list[tuple[Finding, str]] = field(default_factory=list)
    """Each finding left as it was, with the reason."""


@dataclass
class FixOutcome:
    fixed: int = 0
    diffs: list[str] = field(default_factory=list)


def _write_atomic(path: Path, text: str) -> None:
    """Replaces the file's text; a symlink's target is written (the link stays).  OSError
    when the file is read-only or its directory cannot take the temporary file."""
    path = path.resolve()
    if not os.access(path, os.W_OK):  # the rename below would replace it regardless
        raise PermissionError(errno.EACCES, "the file is read-only")
    replace_file(path, text.encode("utf-8"), path.stat().st_mode)


def _unified(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True),
            fromfile=f"a/{path}", tofile=f"b/{path}",
        )
    )


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def apply_fixes(root: Path, results: list[CheckResult], checks: Sequence[Check], write: bool) -> FixOutcome:
    """Fixes the new findings of every check with a fixer; ``write`` False: only the diffs."""
    outcome = FixOutcome()
    project = root.resolve()
    for result in results:
        check = find(checks, result.check)
        if check is None or check.fix is None:
            continue
        by_path: dict[str, list[Finding]] = {}
        for finding in result.findings:
            if finding.status is Status.NEW and finding.path:
                by_path.setdefault(finding.path, []).append(finding)
        done: set[int] = set()
        # Each file this check fixed (symlinks resolved) -> its text before: a link to it
        # has the same findings, fixed by the same change, which is made once.
        originals: dict[Path, str] = {}
        for path, findings in sorted(by_path.items()):
            file = root / path
            try:
                read = file.read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError) as exc:  # a file that cannot be read back is not touched
                why = (
                    "it is not UTF-8 (a coding cookie's encoding is not rewritten); fix it by hand"
                    if isinstance(exc, UnicodeDecodeError) else f"cannot read it: {exc.strerror or exc}"
                )
                for finding in findings:
                    finding.message = f"{finding.message} (not fixed: {why})"
                continue
            real = file.resolve()
            if not real.is_relative_to(project):
                # git tracks the link, not what it points to: a change there is nobody's to review.
                for finding in findings:
                    finding.message = f"{finding.message} (not fixed: {_OUTSIDE})"
                continue
            before = originals.get(real, read)
            try:
                change = check.fix(before, findings)
            except Exception as exc:  # a bug in a fixer leaves the file and its findings as they are
                reason = f"the fixer failed ({type(exc).__name__}); please report it"
                change = FileFix(before, [], [(f, reason) for f in findings])
            if change.fixed and not _parses(change.text):
                change = FileFix(before, [], [(f, "the fixed file would not parse") for f in findings])
            if before.startswith(_BOM) and not change.text.startswith(_BOM):
                change.text = _BOM + change.text  # ast-grep's edits drop it
            for finding, reason in change.unfixed:
                finding.message = f"{finding.message} (not fixed: {reason})"
            if not change.fixed or change.text == before:
                continue
            if real in originals:
                pass  # already written (or shown) through another path
            elif write:
                try:
                    _write_atomic(file, change.text)
                except OSError as exc:  # the file and its findings stay; the other files are fixed
                    for finding in change.fixed:
                        finding.message = f"{finding.message} (not fixed: cannot write it: {exc.strerror or exc})"
                    continue
            else:
                outcome.diffs.append(_unified(path, before, change.text))
            originals[real] = before
            outcome.fixed += len(change.fixed)
            done |= {id(f) for f in change.fixed}
        result.findings = [f for f in result.findings if id(f) not in done]
    return outcome
