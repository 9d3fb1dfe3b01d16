"""mypy's output (JSON lines, or the text format) into findings; mypy failures into UsageError."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from testguard.core.context import Context
from testguard.core.findings import Finding, Scope, Severity, UsageError
from testguard.core.source import Source, read_source

# path:line[:col[:end_line:end_col]]: severity: message   (or path: severity: message)
_TEXT_LINE = re.compile(
    r"^(?P<file>.+?):(?:(?P<line>-?\d+):(?:(?P<col>-?\d+):(?:(?P<end_line>-?\d+):(?P<end_col>-?\d+):)?)?)?"
    r" (?P<severity>error|note): (?P<message>.*)$"
)
_TEXT_CODE = re.compile(r"^(?P<message>.*?)  \[(?P<code>[a-z][a-z0-9-]*)\]$")
# mypy reports a config file it cannot read on stderr, then carries on without it.
_CONFIG_PROBLEM = re.compile(r"^(?:\S*[/\\])?[^\s:/\\]+\.(?:ini|cfg|toml): ")
_LINE_NUMBER = re.compile(r"\bline \d+\b")
# "setup.cfg: [mypy]: python_version: Python 3.7 is not supported": a global option.
_GLOBAL_OPTION_PROBLEM = re.compile(r"^.*?: \[mypy\]: (?P<option>[A-Za-z_][\w-]*): ")


@dataclass
class Message:
    """One mypy error (or a note that stands alone), with the notes that belong to it."""

    file: str
    line: int
    col: int  # 1-based, 0 when mypy gave none
    end_line: int
    end_col: int  # 1-based, exclusive; 0 when mypy gave none
    severity: str
    text: str
    code: str | None
    notes: list[str] = field(default_factory=list)


def _json_messages(lines: list[str]) -> Iterator[Message | str]:
    for line in lines:
        try:
            data = json.loads(line) if line.startswith("{") else None
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("file"), str):
            yield line
            continue
        number, col, end_line, end_col = (data.get(key) for key in ("line", "column", "end_line", "end_column"))
        code, hint = data.get("code"), data.get("hint")
        # JSON columns are 0-based; end_column is 0-based exclusive (mypy >= 1.16 gives ends).
        yield Message(
            file=data["file"],
            line=number if isinstance(number, int) else 0,
            col=col + 1 if isinstance(col, int) and col >= 0 else 0,
            end_line=end_line if isinstance(end_line, int) and end_line > 0 else 0,
            end_col=end_col + 1 if isinstance(end_col, int) and end_col >= 0 else 0,
            severity=str(data.get("severity") or "error"),
            text=str(data.get("message", "")),
            # a note's code ("misc") is not in the text format: dropped, so both read alike
            code=code if isinstance(code, str) and data.get("severity") != "note" else None,
            notes=hint.split("\n") if isinstance(hint, str) and hint else [],
        )


def _number(text: str | None) -> int:
    return int(text) if text else 0


def _text_messages(lines: list[str]) -> Iterator[Message | str]:
    """mypy's text lines, notes grouped with their error exactly as mypy's JSON output does."""
    latest: dict[tuple[str, int, int], Message] = {}
    pending: list[Message] = []
    for line in lines:
        match = _TEXT_LINE.match(line)
        if match is None:
            yield line
            continue
        text, code = match["message"], None
        coded = _TEXT_CODE.match(text)
        if coded is not None:
            text, code = coded["message"], coded["code"]
        # text columns are 1-based; the end column is inclusive.
        message = Message(
            file=match["file"],
            line=_number(match["line"]),
            col=max(_number(match["col"]), 0),
            end_line=max(_number(match["end_line"]), 0),
            end_col=_number(match["end_col"]) + 1 if match["end_col"] else 0,
            severity=match["severity"],
            text=text,
            code=code,
        )
        where = (message.file, message.line, message.col)
        if message.severity == "note" and where in latest:
            latest[where].notes.append(text)
            continue
        if message.severity == "error":
            latest[where] = message
        pending.append(message)
    yield from pending


def parse_output(stdout: str, json_output: bool) -> tuple[list[Message], list[str]]:
    """mypy's messages, and the lines that are not messages."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    parsed = _json_messages(lines) if json_output else _text_messages(lines)
    messages: list[Message] = []
    other: list[str] = []
    for item in parsed:
        if isinstance(item, Message):
            messages.append(item)
        else:
            other.append(item)
    return messages, other


def fingerprint(message: Message) -> str:
    """What identifies an error across edits: mypy's code and its message, without line numbers."""
    text = " ".join(_LINE_NUMBER.sub("line N", message.text).split())
    return f"[{message.code or ''}] {text}"


def _project_path(root: Path, file: str) -> str | None:
    path = Path(file)
    absolute = Path(os.path.normpath(path if path.is_absolute() else root / path))
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        return None
    # an environment inside the project (.venv/lib/.../site-packages) is not the project's code
    return None if "site-packages" in relative.parts else relative.as_posix()


def to_findings(ctx: Context, messages: list[Message], check: str) -> tuple[list[Finding], int]:
    """The findings in the project, and how many errors were in files outside it."""
    findings: list[Finding] = []
    outside = 0
    sources: dict[str, Source | None] = {}
    for m in messages:
        path = _project_path(ctx.root, m.file)
        if path is None:
            outside += m.severity == "error"
            continue
        if path not in sources:
            read = read_source(ctx.root, path, ctx.config.max_file_size)
            sources[path] = read if isinstance(read, Source) else None
        source = sources[path]
        line = max(m.line, 0)  # 0: mypy named the file only (a duplicate module, say)
        findings.append(
            Finding(
                path=path,
                line=line or 1,
                col=max(m.col, 1) if line else 1,
                end_line=m.end_line if line and m.end_line >= line else 0,
                end_col=m.end_col if line else 0,
                scope=Scope.LINE if line else Scope.FILE,
                code="TG501",
                title=f"TG501 [{m.code}]" if m.code else "TG501",
                message="\n".join([m.text, *m.notes]),
                check=check,
                severity=Severity.NOTE if m.severity == "note" else Severity.ERROR,
                details={"mypy_code": m.code, "fingerprint": fingerprint(m)},
                line_text=source.line(line).strip() if source is not None and line else None,
            )
        )
    return findings, outside


def _indent(lines: list[str]) -> str:
    return "\n".join("    " + line for line in lines)


def _overridden(line: str, args: Sequence[str]) -> bool:
    """Whether a problem with a global option of the config file is moot: ``args`` set it,
    and on mypy's command line a flag wins over the config file (``--python-version 3.11``
    over ``python_version = 3.7``)."""
    match = _GLOBAL_OPTION_PROBLEM.match(line)
    if match is None:
        return False
    flag = match["option"].replace("_", "-")
    names = (f"--{flag}", f"--no-{flag}", f"--{flag.removeprefix('no-')}")
    return any(arg.split("=", 1)[0] in names for arg in args if arg.startswith("--"))


def check_outcome(
    proc: subprocess.CompletedProcess[str], messages: list[Message], other: list[str],
    args: Sequence[str] = (),
) -> None:
    """Raises UsageError when mypy crashed, could not read its configuration or checked nothing.

    ``args``: the user's flags; a config file's problem with an option they set is moot.
    """
    stderr = proc.stderr.strip().splitlines()
    # A crash: "INTERNAL ERROR" on stderr, the traceback (--show-traceback) on stdout.
    traceback_at = next((i for i, line in enumerate(other) if line.startswith("Traceback (most recent")), None)
    if traceback_at is not None or any("INTERNAL ERROR" in line for line in stderr):
        detail = [line for line in stderr if "INTERNAL ERROR" in line][:1]
        detail += other[traceback_at:][-6:] if traceback_at is not None else stderr[-6:]
        raise UsageError(
            f"mypy crashed (exit {proc.returncode}: a bug in mypy or in a mypy plugin):\n" + _indent(detail)
        )
    problems = [line for line in stderr if _CONFIG_PROBLEM.match(line) and not _overridden(line, args)]
    if problems:
        raise UsageError("mypy cannot use its configuration; fix it:\n" + _indent(problems))
    if proc.returncode not in (0, 1, 2) or (proc.returncode != 0 and not messages):
        raise UsageError(
            f"mypy failed (exit {proc.returncode}) without reporting an error testguard can read:\n"
            + _indent((stderr + other)[-15:])
        )
