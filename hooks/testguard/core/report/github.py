"""GitHub Actions workflow commands: annotations GitHub shows, and a safe log.

Everything that comes from the project (paths, messages, raw tool output) is data:
it is escaped exactly as the Actions toolkit escapes it and, in the plain log, is
only ever printed between ``::stop-commands::<token>`` and ``::<token>::`` so that
no line of it can start a workflow command (the runner also honours the legacy
``##[command]`` form anywhere in a line, which escaping alone does not stop).
"""

from __future__ import annotations

import secrets

from testguard.core.findings import Finding, Scope, Status
from testguard.core.report.escape import encodable
from testguard.core.report.model import Report, failed_checks, verdict
from testguard.core.report.text import finding_line, section_texts
from testguard.core.wording import plural


def escape_data(value: str) -> str:
    """As @actions/core ``escapeData``: ``%``, CR and LF (and undecodable bytes
    as ``\\xNN``, which the toolkit never meets: a JS string is always Unicode)."""
    return encodable(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """As @actions/core ``escapeProperty``: ``escapeData`` plus ``:`` and ``,``."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, command: str) -> str:
    props: list[tuple[str, str]] = []
    if f.path:
        props.append(("file", f.path))
        if f.line > 0:
            props.append(("line", str(f.line)))
            if f.end_line > f.line:
                props.append(("endLine", str(f.end_line)))
            elif f.col > 0 and f.scope is Scope.LINE:
                # The runner drops col/endColumn on a multi-line range, so they
                # are only given on one line; GitHub's endColumn is inclusive. A file's or
                # the project's finding is about no column of its line.
                props.append(("col", str(f.col)))
                props.append(("endColumn", str(max(f.col, f.end_col - 1))))
    title = f.title if f.status is Status.NEW else f"{f.title} (baselined)"
    props.append(("title", title))
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{command} {rendered}::{escape_data(f.message)}"


def new_token(*texts: str) -> str:
    while True:
        token = "testguard-" + secrets.token_hex(16)
        # The runner matches the resume token case-insensitively.
        if not any(token in t.lower() for t in texts):
            return token


def log_line(f: Finding) -> str:
    state = "new" if f.status is Status.NEW else "baselined"
    return f"{f.severity.value} [{state}] {escape_data(finding_line(f))}"


def render(report: Report) -> str:
    shown, left = report.annotation_plan()
    lines = [
        f"::error title=testguard {escape_property(r.check)}::{escape_data(f'{r.check} could not run: {r.error}')}"
        for r in failed_checks(report)
    ]
    for f in shown:
        command = report.annotation_level(f)
        if command is not None:
            lines.append(annotation(f, command))
    if left:
        limit = report.annotation_limit
        lines.append(
            f"testguard: {plural(len(left), 'finding')} not annotated: GitHub shows at most "
            f"{limit} error, {limit} warning and {limit} notice annotations per step. All "
            "findings are listed below, in the job summary and in the SARIF and JSON reports."
        )
    data: list[str] = [log_line(f) for f in report.findings()]
    for result in report.results:
        for entry in report.fixed_entries(result):
            data.append(
                f"fixed {escape_data(entry.path)}: {entry.code} "
                f"{escape_data(entry.line_text)} (run 'testguard baseline --prune')"
            )
    raw = [(r.check, r.raw_output) for r in report.results if r.raw_output.strip()]
    for text in section_texts(report):
        data += ["", *text.splitlines()]
    if data or raw:
        token = new_token(*data, *(text for _, text in raw))
        lines.append(f"::stop-commands::{token}")
        lines.extend(data)
        for check, text in raw:
            lines.append(f"----- output of {check} -----")
            lines.extend(text.splitlines())
            lines.append(f"----- end of output of {check} -----")
        lines.append(f"::{token}::")
    closing = verdict(report)
    if closing is not None:
        lines.append(closing)
    return "".join(encodable(line) + "\n" for line in lines)
