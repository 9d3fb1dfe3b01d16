"""Every rule testguard reports: what it catches, why, and how to fix it.

The SARIF reporter takes rule metadata from here and ``scripts/gen_rule_docs.py``
renders the README's rule reference from it, so the two never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from testguard.core.findings import Severity

PROJECT_URL = "https://github.com/testguard/testguard"


@dataclass(frozen=True)
class Rule:
    code: str
    check: str
    name: str
    summary: str
    severity: Severity
    why: str
    bad: str
    good: str
    fix: str
    lang: str = "python"  # of the bad/good examples

    @property
    def anchor(self) -> str:
        return f"{self.code.lower()}-{self.name}"

    @property
    def help_uri(self) -> str:
        return f"{PROJECT_URL}#{self.anchor}"


_E = Severity.ERROR
_SUPPRESS = "Suppress one line with `# testguard: ignore[{code}]`, or record it with `testguard baseline`."

_RULES = [
    Rule(
        "TG001",
        "core",
        "file-not-checked",
        "File not checked: unreadable, binary, not valid Python for the target version, or not decodable",
        _E,
        "A file testguard cannot read is a file nobody has checked; staying silent would "
        "let a broken or mis-encoded test file pass every gate.",
        "# tests/test_latin.py saved as Latin-1 without a coding cookie\nname = 'Müller'",
        "# -*- coding: latin-1 -*-\nname = 'Müller'",
        "Save the file as UTF-8 (or declare its encoding with a PEP 263 cookie), fix the "
        "syntax, or exclude generated and binary files with `exclude` in `[tool.testguard]`.",
    ),
    Rule(
        "TG002",
        "core",
        "bare-ignore",
        "Bare `# testguard: ignore` without rule codes",
        _E,
        "A suppression without codes hides every present and future finding on the line, "
        "including ones nobody has looked at.",
        "from unittest import mock  # testguard: ignore",
        "from unittest import mock  # testguard: ignore[TG201]",
        "Name the codes you mean: `# testguard: ignore[TG201]` (several comma-separated).",
    ),
    Rule(
        "TG101",
        "imports",
        "import-failed",
        "Module failed to import: a name or module is missing",
        _E,
        "A module that cannot be imported fails for every user the moment it is used; tests "
        "that never import it will not notice.",
        "# mypkg/report.py\nfrom mypkg.utils import format_money  # renamed to fmt_money",
        "# mypkg/report.py\nfrom mypkg.utils import fmt_money",
        "Fix the import or add the missing dependency to the project. Modules that are meant "
        "to be optional go in `[tool.testguard.imports] exclude`.",
    ),
    Rule(
        "TG102",
        "imports",
        "import-raised",
        "Module raised another exception while importing",
        _E,
        "Import-time side effects (reading files, connecting, parsing env) that fail make the "
        "whole package unusable, and usually only in production.",
        "# mypkg/settings.py\nPORT = int(os.environ['PORT'])",
        "# mypkg/settings.py\ndef port() -> int:\n    return int(os.environ.get('PORT', '8000'))",
        "Move the work out of module level into a function that is called when needed. An "
        "exception without text (a bare `assert`) is reported with the source line that raised it "
        "(`AssertionError: assert sys.platform == \"win32\"`); a module that guards a platform "
        "(`sys.platform`, `os.name`, `platform.system()`) gets a hint: leave modules meant for one "
        "platform only out with `[tool.testguard.imports] exclude`.",
    ),
    Rule(
        "TG103",
        "imports",
        "import-exited",
        "Module exited the process while importing",
        _E,
        "An exit at import time kills whatever imported the module: the test run, the "
        "web server, the CLI that only wanted `--help`.",
        "# mypkg/cli.py\nimport sys\nsys.exit(main())",
        "# mypkg/cli.py\nimport sys\nif __name__ == '__main__':\n    sys.exit(main())",
        'Guard the exit with `if __name__ == "__main__":` or move it into a function.',
    ),
    Rule(
        "TG104",
        "imports",
        "import-timeout",
        "Module import timed out (hang)",
        _E,
        "An import that blocks (network, input(), a lock) hangs every process that imports it.",
        "# mypkg/client.py\nSESSION = connect('db.internal:5432')",
        "# mypkg/client.py\ndef session():\n    return connect('db.internal:5432')",
        "Do not block at import time; raise `[tool.testguard.imports] timeout` only for "
        "modules that are legitimately slow to import.",
    ),
    Rule(
        "TG105",
        "imports",
        "import-crashed",
        "The interpreter crashed while importing (signal, e.g. segfault)",
        _E,
        "A crash at import time usually means a broken native extension or an ABI mismatch, "
        "which takes down every process that touches the module.",
        "# mypkg/fast.py\nfrom mypkg._speedups import kernel  # built for another Python",
        "# after rebuilding the extension for this interpreter\nfrom mypkg._speedups import kernel",
        "Rebuild or reinstall the native extension for the project's interpreter.",
    ),
    Rule(
        "TG106",
        "imports",
        "syntax-error",
        "Syntax error",
        _E,
        "A module that does not parse cannot be imported at all.",
        "def total(items)\n    return sum(items)",
        "def total(items):\n    return sum(items)",
        "Fix the syntax; check the project's interpreter version matches the syntax you use.",
    ),
    Rule(
        "TG201",
        "mocks",
        "mock-import",
        "Mock library imported in a test",
        _E,
        "Tests built on mocks check that code calls what the test expects, not that it works; "
        "they pass while the real integration is broken.",
        "from unittest import mock",
        "# use the real object, a fake written against the real interface, or a local server\nfrom mypkg.storage import MemoryStore",
        "Replace mocks with real objects, in-memory implementations or local test servers. "
        "Allow classes with `[tool.testguard.mocks] allow`. "
        + _SUPPRESS.format(code="TG201"),
    ),
    Rule(
        "TG202",
        "mocks",
        "first-party-patched",
        "First-party code patched",
        _E,
        "Patching the project's own code means the test no longer runs the code under test: "
        "it tests the patch.",
        "@patch('mypkg.billing.compute_tax', return_value=0)\ndef test_invoice(_): ...",
        "def test_invoice():\n    invoice = make_invoice(country='DE')\n    assert invoice.tax == Decimal('19.00')",
        "Call the real code; pass collaborators in as arguments so tests can hand in real, "
        "simple ones. " + _SUPPRESS.format(code="TG202"),
    ),
    Rule(
        "TG203",
        "mocks",
        "third-party-patched",
        "Third-party target patched that is not on the allow list",
        _E,
        "Patching a library hides how the project really uses it; library upgrades then break "
        "production while the tests stay green.",
        "@patch('mypkg.billing.requests.post')\ndef test_charge(post): ...",
        "def test_charge(http_server):  # a real local HTTP server\n    charge(url=http_server.url)",
        "Use a real local substitute (HTTP server, SQLite, tmp_path) or allow the class or "
        "target with `allow` / `allow-targets`. " + _SUPPRESS.format(code="TG203"),
    ),
    Rule(
        "TG204",
        "mocks",
        "mock-object",
        "Mock object constructed",
        _E,
        "A Mock accepts any call and returns more Mocks, so a test with one passes whatever "
        "the code does with it.",
        "repo = MagicMock()\nservice = Service(repo)",
        "repo = InMemoryRepo()\nservice = Service(repo)",
        "Pass a small real implementation of the interface. "
        + _SUPPRESS.format(code="TG204"),
    ),
    Rule(
        "TG205",
        "mocks",
        "mocker-fixture",
        "`mocker` fixture requested",
        _E,
        "The pytest-mock `mocker` fixture exists to patch; requesting it is mock use.",
        "def test_sync(mocker):\n    mocker.patch('mypkg.sync.fetch')",
        "def test_sync(tmp_path):\n    sync(source=tmp_path)",
        "Drop the fixture and use real collaborators. "
        + _SUPPRESS.format(code="TG205"),
    ),
    Rule(
        "TG301",
        "exits",
        "exit-at-module-level",
        "Process exit at module level of a test module or conftest",
        _E,
        "An exit while pytest imports a test module or conftest aborts collection: the run "
        "ends early, sometimes with exit status 0, and tests silently stop running.",
        "import sys\nif sys.platform == 'win32':\n    sys.exit(0)",
        "import sys, pytest\npytestmark = pytest.mark.skipif(sys.platform == 'win32', reason='POSIX only')",
        "Skip with a marker instead of exiting. " + _SUPPRESS.format(code="TG301"),
    ),
    Rule(
        "TG302",
        "exits",
        "exit-in-test",
        "Process exit inside a test, fixture or helper",
        _E,
        "An exit in a test raises SystemExit, which can end the test process or be reported "
        "confusingly; the code after it never runs.",
        "def test_main():\n    main()\n    sys.exit(0)",
        "def test_main():\n    with pytest.raises(SystemExit) as exc:\n        main()\n    assert exc.value.code == 0",
        "Assert on the exit with `pytest.raises(SystemExit)`, or return/skip. "
        + _SUPPRESS.format(code="TG302"),
    ),
    Rule(
        "TG303",
        "exits",
        "pytest-exit",
        "`pytest.exit()` in test code",
        _E,
        "`pytest.exit()` ends the whole session: every later test is silently not run.",
        "def test_db():\n    if not db_up():\n        pytest.exit('no db')",
        "def test_db():\n    if not db_up():\n        pytest.skip('no db')",
        "Use `pytest.skip()` / `pytest.fail()`. " + _SUPPRESS.format(code="TG303"),
    ),
    Rule(
        "TG401",
        "fallbacks",
        "import-fallback",
        "First-party import inside try/except ImportError (or broader) in test code",
        _E,
        "If the project's own import fails, the tests should fail; catching the error turns a "
        "broken package into skipped or vacuous tests.",
        "try:\n    from mypkg import parser\nexcept ImportError:\n    parser = None",
        "from mypkg import parser",
        "Import first-party code directly. " + _SUPPRESS.format(code="TG401"),
    ),
    Rule(
        "TG402",
        "fallbacks",
        "importorskip-first-party",
        "`pytest.importorskip` of a first-party module",
        _E,
        "`importorskip` is for optional third-party dependencies; on the project's own module "
        "it skips the tests exactly when the module is broken.",
        "parser = pytest.importorskip('mypkg.parser')",
        "from mypkg import parser",
        "Import the module directly. " + _SUPPRESS.format(code="TG402"),
    ),
    Rule(
        "TG403",
        "fallbacks",
        "skip-on-import-flag",
        "Skip condition on a flag set by a failed import",
        _E,
        "A `*_AVAILABLE` flag set in an `except ImportError` and used in `skipif` hides an "
        "import failure as a skip.",
        "try:\n    import mypkg.fast\n    FAST = True\nexcept ImportError:\n    FAST = False\n\n@pytest.mark.skipif(not FAST, reason='no fast')\ndef test_fast(): ...",
        "import mypkg.fast\n\ndef test_fast(): ...",
        "Import directly and let a broken import fail. "
        + _SUPPRESS.format(code="TG403"),
    ),
    Rule(
        "TG501",
        "mypy",
        "mypy-error",
        "mypy error (mypy's own code goes in the title)",
        _E,
        "Type errors are bugs found before running anything; new ones should not enter the code.",
        "def total(prices: list[int]) -> int:\n    return sum(prices) / len(prices)",
        "def average(prices: list[int]) -> float:\n    return sum(prices) / len(prices)",
        "Fix the type error; mypy's own `# type: ignore[code]` works as usual. Existing errors "
        "are recorded with `testguard baseline` so only new ones block.",
    ),
    Rule(
        "TG601",
        "coverage",
        "total-coverage-below-floor",
        "Total coverage below floor",
        _E,
        "Coverage that falls means new code arrived without tests.",
        "[tool.testguard.coverage]\nfail-under = 85   # measured: 81.2%",
        "# add tests for the new code until coverage is back above 85%",
        "Add tests for the uncovered code shown in the summary, or lower `fail-under` on purpose.",
        lang="toml",
    ),
    Rule(
        "TG602",
        "coverage",
        "path-coverage-below-floor",
        "A configured path below its floor",
        _E,
        "Critical parts of the code (security, billing) deserve a higher floor than the total.",
        'paths = { "src/mypkg/security/**" = 95 }   # measured: 90%',
        "# test the uncovered branches of src/mypkg/security/",
        "Add tests for that path or change its floor in `[tool.testguard.coverage] paths`.",
        lang="toml",
    ),
    Rule(
        "TG603",
        "coverage",
        "changed-lines-coverage-below-floor",
        "Changed-lines coverage below floor",
        _E,
        "The lines a pull request adds or changes should be tested, whatever the total says.",
        "changed-lines-fail-under = 90   # this PR: 40% of changed lines covered",
        "# add tests that run the changed lines",
        "Cover the changed lines marked TG604, or set `changed-lines-fail-under`.",
        lang="toml",
    ),
    Rule(
        "TG604",
        "coverage",
        "changed-line-not-covered",
        "Changed line not covered",
        Severity.WARNING,
        "Shows the reviewer exactly which new lines no test runs.",
        "def refund(order):\n    if order.paid:       # covered\n        return undo(order)  # not covered",
        "def test_refund_paid_order():\n    assert refund(paid_order()).status == 'refunded'",
        "Add a test that runs the line.",
    ),
    Rule(
        "TG701",
        "collect",
        "collection-error",
        "pytest collection error",
        _E,
        "A test module that fails to collect runs none of its tests; with `-x` or in some "
        "configurations the rest of the suite is skipped too.",
        "# tests/test_api.py\nfrom mypkg.api import Clinet  # typo: ImportError at collection",
        "# tests/test_api.py\nfrom mypkg.api import Client",
        "Run `pytest --collect-only` and fix the error it reports.",
    ),
    Rule(
        "TG702",
        "collect",
        "tests-collected-below-floor",
        "Fewer tests collected than the recorded floor",
        _E,
        "Tests that disappear (a renamed file, a bad `-k`, a skipped conftest) are coverage "
        "lost without anyone deciding it.",
        "# baseline: 412 tests collected; now: 380",
        "# restore the lost tests, or record the new count on purpose",
        "Find why tests disappeared; if it was intended, record the new count with "
        "`testguard baseline` (or set `[tool.testguard.collect] min-tests`).",
    ),
]

RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}


def rule_for(code: str) -> Rule | None:
    """The rule of ``code``; custom ast-grep rules have none here."""
    return RULES.get(code)
