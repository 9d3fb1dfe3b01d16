"""Turn what a worker saw into a finding: the right code, the module's own line, the root cause."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testguard.checks.imports.discover import ModuleSpec
from testguard.checks.imports.runner import WORKER_SCRIPT, ImportOutcome
from testguard.core.findings import Finding

_STACK_FRAME = re.compile(
    r'^\s*File "(?P<file>.*)", line (?P<line>\d+) in (?P<name>.*)$', re.MULTILINE
)
_SYNTAX = ("SyntaxError", "IndentationError", "TabError")

Frame = tuple[str, int, str]


@dataclass
class Reporter:
    """What the classification needs to know about the run."""

    root: Path
    python: Path
    timeout: float
    first_party: frozenset[str]
    # module file as imported -> the path shown to the user (root-relative source path)
    display: dict[str, str] = field(default_factory=dict)
    source_only: frozenset[str] = frozenset()
    read_line: Callable[[str, int], str | None] | None = None

    def show(self, filename: str) -> str:
        key = _norm(filename)
        if key in self.display:
            return self.display[key]
        try:
            return Path(os.path.normpath(filename)).relative_to(self.root).as_posix()
        except ValueError:
            return filename

    def scrub(self, text: str) -> str:
        """Absolute paths in messages become the paths the user sees elsewhere."""
        for absolute, shown in self.display.items():
            if absolute in text:
                text = text.replace(absolute, shown)
        return text.replace(str(self.root) + os.sep, "")

    def is_first_party(self, dotted: str | None) -> bool:
        return bool(dotted) and str(dotted).split(".", 1)[0] in self.first_party


def _norm(filename: str) -> str:
    return os.path.normcase(os.path.abspath(filename))


# A check of the platform the code runs on: sys.platform, os.name, platform.system().
_PLATFORM_GUARD = re.compile(r"\bsys\.platform\b|\bos\.name\b|\bplatform\.(?:system|machine)\(")


def _source_line(filename: str, line: int) -> str:
    """The stripped text of a line of a source file, or "" when it cannot be read."""
    try:
        with open(filename, "rb") as handle:
            for number, text in enumerate(handle, 1):
                if number == line:
                    return text.decode("utf-8", "replace").strip()
    except OSError:
        pass
    return ""


def _without_text(kind: str, frames: Sequence[Frame]) -> str:
    """What to say of an exception with no text and no line of code to show."""
    if frames:
        return "(no message, and no line of code to show)"
    # No frame at all: the import machinery raised it, before any line of the module ran.
    said = "(no message), raised before any line of the module ran"
    if kind.rsplit(".", 1)[-1] in ("MemoryError", "RecursionError"):
        said += ": CPython could not compile its source (nested too deeply for its parser)"
    return said


def _frames(raw: Sequence[Sequence[Any]]) -> list[Frame]:
    """Traceback frames, outermost first, without the worker's and importlib's own."""
    worker_dir = _norm(str(WORKER_SCRIPT.parent))
    out: list[Frame] = []
    for filename, line, name in raw:
        normal = _norm(filename)
        ours = os.path.dirname(normal) == worker_dir and os.path.basename(normal).startswith("worker")
        if ours or filename.replace("\\", "/").endswith("importlib/__init__.py"):
            continue
        out.append((str(filename), int(line), str(name)))
    return out


def _stack_frames(stack: str) -> list[Frame]:
    """faulthandler's dump (most recent call first), turned outermost first."""
    frames = [
        (m["file"], int(m["line"]), m["name"]) for m in _STACK_FRAME.finditer(stack)
    ]
    frames.reverse()
    return [f for f in frames if not f[0].startswith("<frozen")]


def _own_line(frames: Sequence[Frame], own: str) -> int | None:
    for filename, line, _ in reversed(frames):
        if _norm(filename) == own:
            return line
    return None


@dataclass
class _Place:
    line: int
    col: int
    elsewhere: (
        str  # "path:line" of the innermost frame when it is not the module's own file
    )


def _place(frames: Sequence[Frame], own: str, reporter: Reporter) -> _Place:
    line = _own_line(frames, own)
    elsewhere = ""
    if frames and _norm(frames[-1][0]) != own:
        elsewhere = f"{reporter.show(frames[-1][0])}:{frames[-1][1]}"
    return _Place(line or 1, 1, elsewhere)


def _missing_module(
    data: dict[str, Any], module: str, reporter: Reporter
) -> tuple[str, str]:
    name = str(data.get("name") or "")
    top = name.split(".", 1)[0]
    if name in reporter.source_only:
        return (
            (
                f"No module named '{name}': it is in the source tree but not in the installed"
                " package (left out of the wheel?)"
            ),
            "first-party",
        )
    if reporter.is_first_party(name):
        return (
            f"No module named '{name}': first-party module does not exist",
            "first-party",
        )
    if name == top:
        return (
            (
                f"No module named '{name}': third-party distribution not installed in"
                f" {reporter.python} (missing dependency?)"
            ),
            "third-party",
        )
    return (
        (
            f"No module named '{name}': the installed third-party '{top}' has no such module"
            " (wrong version?)"
        ),
        "third-party",
    )


def _import_error(data: dict[str, Any], reporter: Reporter) -> tuple[str, str]:
    message = reporter.scrub(str(data.get("message", "")))
    source = data.get("name")
    if "circular import" in message:
        return message, "first-party" if reporter.is_first_party(
            source
        ) else "third-party"
    if reporter.is_first_party(source):
        return f"{message}: first-party name missing", "first-party"
    if source:
        top = str(source).split(".", 1)[0]
        return (
            f"{message}: the installed third-party '{top}' does not provide it (wrong version?)",
            "third-party",
        )
    return message, "unknown"


def _error(
    outcome: ImportOutcome, own: str, reporter: Reporter
) -> tuple[str, str, _Place, dict[str, Any]]:
    data = outcome.data
    frames = _frames(data.get("frames", []))
    place = _place(frames, own, reporter)
    kind = str(data.get("type", "Exception"))
    details: dict[str, Any] = {"exception": kind}
    short = kind.rsplit(".", 1)[-1]
    if short in _SYNTAX:
        syntax = data.get("syntax") or {}
        filename = str(syntax.get("filename") or "")
        where = f"{reporter.show(filename)}:{syntax.get('lineno')}" if filename else ""
        if filename and _norm(filename) == own:
            place = _Place(
                int(syntax.get("lineno") or 1), int(syntax.get("offset") or 1), ""
            )
            return "TG106", f"{short}: {syntax.get('msg')}", place, details
        return (
            "TG106",
            f"{short} in {where}: {syntax.get('msg')}",
            _Place(place.line, 1, ""),
            details,
        )
    if data.get("not_found"):
        message, missing = _missing_module(data, outcome.module, reporter)
        details["missing"] = missing
        code = "TG101"
    elif "name" in data:
        message, missing = _import_error(data, reporter)
        details["missing"] = missing
        code = "TG101"
    else:
        text = str(data.get("message", ""))
        if not text.strip() and frames:
            # An exception without text (a bare assert): the line that raised says what.
            text = _source_line(*frames[-1][:2])
        if not text.strip():
            text = _without_text(kind, frames)
        message = f"{kind}: {reporter.scrub(text)}"
        code = "TG102"
        if _PLATFORM_GUARD.search(text):
            message += (
                "; a module meant for one platform only can be left out with"
                ' [tool.testguard.imports] exclude = ["' + outcome.module + '"]'
            )
        if data.get("cause"):
            message += f" (caused by {reporter.scrub(str(data['cause']))})"
    if place.elsewhere:
        message += f" (raised at {place.elsewhere})"
    return code, message, place, details


def _exit(outcome: ImportOutcome, own: str, reporter: Reporter) -> tuple[str, _Place]:
    data = outcome.data
    frames = _frames(data.get("frames", []))
    if not frames and data.get("stack"):
        frames = _stack_frames(str(data["stack"]))
    how = str(data.get("how") or "the process exited")
    place = _place(frames, own, reporter)
    message = f"the module exits the process while importing: {reporter.scrub(how)}"
    if place.elsewhere:
        message += f" (called at {place.elsewhere})"
    return message, place


def _signal_text(data: dict[str, Any]) -> str:
    number = data.get("signal")
    if not isinstance(number, int):
        return ""
    name = str(data.get("signal_name") or f"signal {number}")
    try:
        description = signal.strsignal(number) or ""
    except ValueError:
        description = ""
    return f" ({name}: {description})" if description else f" ({name})"


def classify(
    outcome: ImportOutcome, spec: ModuleSpec, report_path: str, reporter: Reporter
) -> Finding | None:
    """The finding for a failed import, None for a clean one."""
    if outcome.ok:
        return None
    own = _norm(str(spec.path))
    details: dict[str, Any] = {"module": outcome.module}
    status = outcome.status
    if status == "error":
        code, message, place, extra = _error(outcome, own, reporter)
        details.update(extra)
    elif status == "exit":
        code = "TG103"
        message, place = _exit(outcome, own, reporter)
    elif status == "timeout":
        code = "TG104"
        place = _place(_stack_frames(str(outcome.data.get("stack", ""))), own, reporter)
        message = f"import did not finish within {reporter.timeout:g}s"
        if outcome.data.get("how"):
            message += f" ({outcome.data['how']})"
        elif place.line > 1 or place.elsewhere:
            message += f"; stuck at line {place.line}"
            if place.elsewhere:
                message += f" in {place.elsewhere}"
    else:
        code = "TG105"
        data = outcome.data
        frames = _frames(data.get("frames", [])) or _stack_frames(str(data.get("stack", "")))
        place = _place(frames, own, reporter)
        how = data.get("how")  # the worker itself died, e.g. the module killed it
        message = str(how) if how else f"the interpreter crashed while importing{_signal_text(data)}"
        if data.get("call") and not how:
            message += f", sent by {data['call']}"
        if place.elsewhere:
            message += f" in {place.elsewhere}"
    details["status"] = status
    line_text = (
        reporter.read_line(report_path, place.line) if reporter.read_line else None
    )
    return Finding(
        path=report_path,
        line=place.line,
        col=place.col,
        code=code,
        message=message,
        check="imports",
        details=details,
        line_text=line_text,
    )
