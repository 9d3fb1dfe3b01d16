"""The rules of ``testguard mocks`` (mock ban): what each catches, why, an example, the fix."""

from __future__ import annotations

from testguard.core.rulebook import RuleDoc, suppress

RULES = (
    RuleDoc(
        code="TG201",
        check="mocks",
        name="mock-import",
        summary="Mock library imported in a test",
        why="Tests built on mocks check that code calls what the test expects, not that it works; "
            "they pass while the real integration is broken.",
        bad="from unittest import mock",
        good="# use the real object, a fake written against the real interface, or a local server\nfrom mypkg.storage import MemoryStore",
        fix="Replace mocks with real objects, in-memory implementations or local test servers. "
            "Allow classes with `[tool.testguard.mocks] allow`. "
            + suppress("TG201"),
        policy="Imports under `if TYPE_CHECKING:` (also `typing.TYPE_CHECKING`, through aliases) are "
            "not findings: an import for annotations (`from pytest_mock import MockerFixture`) mocks "
            "nothing, and the `mocker` fixture it types is its own finding (TG205). Only the `if` "
            "branch counts; its `elif`/`else` branches run. The import is reported once, at the "
            "import; a later use is reported for what it does: after `import unittest.mock`, "
            "`unittest.mock.Mock()` is TG204, `unittest.mock.patch(...)` TG202/TG203, and "
            "`unittest.mock.ANY`, `sentinel`, `call`, `DEFAULT` are nothing. A file that only does "
            "`import unittest` gets one TG201, at its first `unittest.mock`.",
    ),
    RuleDoc(
        code="TG202",
        check="mocks",
        name="first-party-patched",
        summary="First-party code patched",
        why="Patching the project's own code means the test no longer runs the code under test: "
            "it tests the patch.",
        bad="@patch('mypkg.billing.compute_tax', return_value=0)\ndef test_invoice(_): ...",
        good="def test_invoice():\n    invoice = make_invoice(country='DE')\n    assert invoice.tax == Decimal('19.00')",
        fix="Call the real code; pass collaborators in as arguments so tests can hand in real, "
            "simple ones. " + suppress("TG202"),
    ),
    RuleDoc(
        code="TG203",
        check="mocks",
        name="third-party-patched",
        summary="Third-party target patched that is not on the allow list",
        why="Patching a library hides how the project really uses it; library upgrades then break "
            "production while the tests stay green.",
        bad="@patch('mypkg.billing.requests.post')\ndef test_charge(post): ...",
        good="def test_charge(http_server):  # a real local HTTP server\n    charge(url=http_server.url)",
        fix="Use a real local substitute (HTTP server, SQLite, tmp_path) or allow the class or "
            "target with `allow` / `allow-targets`. " + suppress("TG203"),
        policy="The target is classified by what it resolves to: `http`, `database`, `filesystem`, "
            "`subprocess`, `clock`, `environment`; `stdlib` for the rest of the standard library "
            "(`sys.stdlib_module_names`), with the part where known (`sys._getframe`: interpreter, "
            "`sys.getfilesystemencoding`: fs, `json.loads`: io, `importlib.metadata`: import); "
            "`test-local` for a name the test code defines itself (`patch(f\"{__name__}.A\")`, "
            "`patch.object(LocalClass, ...)`, `sys.modules[__name__]`, a name in another test module); "
            "`third-party` for any other installed library; `unknown` when it cannot be resolved (an "
            "object from a fixture or a parameter). `Mock(wraps=X)` gets X's class. Each class can be "
            "allowed with `[tool.testguard.mocks] allow`.",
    ),
    RuleDoc(
        code="TG204",
        check="mocks",
        name="mock-object",
        summary="Mock object constructed",
        why="A Mock accepts any call and returns more Mocks, so a test with one passes whatever "
            "the code does with it.",
        bad="repo = MagicMock()\nservice = Service(repo)",
        good="repo = InMemoryRepo()\nservice = Service(repo)",
        fix="Pass a small real implementation of the interface. "
            + suppress("TG204"),
    ),
    RuleDoc(
        code="TG205",
        check="mocks",
        name="mocker-fixture",
        summary="`mocker` fixture requested",
        why="The pytest-mock `mocker` fixture exists to patch; requesting it is mock use.",
        bad="def test_sync(mocker):\n    mocker.patch('mypkg.sync.fetch')",
        good="def test_sync(tmp_path):\n    sync(source=tmp_path)",
        fix="Drop the fixture and use real collaborators. "
            + suppress("TG205"),
    ),
)
