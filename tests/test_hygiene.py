"""Production hygiene (TG801-TG803): each pattern in a project built to contain it, each
exemption beside it, a clean project with none; config, given files, baseline, --diff-base,
the formats and the pre-commit hook."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, git, git_init, run_testguard, run_testguard_locked, try_repo, write

# One project with every pattern, and next to each what must not be reported.
LYING: dict[str, str | bytes] = {
    "pyproject.toml": """\
        [project]
        name = "app"

        [tool.testguard.hygiene]
        test-code = ["test_framework/**"]
    """,
    # TG803: the package re-exports its submodules, and one imports the package back.
    "app/__init__.py": """\
        from app.client import Client
        from app.retry import Retry
    """,
    "app/client.py": '''\
        """The client.

        Quoted, so not an import:

            from tests.helpers import Nothing
        """
        from typing import TYPE_CHECKING

        from app import Retry
        from tests.helpers import FakeTransport

        if TYPE_CHECKING:
            from tests.fakes import TypedFake


        def later():
            from tests.fakes import LazyFake
            return LazyFake


        class Client:
            def __init__(self, transport=FakeTransport):
                self.transport = transport
    ''',
    "app/retry.py": """\
        class Retry:
            def __init__(self, times):
                self.times = times
    """,
    # TG801 through the configured test code and through pytest's name for a conftest.
    "app/truth.py": """\
        from test_framework.asserts import check
        import conftest
    """,
    # TG803 between two modules; the function-level and TYPE_CHECKING imports break others.
    "app/orders.py": """\
        from app.billing import invoice

        def place():
            return invoice()
    """,
    "app/billing.py": """\
        from app.orders import place

        def invoice():
            return place
    """,
    "app/lazy_a.py": """\
        import app.lazy_b

        VALUE = 1
    """,
    "app/lazy_b.py": """\
        def get():
            import app.lazy_a
            return app.lazy_a.VALUE
    """,
    "app/typed_a.py": """\
        import app.typed_b
    """,
    "app/typed_b.py": """\
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            import app.typed_a
    """,
    # TG802: stubs the tests import, and what is not one.
    "app/limits.py": '''\
        from abc import ABC, abstractmethod
        from typing import Protocol, overload


        class RateLimiter:
            pass


        class Throttle:
            """Throttles."""

            def __init__(self, rate):
                pass

            def allow(self, key):
                raise NotImplementedError


        def connect():
            """Connects, one day."""
            raise NotImplementedError("later")


        def unused_stub():
            pass


        class LimitError(Exception):
            pass


        class Sized(Protocol):
            def size(self) -> int: ...


        class Backend(ABC):
            @abstractmethod
            def send(self):
                raise NotImplementedError


        class Marker:
            pass


        class Real(Marker):
            pass


        def ignore(event):
            pass


        HANDLERS = [ignore]


        @overload
        def scale(x: int) -> int: ...
        @overload
        def scale(x: str) -> str: ...
        def scale(x):
            return x


        class Window:
            def open(self):
                return True

            def close(self):
                pass
    ''',
    "app/limits.pyi": "def typed_stub() -> None: ...\n",
    "app/db.py": '''\
        def connect():
            raise NotImplementedError
    ''',
    "app/api.py": """\
        from app.limits import RateLimiter as Limiter
    """,
    "app/service.py": """\
        from app.limits import RateLimiter

        LIMITER = RateLimiter()  # calling a stub is no use of it
    """,
    "test_framework/__init__.py": "",
    "test_framework/asserts.py": "def check(x):\n    assert x\n",
    "tests/conftest.py": "import pytest\n",
    "tests/helpers.py": "class FakeTransport:\n    pass\n",
    "tests/fakes.py": "class LazyFake:\n    pass\n\nclass TypedFake:\n    pass\n",
    "tests/test_limits.py": """\
        import app.db
        from app.api import Limiter
        from app.limits import LimitError, Sized, Backend, Marker, Real, ignore, scale, Window
        from app import Client


        def test_limits():
            from app.limits import Throttle, connect
            assert Limiter and Throttle and connect and app.db.connect
    """,
    "tests/test_more.py": "from app.limits import RateLimiter\n",
}


def findings(run: Run) -> list[tuple[str, int, str]]:
    return [(f["path"], f["line"], f["code"]) for f in run.json()["findings"]]


@pytest.fixture
def lying(tmp_path: Path) -> Path:
    write(tmp_path, LYING)
    return tmp_path


def test_each_pattern_is_found_and_nothing_else(lying: Path, tg: Callable[..., Run]) -> None:
    run = tg(lying, "hygiene", "--format", "json")
    assert run.code == 1, run.err
    assert findings(run) == [
        ("app/client.py", 9, "TG803"),
        ("app/client.py", 10, "TG801"),
        ("app/db.py", 1, "TG802"),
        ("app/limits.py", 5, "TG802"),
        ("app/limits.py", 9, "TG802"),
        ("app/limits.py", 19, "TG802"),
        ("app/orders.py", 1, "TG803"),
        ("app/truth.py", 1, "TG801"),
        ("app/truth.py", 2, "TG801"),
    ]
    by_place = {(f["path"], f["line"]): f for f in run.json()["findings"]}
    assert by_place[("app/client.py", 10)]["details"]["imports"] == ["tests.helpers"]
    assert by_place[("app/truth.py", 1)]["details"]["files"] == ["test_framework/asserts.py"]
    assert by_place[("app/truth.py", 2)]["details"]["files"] == ["tests/conftest.py"]
    cycle = by_place[("app/client.py", 9)]
    assert cycle["details"]["cycle"] == ["app", "app.client", "app"]
    assert cycle["message"].startswith("import cycle: app -> app.client -> app")
    assert by_place[("app/orders.py", 1)]["details"]["cycle"] == ["app.billing", "app.orders", "app.billing"]
    limiter = by_place[("app/limits.py", 5)]
    assert limiter["details"] == {"name": "RateLimiter", "kind": "class", "tests": ["tests/test_limits.py", "tests/test_more.py"]}
    assert by_place[("app/limits.py", 9)]["details"]["name"] == "Throttle"
    assert "only stub methods: __init__, allow" in by_place[("app/limits.py", 9)]["message"]
    assert "only raises NotImplementedError" in by_place[("app/limits.py", 19)]["message"]


def test_one_finding_per_group_with_a_shortest_cycle(tmp_path: Path, tg: Callable[..., Run]) -> None:
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "app"\n',
        "app/__init__.py": "",
        "app/a.py": "import app.c\nimport app.b\n",
        "app/b.py": "import app.a\n",
        "app/c.py": "import app.d\n",
        "app/d.py": "import app.a\n",
    })
    run = tg(tmp_path, "hygiene", "--format", "json")
    [finding] = run.json()["findings"]
    assert (finding["path"], finding["line"]) == ("app/b.py", 1)
    assert finding["details"]["group"] == ["app.a", "app.b", "app.c", "app.d"]
    assert finding["message"].startswith(
        "import cycle: app.a -> app.b -> app.a (a shortest cycle through app.a; 4 modules import each other)"
    )


def test_text_report_names_what_to_look_at(lying: Path, tg: Callable[..., Run]) -> None:
    run = tg(lying, "hygiene")
    assert (
        "app/client.py:10:1: TG801 production code imports test code 'tests.helpers' (tests/helpers.py)"
        in run.out
    )
    assert (
        "app/limits.py:5:1: TG802 placeholder class 'RateLimiter' (its body is only pass) is imported by"
        " tests/test_limits.py (and 1 more)" in run.out
    )
    assert "app/orders.py:1:1: TG803 import cycle: app.billing -> app.orders -> app.billing;" in run.out
    assert run.out.splitlines()[-1] == "Found 9 errors."


def test_a_clean_project_has_no_findings(tmp_path: Path, tg: Callable[..., Run]) -> None:
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "shop"\n',
        "shop/__init__.py": '"""The shop."""\n',
        "shop/cart.py": '''\
            from shop.prices import price


            class Cart:
                def __init__(self):
                    self.items = []

                def total(self):
                    return sum(price(item) for item in self.items)
        ''',
        "shop/prices.py": '''\
            def price(item):
                from shop.cart import Cart  # inside a function: no cycle
                return 0 if isinstance(item, Cart) else 1
        ''',
        "shop/errors.py": "class ShopError(Exception):\n    pass\n",
        "tests/conftest.py": "import pytest\n",
        "tests/test_cart.py": "from shop.cart import Cart\nfrom shop.errors import ShopError\n\n"
                              "def test_total():\n    assert Cart().total() == 0\n",
    })
    run = tg(tmp_path, "hygiene")
    assert (run.code, run.out) == (0, "All checks passed.\n"), run.out + run.err


def test_disable_turns_codes_off_and_bad_codes_are_a_usage_error(lying: Path, tg: Callable[..., Run]) -> None:
    pyproject = lying / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'disable = ["TG801", "TG803"]\n')
    run = tg(lying, "hygiene", "--format", "json")
    assert {code for _, _, code in findings(run)} == {"TG802"}
    assert run.json()["checks"]["hygiene"]["sections"]["hygiene"]["disabled"] == ["TG801", "TG803"]
    pyproject.write_text('[project]\nname = "app"\n[tool.testguard.hygiene]\ndisable = ["TG901"]\n')
    run = tg(lying, "hygiene")
    assert run.code == 2 and run.out == ""
    assert "[tool.testguard.hygiene] 'disable' must be a list of codes from TG801, TG802, TG803" in run.err


def test_given_files_report_the_findings_that_rest_on_them(lying: Path, tg: Callable[..., Run]) -> None:
    # A staged test that imports a stub: the stub's finding, though the stub is elsewhere, and
    # the other findings in that file (a baseline entry there must not look fixed).
    run = tg(lying, "hygiene", "--format", "json", "tests/test_more.py")
    assert findings(run) == [("app/limits.py", 5, "TG802"), ("app/limits.py", 9, "TG802"), ("app/limits.py", 19, "TG802")]
    # A module of a cycle: the cycle, reported at the import in the other module that closes it.
    run = tg(lying, "hygiene", "--format", "json", "app/billing.py")
    assert findings(run) == [("app/orders.py", 1, "TG803")]
    # A file no finding rests on.
    run = tg(lying, "hygiene", "app/retry.py")
    assert (run.code, run.out) == (0, "")


@pytest.mark.parametrize("given", [".", "./", "app/.."])
def test_the_project_root_given_reports_every_finding(lying: Path, tg: Callable[..., Run], given: str) -> None:
    """``testguard hygiene .``: no finding rested on a file under "./", so none was reported, exit 0."""
    whole = tg(lying, "hygiene", "--format", "json")
    run = tg(lying, "hygiene", "--format", "json", given)
    assert run.code == 1 and findings(run) == findings(whole) and len(findings(run)) == 9


def test_baseline_then_only_new_findings_block(lying: Path, tg: Callable[..., Run]) -> None:
    assert tg(lying, "baseline").code == 0
    entries = json.loads((lying / ".testguard-baseline.json").read_text())["findings"]
    assert {e["code"] for e in entries if e["check"] == "hygiene"} == {"TG801", "TG802", "TG803"}
    run = tg(lying, "hygiene", "--format", "json")
    assert run.code == 0
    assert {f["status"] for f in run.json()["findings"]} == {"baselined"}
    # A new test imports an old stub nobody imported: a new finding at a line nobody changed.
    write(lying, {"tests/test_new.py": "from app.limits import unused_stub\n"})
    run = tg(lying, "hygiene", "--format", "json")
    assert run.code == 1
    new = [f for f in run.json()["findings"] if f["status"] == "new"]
    assert [(f["path"], f["line"], f["details"]["name"]) for f in new] == [("app/limits.py", 24, "unused_stub")]


def test_diff_base_keeps_a_finding_the_change_made_elsewhere(tmp_path: Path, tg: Callable[..., Run]) -> None:
    git_init(tmp_path)
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "app"\n',
        "app/__init__.py": "",
        "app/stub.py": "class Engine:\n    pass\n",
        "app/a.py": "import app.b\n",
        "app/b.py": "import app.a\n",
        "tests/test_a.py": "import app.a\n",
    })
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "start")
    assert tg(tmp_path, "baseline", "hygiene").code == 0  # the old cycle
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "baseline")
    write(tmp_path, {"tests/test_engine.py": "from app.stub import Engine\n"})
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "a test of a stub")
    run = tg(tmp_path, "hygiene", "--format", "json", "--diff-base", "HEAD~1")
    assert run.code == 1
    assert [(f["path"], f["line"], f["code"], f["status"]) for f in run.json()["findings"]] == [
        ("app/b.py", 1, "TG803", "baselined"),
        ("app/stub.py", 1, "TG802", "new"),  # app/stub.py did not change: the test did
    ]


def test_every_format(lying: Path, tg: Callable[..., Run]) -> None:
    sarif = json.loads(tg(lying, "hygiene", "--format", "sarif").out)
    run = sarif["runs"][0]
    results = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run["results"]}
    assert ("TG801", "app/client.py") in results and ("TG803", "app/orders.py") in results
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert {"TG801", "TG802", "TG803"} <= set(rules)
    assert "import-cycle" == rules["TG803"]["name"]
    github = tg(lying, "hygiene", "--format", "github").out
    assert "::error file=app/limits.py,line=5,col=1,endColumn=1,title=TG802::placeholder class" in github
    junit = tg(lying, "hygiene", "--format", "junit").out
    assert junit.count("<failure") == 9


def test_run_includes_it_when_the_project_has_packages_and_check_does_not(
    lying: Path, tg: Callable[..., Run]
) -> None:
    run = tg(lying, "run", "--format", "json", "--checks", "hygiene,exits")
    assert "hygiene" in run.json()["checks"]
    configured = tg(lying, "run", "--format", "json")
    assert "hygiene" in configured.json()["checks"]
    static = tg(lying, "check", "--format", "json")
    assert "hygiene" not in static.json()["checks"]


def test_files_it_cannot_read_are_reported_and_the_rest_is_checked(
    lying: Path, tg: Callable[..., Run]
) -> None:
    os.symlink("gone.py", lying / "app" / "dangling.py")
    pyproject = lying / "pyproject.toml"
    write(lying, {"app/huge.py": "x = 1\n" * 2000})
    limit = "[tool.testguard]\nmax-file-size = 5000\n\n[tool.testguard.hygiene]"
    pyproject.write_text(pyproject.read_text().replace("[tool.testguard.hygiene]", limit))
    run = tg(lying, "hygiene", "--format", "json")
    assert run.code == 1 and "internal error" not in run.err
    unread = [(f["path"], f["code"]) for f in run.json()["findings"] if f["code"] == "TG001"]
    assert unread == [("app/dangling.py", "TG001"), ("app/huge.py", "TG001")]
    assert len(findings(run)) == 9 + 2



@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_named_pipe_among_the_files_is_reported_not_waited_on(lying: Path) -> None:
    os.mkfifo(lying / "app" / "pipe.py")
    run = run_testguard(lying, "hygiene", "--format", "json", timeout=120)  # it used to wait forever
    assert run.code == 1 and "internal error" not in run.err
    unread = [(f["path"], f["message"].split(";")[0]) for f in run.json()["findings"] if f["code"] == "TG001"]
    assert unread == [("app/pipe.py", "file not checked: not a regular file")]
    assert len(findings(run)) == 9 + 1


def test_given_production_files_that_do_not_decode_or_compile_are_tg001(
    lying: Path, tg: Callable[..., Run]
) -> None:
    """A hook call names them: an import of them would fail, and their imports are only a guess."""
    (lying / "app" / "latin.py").write_bytes(b"x = 1\nname = '\xff'\n")
    write(lying, {"app/broken.py": "def f(:\n    pass\n"})
    (lying / "app" / "blob.py").write_bytes(b"\x00\x01binary")
    given = ["app/latin.py", "app/broken.py", "app/blob.py", "app/missing.py"]
    run = tg(lying, "hygiene", "--format", "json", *given)
    assert run.code == 1 and "internal error" not in run.err
    unread = sorted((f["path"], f["line"], f["message"].split(";")[0]) for f in run.json()["findings"]
                    if f["code"] == "TG001")
    assert unread == [
        ("app/blob.py", 1, "binary file (contains NUL bytes)"),
        ("app/broken.py", 1, "syntax error: invalid syntax"),
        ("app/latin.py", 2, "not valid utf-8 (byte 0xff at offset 14)"),
        ("app/missing.py", 1, "file not found"),
    ]
    whole = tg(lying, "hygiene", "--format", "json")
    assert len(findings(whole)) == 9, "the whole-project run reads them as text, as before"

@pytest.mark.slow
def test_pre_commit_hook_reports_a_staged_test_of_a_stub(tmp_path: Path) -> None:
    git_init(tmp_path)
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "app"\n',
        "app/__init__.py": "",
        "app/engine.py": "class Engine:\n    pass\n",
        "tests/test_ok.py": "def test_ok():\n    assert True\n",
    })
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "start")
    write(tmp_path, {"tests/test_engine.py": "from app.engine import Engine\n"})
    git(tmp_path, "add", "tests/test_engine.py")
    result = try_repo(tmp_path, "production-hygiene")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "app/engine.py:1:1: TG802 placeholder class 'Engine'" in result.stdout


def test_a_thousand_stubs_that_a_test_imports_are_read_without_parsing_each_module_per_stub(
    tmp_path: Path,
) -> None:
    """Plugin modules with a stub ``main`` each, all imported by a test: each production module
    was parsed once per stub to see whether it uses the name (a million parses, minutes)."""
    helpers = "".join(f"def helper{j}(x):\n    return x + {j}\n\n" for j in range(30))
    plugin = helpers + "def main():\n    pass\n\nif __name__ == '__main__':\n    main()\n"
    files: dict[str, str | bytes] = {f"app/plugin{i}.py": plugin for i in range(1000)}
    files["pyproject.toml"] = '[project]\nname = "app"\n'
    files["app/__init__.py"] = ""
    files["tests/test_plugins.py"] = "".join(f"from app.plugin{i} import main as main{i}\n" for i in range(1000))
    write(tmp_path, files)
    run = run_testguard(tmp_path, "hygiene", "--format", "json", timeout=60)  # took minutes
    assert run.code == 1, run.err
    got = findings(run)
    assert len(got) == 1000 and {code for _, _, code in got} == {"TG802"}
    assert ("app/plugin7.py", 91, "TG802") in got


def test_a_module_of_unclosed_parenthesised_imports_is_read_in_one_pass(tmp_path: Path) -> None:
    """Each ``from m import (`` without its ``)`` was followed to the end of the file: a
    generated or damaged module of 60,000 of them took minutes to read."""
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "app"\n',
        "app/__init__.py": "",
        "app/generated.py": "from app.models import (\n" * 60_000,
    })
    run = run_testguard(tmp_path, "hygiene", "--format", "json", "app/generated.py", timeout=60)
    assert run.code == 1, run.err
    assert [(f["path"], f["code"], f["message"].split(";")[0]) for f in run.json()["findings"]] == [
        ("app/generated.py", "TG001", "syntax error: too many nested parentheses")
    ]


def test_an_unclosed_import_list_of_commented_lines_is_read_in_one_pass(tmp_path: Path) -> None:
    """A comment that could end anywhere made the statement reader backtrack exponentially in
    an unclosed list: fifty commented lines hung the run (the 60 s guard is far above a pass)."""
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "app"\n',
        "app/__init__.py": "",
        "app/generated.py": "from app.models import (\n" + "    Order,  # see the schema\n" * 2_000,
    })
    run = run_testguard(tmp_path, "hygiene", "--format", "json", "app/generated.py", timeout=60)
    assert run.code == 1, run.err
    assert [(f["path"], f["code"]) for f in run.json()["findings"]] == [("app/generated.py", "TG001")]


def test_a_parenthesis_in_a_comment_of_an_import_list_does_not_hide_the_import(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "app"\n',
        "app/__init__.py": "",
        "app/core.py": "from tests.helpers import (  # noqa: F401 (re-exported)\n    fake,\n)\n",
        "tests/__init__.py": "",
        "tests/helpers.py": "def fake():\n    return 1\n",
    })
    run = tg(tmp_path, "hygiene", "--format", "json")
    assert run.code == 1, run.out + run.err  # it passed: the statement read up to the comment's ')'
    assert findings(run) == [("app/core.py", 1, "TG801")]


def test_a_package_directory_that_cannot_be_listed_is_tg001_and_the_rest_is_checked(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "app"\n',
        "app/__init__.py": "",
        "app/core.py": "import tests.helpers\n",
        "app/secret/__init__.py": "import tests.helpers\n",
        "tests/__init__.py": "",
        "tests/helpers.py": "",
        "tests/private/test_p.py": "",
        "pgdata/base.py": "",
    })
    locked = [tmp_path / "app" / "secret", tmp_path / "tests" / "private", tmp_path / "pgdata"]
    run = run_testguard_locked(tmp_path, locked, "hygiene", "--format", "json", timeout=120)
    assert run.code == 1, run.err
    got = [(f["path"], f["code"], f["message"]) for f in run.json()["findings"]]
    assert got == [  # app/secret was passed over in silence
        ("app/core.py", "TG801", got[0][2]),
        ("app/secret", "TG001", "cannot read directory: Permission denied; the modules in it are not checked"
         " — make it readable, or add it to 'exclude' in [tool.testguard]"),
    ]


def test_a_package_reached_through_a_symbolic_link_is_read_once_and_links_out_are_not_followed(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    """``app -> ../shared/app`` (a package shared between projects): Python imports through the
    link, so its modules are production code; discovery does not follow links, so they passed."""
    project, shared = tmp_path / "project", tmp_path / "shared"
    write(shared, {
        "app/__init__.py": "",
        "app/core.py": "from tests.helpers import fake\n",
        "plugins/__init__.py": "",
        "plugins/extra.py": "import tests.helpers\n",
        "data/notes.py": "import tests.helpers\n",
    })
    write(project, {
        "pyproject.toml": '[project]\nname = "app"\n',
        "tests/__init__.py": "",
        "tests/helpers.py": "def fake():\n    return 1\n",
    })
    os.symlink(shared / "app", project / "app")
    os.symlink(shared / "plugins", shared / "app" / "plugins")  # a package: followed
    os.symlink(shared / "data", shared / "app" / "data")  # no package: not followed
    os.symlink(".", shared / "app" / "loop")  # a loop: each directory is read once
    expected = [("app/core.py", 1, "TG801"), ("app/plugins/extra.py", 1, "TG801")]
    run = tg(project, "hygiene", "--format", "json")
    assert run.code == 1, run.out + run.err
    assert findings(run) == expected
    hook = tg(project, "hygiene", "--format", "json", "app/core.py")
    assert findings(hook) == expected[:1]


@pytest.mark.parametrize("importer", ["package", "module"])
def test_a_package_and_a_module_of_the_same_name_the_package_is_the_one_imported(
    tmp_path: Path, tg: Callable[..., Run], importer: str
) -> None:
    """``app/util/__init__.py`` beside ``app/util.py``: ``import app.util`` runs the package; the
    module was taken for it (a cycle through the package was missed, one through the module made up)."""
    cycle = "import app.core\n"
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "app"\n',
        "app/__init__.py": "",
        "app/core.py": "import app.util\n",
        "app/util/__init__.py": cycle if importer == "package" else "X = 1\n",
        "app/util.py": cycle if importer == "module" else "X = 1\n",
    })
    run = tg(tmp_path, "hygiene", "--format", "json")
    expected = [("app/util/__init__.py", 1, "TG803")] if importer == "package" else []
    assert findings(run) == expected, run.out + run.err


@pytest.mark.parametrize(
    "source",
    [b"\xef\xbb\xbfimport tests.helpers\r\n", b"x = 1\rimport tests.helpers\r", b"x = 1\n\x0cimport tests.helpers\n",
     b"x = 1\n  \x0cimport tests.helpers\n"],
    ids=["byte-order-mark", "carriage-returns", "form-feed", "form-feed-in-indent"],
)
def test_an_import_that_python_runs_is_read_whatever_the_line_ends_and_marks(
    tmp_path: Path, tg: Callable[..., Run], source: bytes
) -> None:
    """CPython skips a BOM, ends lines at a lone CR and resets the indentation at a form
    feed; the statement reader did not, and the import of test code passed."""
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "app"\n',
        "app/__init__.py": "",
        "app/core.py": source,
        "tests/__init__.py": "",
        "tests/helpers.py": "",
    })
    compile(source, "core.py", "exec")  # Python runs it
    run = tg(tmp_path, "hygiene", "--format", "json")
    line = 1 if source.startswith(b"\xef") else 2
    assert findings(run) == [("app/core.py", line, "TG801")], run.out + run.err


@pytest.mark.parametrize("nested", ["1+" * 100_000 + "1", "-" * 100_000 + "1", "a." * 100_000 + "b"])
def test_a_module_nested_too_deeply_for_the_parser_is_read_from_its_text(
    tmp_path: Path, tg: Callable[..., Run], nested: str
) -> None:
    """CPython's parser gives up with RecursionError or a bare MemoryError: that ended the run
    with an internal error."""
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "app"\n',
        "app/__init__.py": "",
        "app/core.py": f"import tests.helpers\n\nclass Engine:\n    pass\n\nx = {nested}\n",
        "tests/__init__.py": "",
        "tests/helpers.py": "",
        "tests/test_core.py": "from app.core import Engine\n",
    })
    run = tg(tmp_path, "hygiene", "--format", "json")
    assert run.code == 1 and "internal error" not in run.err, run.err
    assert findings(run) == [("app/core.py", 1, "TG801")]
    hook = tg(tmp_path, "hygiene", "--format", "json", "app/core.py")
    assert hook.code == 1 and "internal error" not in hook.err, hook.err
    assert findings(hook) == [("app/core.py", 1, "TG001"), ("app/core.py", 1, "TG801")]


def test_a_source_root_reached_through_a_symbolic_link_is_read(tmp_path: Path, tg: Callable[..., Run]) -> None:
    """``src -> ../shared/src``: the package below it is no link itself, and was passed over."""
    project, shared = tmp_path / "project", tmp_path / "shared"
    write(shared, {"src/app/__init__.py": "", "src/app/core.py": "import tests.helpers\n"})
    write(project, {"pyproject.toml": '[project]\nname = "app"\n', "tests/__init__.py": "", "tests/helpers.py": ""})
    os.symlink(shared / "src", project / "src")
    run = tg(project, "hygiene", "--format", "json")
    assert findings(run) == [("src/app/core.py", 1, "TG801")], run.out + run.err


def test_a_stub_a_test_takes_through_a_star_import_is_reported(tmp_path: Path, tg: Callable[..., Run]) -> None:
    """``from app.limits import *`` then ``RateLimiter()``: the star import bound no name the
    check looked at, so the stub passed."""
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "app"\n',
        "app/__init__.py": "",
        "app/limits.py": "class RateLimiter:\n    pass\n\n\ndef _hidden():\n    pass\n\n\ndef unused():\n    pass\n",
        "tests/test_limits.py": "from app.limits import *\n\n\ndef test_limit():\n    assert RateLimiter()\n"
                                "    assert _hidden\n",
    })
    run = tg(tmp_path, "hygiene", "--format", "json")
    assert findings(run) == [("app/limits.py", 1, "TG802")], run.out + run.err
    assert "is imported by tests/test_limits.py" in run.json()["findings"][0]["message"]
    hook = tg(tmp_path, "hygiene", "--format", "json", "tests/test_limits.py")
    assert findings(hook) == [("app/limits.py", 1, "TG802")]
