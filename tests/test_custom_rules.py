"""Custom ast-grep rules: `files` globs reach production code, the findings go through the
baseline, suppressions, --diff-base and every format; malformed rules exit 2.
Real projects, real git."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, git, git_init, run_testguard, write

# The seed team's case: a deprecated import path banned everywhere, production code included.
COMPAT = """\
id: no-oldpkg-compat
language: python
message: oldpkg.compat is deprecated; import from newpkg
note: newpkg has the same names; see docs/migration.md
severity: error
files: ["**"]
metadata: { code: ACME002 }
rule:
  any:
    - pattern: from oldpkg.compat import $$$NAMES
    - pattern: import oldpkg.compat
    - pattern: from oldpkg import compat
"""

PROJECT = {
    "pyproject.toml": "[tool.testguard]\nrules = ['ci/testguard/*.yml']\nchecks = ['mocks', 'exits', 'fallbacks']\n",
    "ci/testguard/compat.yml": COMPAT,
    "shop/__init__.py": "",
    "shop/billing.py": "from oldpkg.compat import urljoin, quote\n\n\ndef total(a, b):\n    return a + b\n",
    "shop/api/views.py": "import oldpkg.compat\n",
    "shop/clean.py": "from newpkg import urljoin\n",
    "tests/test_billing.py": "from oldpkg import compat\n\n\ndef test_total():\n    assert compat\n",
}


def sites(run: Run) -> list[tuple[str, int, str]]:
    return sorted((f["path"], f["line"], f["code"]) for f in run.json()["findings"])


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    write(root, dict(PROJECT))
    return root


def test_a_rule_with_files_reaches_production_code(shop: Path, tg: Callable[..., Run]) -> None:
    run = tg(shop, "check", "--format", "json")
    assert run.code == 1
    assert sites(run) == [
        ("shop/api/views.py", 1, "ACME002"),
        ("shop/billing.py", 1, "ACME002"),
        ("tests/test_billing.py", 1, "ACME002"),
    ]
    # a file passed explicitly (as pre-commit passes it) is checked when the globs match it
    given = tg(shop, "check", "shop/billing.py", "--format", "json")
    assert sites(given) == [("shop/billing.py", 1, "ACME002")]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ('["shop/**"]', ["shop/api/views.py", "shop/billing.py"]),
        ('["shop/billing.py"]', ["shop/billing.py"]),
        ('["tests/**"]', ["tests/test_billing.py"]),
    ],
)
def test_the_globs_select_from_every_python_file(
    shop: Path, tg: Callable[..., Run], files: str, expected: list[str]
) -> None:
    (shop / "ci/testguard/compat.yml").write_text(COMPAT.replace('files: ["**"]', f"files: {files}"))
    run = tg(shop, "check", "--format", "json")
    assert [path for path, _, _ in sites(run)] == expected
    explicit = tg(shop, "check", "shop/billing.py", "--format", "json")
    assert [path for path, _, _ in sites(explicit)] == [p for p in expected if p == "shop/billing.py"]


def test_without_files_a_rule_stays_on_the_test_files(shop: Path, tg: Callable[..., Run]) -> None:
    (shop / "ci/testguard/compat.yml").write_text(COMPAT.replace('files: ["**"]\n', ""))
    run = tg(shop, "check", "--format", "json")
    assert sites(run) == [("tests/test_billing.py", 1, "ACME002")]
    assert tg(shop, "check", "shop/billing.py").code == 0


def test_ignores_take_files_out(shop: Path, tg: Callable[..., Run]) -> None:
    (shop / "ci/testguard/compat.yml").write_text(COMPAT + 'ignores: ["shop/api/**"]\n')
    run = tg(shop, "check", "--format", "json")
    assert [path for path, _, _ in sites(run)] == ["shop/billing.py", "tests/test_billing.py"]


def test_production_files_no_rule_selects_are_never_read(shop: Path, tg: Callable[..., Run]) -> None:
    """Were they read, a binary file and a syntax error would be TG001s."""
    write(shop, {"legacy/blob.py": b"\x00\xff\xfe binary", "legacy/broken.py": "def f(:\n"})
    (shop / "ci/testguard/compat.yml").write_text(COMPAT.replace('files: ["**"]', 'files: ["shop/**"]'))
    run = tg(shop, "check", "--format", "json")
    assert [code for _, _, code in sites(run)] == ["ACME002", "ACME002"]
    # selected, they are checked, and what cannot be checked says so
    (shop / "ci/testguard/compat.yml").write_text(COMPAT)
    everything = tg(shop, "check", "--format", "json")
    assert {(p, c) for p, _, c in sites(everything) if p.startswith("legacy/")} == {
        ("legacy/blob.py", "TG001"), ("legacy/broken.py", "TG001")
    }


def test_the_existing_sites_go_in_the_baseline_and_only_a_new_one_fails(
    shop: Path, tg: Callable[..., Run]
) -> None:
    git_init(shop)
    recorded = tg(shop, "baseline")
    assert recorded.code == 0, recorded.err
    entries = json.loads((shop / ".testguard-baseline.json").read_text())["findings"]
    assert sorted((e["check"], e["path"]) for e in entries) == [
        ("custom", "shop/api/views.py"), ("custom", "shop/billing.py"), ("custom", "tests/test_billing.py")
    ]
    git(shop, "add", "-A")
    git(shop, "commit", "-q", "-m", "base")
    assert tg(shop, "check").code == 0

    git(shop, "checkout", "-q", "-b", "feature")
    write(shop, {
        "shop/billing.py": "\n\n" + PROJECT["shop/billing.py"],  # moved: still baselined
        "shop/orders.py": "from newpkg import quote\nfrom oldpkg.compat import urljoin\n",
        "shop/refunds.py": "from oldpkg.compat import urljoin  # testguard: ignore[ACME002]\n",
    })
    git(shop, "add", "-A")
    git(shop, "commit", "-q", "-m", "a new site")
    run = tg(shop, "check", "--format", "json")
    assert run.code == 1
    new = [(f["path"], f["line"]) for f in run.json()["findings"] if f["status"] == "new"]
    assert new == [("shop/orders.py", 2)]
    on_the_diff = tg(shop, "run", "--diff-base", "main")
    assert on_the_diff.code == 1
    assert on_the_diff.out.splitlines() == [
        "shop/orders.py:2:1: ACME002 oldpkg.compat is deprecated; import from newpkg",
        "Found 1 error.",
    ]
    # the site is fixed: the baseline reports its entry fixed, --prune drops it
    write(shop, {"shop/api/views.py": "import newpkg\n", "shop/orders.py": "from newpkg import quote\n"})
    fixed = tg(shop, "check")
    assert fixed.code == 0
    assert "shop/api/views.py: ACME002 fixed: import oldpkg.compat" in fixed.out


def test_every_format_carries_production_findings(shop: Path, tg: Callable[..., Run]) -> None:
    data = tg(shop, "check", "--format", "json").json()
    assert data["checks"]["custom"]["files_checked"] == 5  # the four production files and the test
    assert data["checks"]["custom"]["sections"]["rules"] == [{
        "code": "ACME002", "id": "no-oldpkg-compat", "message": "oldpkg.compat is deprecated; import from newpkg",
        "note": "newpkg has the same names; see docs/migration.md", "severity": "error",
        "source": "ci/testguard/compat.yml",
    }]

    junit = ET.fromstring(tg(shop, "check", "--format", "junit").out)
    suite = next(s for s in junit.iter("testsuite") if s.get("name") == "testguard.custom")
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["files_checked"] == "5"
    assert suite.get("failures") == "3"

    sarif = json.loads(tg(shop, "check", "--format", "sarif").out)
    [rule] = [r for r in sarif["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "ACME002"]
    assert rule["name"] == "no-oldpkg-compat"
    assert rule["shortDescription"] == {"text": "oldpkg.compat is deprecated; import from newpkg"}
    assert rule["help"]["text"] == "newpkg has the same names; see docs/migration.md"
    locations = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]
    }
    assert "shop/billing.py" in locations

    github = tg(shop, "check", "--format", "github").out
    assert (
        "::error file=shop/billing.py,line=1,col=1,endColumn=40,title=ACME002::"
        "oldpkg.compat is deprecated; import from newpkg\n" in github
    )


def test_a_rule_that_is_switched_off_runs_nowhere(shop: Path, tg: Callable[..., Run]) -> None:
    (shop / "ci/testguard/compat.yml").write_text(COMPAT.replace("severity: error", "severity: off"))
    run = tg(shop, "check")
    assert run.code == 0, run.out + run.err


@pytest.mark.parametrize(
    ("rule", "what"),
    [
        ("id: bad-import\nrule:\n  pattern: from (((\n",
         "rule 'bad-import': pattern 'from (((' is not valid Python"),
        ("id: bad-def\nrule:\n  pattern: def (\n",
         "rule 'bad-def': pattern 'def (' is not valid Python"),
        ("id: nested\nrule:\n  all:\n    - kind: call\n    - inside:\n        pattern: 'if (($X'\n",
         "rule 'nested': pattern 'if (($X' is not valid Python"),
        ("id: in-utils\nutils:\n  helper:\n    pattern: 'f($A,,$B)'\nrule:\n  matches: helper\n",
         "rule 'in-utils': pattern 'f($A,,$B)' is not valid Python (ast-grep's parser fails at line 1"
         " column 5 at ',')"),
        ("id: loud\nseverity: fatal\nrule:\n  pattern: print($$$)\n",
         "rule 'loud': unknown severity 'fatal'; choose one of error, warning, info, hint, note, off"),
        ("", "no rule in the file (it is empty)"),
        ("# only a comment\n", "no rule in the file (it is empty)"),
    ],
)
def test_malformed_rules_exit_2_naming_the_file_the_rule_and_the_problem(
    tmp_path: Path, tg: Callable[..., Run], rule: str, what: str
) -> None:
    write(tmp_path, {
        "pyproject.toml": "[tool.testguard]\nrules = ['bans/*.yml']\n",
        "bans/bad.yml": rule,
        "tests/test_a.py": "from x import y\n",
    })
    run = tg(tmp_path, "check")
    assert run.code == 2, run.out
    assert run.err.startswith("testguard: error: bans/bad.yml: ")
    assert what in run.err
    assert "Stack backtrace" not in run.err


def test_a_rule_file_that_is_a_pipe_is_an_error_not_a_hang(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "[tool.testguard]\nrules = ['bans/*.yml']\n",
        "tests/test_a.py": "from x import y\n",
    })
    (tmp_path / "bans").mkdir()
    os.mkfifo(tmp_path / "bans" / "pipe.yml")
    run = run_testguard(tmp_path, "check", timeout=120)
    assert run.code == 2, run.out + run.err
    assert f"rule file {tmp_path / 'bans' / 'pipe.yml'} is not a regular file" in run.err


def test_patterns_that_are_python_are_accepted(tmp_path: Path, tg: Callable[..., Run]) -> None:
    rules = "\n---\n".join(
        f"id: r{i}\nrule:\n  pattern: {json.dumps(pattern)}\n"
        for i, pattern in enumerate([
            "def $F($$$): $$$", "$X.$Y($$$)", "try:\n    $$$\nexcept ImportError:\n    $$$",
            "with $X as $Y: $$$", "print('$ cost')", "$A if $B else $C",
        ])
    ) + "\n---\nid: ctx\nrule:\n  pattern:\n    context: '{\"key\": $V}'\n    selector: pair\n"
    write(tmp_path, {
        "pyproject.toml": "[tool.testguard]\nrules = ['bans/*.yml']\n",
        "bans/ok.yml": rules,
        "tests/test_a.py": "import pytest\n\n\n@pytest.fixture\ndef f():\n    return {\"key\": 1}\n",
    })
    run = tg(tmp_path, "check", "--format", "json")
    assert run.code == 1, run.err
    assert sorted((f["code"], f["line"]) for f in run.json()["findings"]) == [("ctx", 6), ("r0", 5)]
