"""SARIF checked against the SARIF 2.1.0 schema; JUnit XML parsed back."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
from report_samples import hostile_report, sample_report
from testguard.core.findings import CheckResult, Finding
from testguard.core.report import Report, render
from testguard.checks import CHECKS, RULES

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(
        encoding="utf-8"
    )
)


# jsonschema checks "uri" formats only with optional packages; check them here.
_URI_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*$")


def _uris(node: object) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("uri", "helpUri", "informationUri") and isinstance(value, str):
                found.append((key, value))
            else:
                found += _uris(value)
    elif isinstance(node, list):
        for item in node:
            found += _uris(item)
    return found


def _validate(doc: dict[str, object]) -> None:
    validator = jsonschema.Draft4Validator(
        SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    for key, uri in _uris(doc):
        assert _URI_CHARS.match(uri), (key, uri)
        if key != "uri":
            assert uri.startswith("https://"), (key, uri)


def test_sarif_is_valid_and_complete(tmp_path: Path) -> None:
    report = sample_report(tmp_path)
    doc = json.loads(render("sarif", report))
    _validate(doc)
    assert doc["version"] == "2.1.0"
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "testguard" and driver["version"] == "0.1.0"
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    for result in run["results"]:
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert (
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"]
            == "%SRCROOT%"
        )
        assert result["partialFingerprints"]
    # the checks that ran bring all their rules, with the rulebook's levels
    assert {
        "TG201",
        "TG202",
        "TG203",
        "TG204",
        "TG205",
        "TG501",
        "TG601",
        "TG604",
    } <= set(ids)
    assert rules[ids.index("TG604")]["defaultConfiguration"]["level"] == "warning"
    states = {r["ruleId"]: r["baselineState"] for r in run["results"]}
    assert states["TG204"] == "unchanged" and states["TG201"] == "new"
    multi = next(r for r in run["results"] if r["ruleId"] == "TG202")
    assert multi["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 10,
        "startColumn": 5,
        "endLine": 12,
        "endColumn": 9,
    }
    mypy = next(r for r in run["results"] if r["ruleId"] == "TG501")
    assert mypy["message"]["text"].startswith("TG501 [union-attr]: ")
    assert (
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        == tmp_path.resolve().as_uri() + "/"
    )


def test_sarif_fingerprint_survives_a_line_shift(tmp_path: Path) -> None:
    def doc(line: int) -> Any:
        f = Finding(
            "tests/t.py",
            line,
            1,
            "TG201",
            "mock",
            "mocks",
            line_text="from unittest import mock",
        )
        return json.loads(
            render("sarif", Report([CheckResult("mocks", [f])], tmp_path, "1"))
        )

    first, moved = doc(3), doc(30)
    assert (
        first["runs"][0]["results"][0]["partialFingerprints"]
        == moved["runs"][0]["results"][0]["partialFingerprints"]
    )


def test_sarif_with_hostile_names_and_custom_rules_is_valid(tmp_path: Path) -> None:
    report = hostile_report(tmp_path)
    report.results.append(
        CheckResult(
            "check", [Finding("ci/x.py", 1, 1, "ACME001", "no print()", "check")]
        )
    )
    doc = json.loads(render("sarif", report))
    _validate(doc)
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert any(r["id"] == "ACME001" for r in rules)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in doc["runs"][0]["results"]
    }
    assert "%3A%3Aset-output%20name%3Dx%3A%3Ay.py" in uris
    assert "tests/%C3%BCmlaut%20and%20space.py" in uris


def test_every_rule_is_valid_sarif(tmp_path: Path) -> None:
    findings = [
        Finding("a.py", 1, 1, code, rule.summary, rule.check, severity=rule.severity)
        for code, rule in RULES.items()
    ]
    doc = json.loads(
        render("sarif", Report([CheckResult("all", findings)], tmp_path, "1", checks=CHECKS))
    )
    _validate(doc)
    assert len(doc["runs"][0]["tool"]["driver"]["rules"]) == len(RULES)


def test_junit_suites_cases_and_failures(tmp_path: Path) -> None:
    root = ET.fromstring(render("junit", sample_report(tmp_path)))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == [
        "testguard.mocks",
        "testguard.coverage",
        "testguard.mypy",
        "testguard.exits",
    ]
    mocks = suites["testguard.mocks"]
    assert (mocks.get("tests"), mocks.get("failures"), mocks.get("skipped")) == (
        "3",
        "2",
        "1",
    )
    failure = mocks.find("testcase/failure")
    assert failure is not None and failure.get("type") == "TG201"
    assert (
        failure.text
        == "tests/test_api.py:3:1: TG201 mock library imported: unittest.mock"
    )
    coverage = suites["testguard.coverage"]
    # the TG604 warning does not fail, the TG601 error does
    assert coverage.get("failures") == "1"
    exits = suites["testguard.exits"]
    assert exits.get("failures") == "0" and len(exits.findall("testcase")) == 1
    assert root.get("tests") == str(
        sum(int(s.get("tests", "0")) for s in suites.values())
    )
    props = {
        p.get("name"): p.get("value") for p in mocks.findall("properties/property")
    }
    assert props == {"files_checked": "4", "fixed": "1"}


def test_junit_survives_control_characters(tmp_path: Path) -> None:
    f = Finding(
        "t\x00.py",
        1,
        1,
        "TG102",
        "bad \x1b[31mcolour\x07 and \ud800 surrogate",
        "imports",
    )
    text = render("junit", Report([CheckResult("imports", [f])], tmp_path, "1"))
    case = ET.fromstring(text).find("testsuite/testcase")
    assert case is not None and case.get("file") == "t\\x00.py"  # a visible escape
    failure = case.find("failure")
    assert failure is not None and "colour" in (failure.get("message") or "")


def test_junit_of_hostile_report_parses(tmp_path: Path) -> None:
    root = ET.fromstring(render("junit", hostile_report(tmp_path)))
    assert int(root.get("tests", "0")) == 72
