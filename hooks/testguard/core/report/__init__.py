"""Reporters: one module per output format, all rendering the same ``Report``."""

from __future__ import annotations

from collections.abc import Callable

from testguard.core.findings import UsageError
from testguard.core.report.model import BASELINED_ANNOTATIONS, Report

FORMATS = ("text", "github", "json", "sarif", "junit")

__all__ = ["BASELINED_ANNOTATIONS", "FORMATS", "Report", "render", "write_summary"]


def _renderer(fmt: str) -> Callable[[Report], str]:
    # Imported lazily: a run renders one or two formats, not all five.
    if fmt == "text":
        from testguard.core.report import text

        return text.render
    if fmt == "json":
        from testguard.core.report import json as json_report

        return json_report.render
    if fmt == "github":
        from testguard.core.report import github

        return github.render
    if fmt == "sarif":
        from testguard.core.report import sarif

        return sarif.render
    if fmt == "junit":
        from testguard.core.report import junit

        return junit.render
    raise UsageError(
        f"unknown report format {fmt!r}: choose one of {', '.join(FORMATS)}"
    )


def render(fmt: str, report: Report) -> str:
    """The report in ``fmt``, one of ``FORMATS``; ``UsageError`` for any other."""
    return _renderer(fmt)(report)


def write_summary(report: Report) -> str:
    """Markdown for a GitHub job summary (``--summary FILE``)."""
    from testguard.core.report import summary

    return summary.render(report)
