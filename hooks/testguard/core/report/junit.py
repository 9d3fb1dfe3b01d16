"""JUnit XML: one testsuite per check, one testcase per finding (or one passing
testcase when a check found nothing), failures for blocking findings."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from testguard.core.findings import Finding, Status
from testguard.core.report.escape import encodable, inert_markup, visible
from testguard.core.report.model import Report, failed_checks
from testguard.core.report.text import finding_line, location

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile(
    "[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def clean(text: str) -> str:
    """Text XML can carry (an attribute's line breaks are escaped by ElementTree)."""
    return _NOT_XML.sub("\ufffd", encodable(text))


def _testcase(suite: ET.Element, f: Finding, blocks: bool) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        {
            "classname": clean(f"testguard.{f.check}"),
            "name": clean(f"{location(f)} {f.title}"),
            "file": clean(visible(f.path)),
            "line": str(f.line),
            "time": "0",
        },
    )
    if blocks:
        failure = ET.SubElement(
            case, "failure", {"message": clean(f.message), "type": clean(f.code)}
        )
        failure.text = clean(finding_line(f))
    elif f.status is Status.BASELINED:
        ET.SubElement(case, "skipped", {"message": clean(f"baselined: {f.message}")})
    else:
        out = ET.SubElement(case, "system-out")
        out.text = clean(f"{f.severity.value}: {finding_line(f)}")


def render(report: Report) -> str:
    root = ET.Element("testsuites", {"name": "testguard"})
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    by_check: dict[str, list[Finding]] = {}
    for f in report.findings():
        by_check.setdefault(f.check, []).append(f)
    errors = {r.check: r.error or "" for r in failed_checks(report)}
    for name, counts in report.counts().items():
        findings = by_check.pop(name, [])
        suite = ET.SubElement(root, "testsuite", {"name": clean(f"testguard.{name}")})
        for f in findings:
            _testcase(suite, f, report.blocks(f))
        if name in errors:
            case = ET.SubElement(
                suite, "testcase", {"classname": clean(f"testguard.{name}"), "name": "could not run", "time": "0"}
            )
            error = ET.SubElement(case, "error", {"message": clean(f"{name} could not run")})
            error.text = clean(errors[name])
        elif not findings:
            ET.SubElement(
                suite,
                "testcase",
                {
                    "classname": clean(f"testguard.{name}"),
                    "name": "no findings",
                    "time": "0",
                },
            )
        tests = max(1, len(findings))
        failures = sum(1 for f in findings if report.blocks(f))
        skipped = sum(1 for f in findings if f.status is Status.BASELINED and not report.blocks(f))
        props = ET.Element("properties")
        for key, value in (
            ("files_checked", counts.files_checked),
            ("fixed", counts.fixed),
        ):
            ET.SubElement(props, "property", {"name": key, "value": str(value)})
        suite.insert(0, props)
        suite.attrib.update(
            tests=str(tests),
            failures=str(failures),
            errors="1" if name in errors else "0",
            skipped=str(skipped),
            time="0",
        )
        totals["tests"] += tests
        totals["failures"] += failures
        totals["skipped"] += skipped
    root.attrib.update({k: str(v) for k, v in totals.items()}, errors=str(len(errors)), time="0")
    ET.indent(root)
    return inert_markup(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + ET.tostring(root, encoding="unicode")
        + "\n"
    )
