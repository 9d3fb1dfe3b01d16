"""The mock ban on a real project: every kind of mock use, its code, place, class and target."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, write, sample

FIXTURE = Path(__file__).parent / "fixtures" / "mocks" / "project"

# (line, col, code, kind, class, target) in tests/mocks_all.py
ALL = [
    (3, 22, "TG201", "import", None, "unittest.mock"),
    (4, 1, "TG201", "import", None, "unittest.mock"),
    (10, 2, "TG203", "patch", "http", "mypkg.billing.requests"),
    (15, 2, "TG202", "patch.object", "first-party", "mypkg.billing.charge"),
    (17, 10, "TG203", "patch", "subprocess", "mypkg.billing.subprocess.run"),
    (19, 10, "TG203", "patch.dict", "environment", "os.environ"),
    (21, 5, "TG202", "patch.multiple", "first-party", "mypkg.billing.charge"),
    (22, 14, "TG204", "mock-object", "unknown", None),
    (23, 12, "TG204", "mock-object", "first-party", "mypkg.billing.Client"),
    (24, 15, "TG204", "mock-object", "http", "mypkg.billing.requests.Session"),
    (25, 11, "TG203", "patch", "clock", "mypkg.billing.datetime"),
    (26, 14, "TG203", "patch", "filesystem", "mypkg.billing.open"),
    (27, 10, "TG203", "patch", "database", "mypkg.billing.engine"),
    (28, 18, "TG202", "patch", "first-party", "mypkg.charge"),
    (29, 14, "TG203", "patch", "filesystem", "mypkg.billing.util.os.getcwd"),
    (32, 17, "TG205", "mocker-fixture", None, "pytest_mock"),
    (33, 5, "TG203", "mocker.patch", "http", "mypkg.billing.session"),
    (34, 5, "TG202", "mocker.patch.object", "first-party", "mypkg.billing.Client.send"),
    (35, 5, "TG202", "mocker.spy", "first-party", "mypkg.billing.charge"),
    (36, 5, "TG204", "mock-object", "unknown", None),
    (37, 5, "TG203", "monkeypatch.setattr", "http", "mypkg.billing.requests"),
    (38, 5, "TG202", "monkeypatch.setattr", "first-party", "mypkg.billing.charge"),
    (39, 5, "TG203", "monkeypatch.setattr", "environment", "os.environ"),
    (40, 5, "TG203", "monkeypatch.delattr", "clock", "time.sleep"),
    (45, 14, "TG203", "patch.object", "unknown", None),
]

ALIASES = [
    (1, 8, "TG201", "import", None, "unittest.mock"),
    (2, 8, "TG201", "import", None, "mock"),
    (3, 8, "TG201", "import", None, "pytest_mock"),
    (4, 1, "TG201", "import", None, "mock"),
    (5, 1, "TG201", "import", None, "unittest.mock"),
    (9, 10, "TG203", "patch", "clock", "time.time"),
    (11, 5, "TG203", "patch", "clock", "uuid.uuid4"),
    (12, 5, "TG202", "patch", "first-party", "mypkg.billing.run_report"),
    (13, 5, "TG204", "mock-object", "unknown", None),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "project")
    return tmp_path / "project"


def rows(run: Run, name: str) -> list[tuple[object, ...]]:
    out = []
    for f in run.json()["findings"]:
        if f["path"] == f"tests/{name}":
            d = f["details"]
            cls = d["class"] if f["code"] not in ("TG201", "TG205") else None
            out.append((f["line"], f["col"], f["code"], d["kind"], cls, d["target"]))
    return out


def test_every_kind_of_mock_use(project: Path, tg: Callable[..., Run]) -> None:
    run = tg(project, "mocks", "--format", "json", "--no-cache")
    assert run.code == 1
    assert rows(run, "mocks_all.py") == ALL
    assert rows(run, "mocks_aliases.py") == ALIASES


def test_nothing_in_clean_tests_production_code_or_setenv(project: Path, tg: Callable[..., Run]) -> None:
    run = tg(project, "mocks", "--format", "json", "--no-cache")
    paths = {f["path"] for f in run.json()["findings"]}
    assert paths == {"tests/mocks_all.py", "tests/mocks_aliases.py"}
    # Production code is not test code even when named on the command line (as pre-commit does).
    run = tg(project, "mocks", "--format", "json", "--no-cache", "src/mypkg/production.py", "tests/mocks_clean.py")
    assert (run.code, run.json()["findings"]) == (0, [])


def test_messages_name_what_is_replaced(project: Path, tg: Callable[..., Run]) -> None:
    run = tg(project, "mocks", "--no-cache", "tests/mocks_all.py")
    lines = run.out.splitlines()
    assert "tests/mocks_all.py:10:2: TG203 patch of 'mypkg.billing.requests' replaces the requests module (http)" in lines
    assert (
        "tests/mocks_all.py:27:10: TG203 patch of 'mypkg.billing.engine' replaces"
        " 'sqlalchemy.create_engine()' (database)" in lines
    )
    assert (
        "tests/mocks_all.py:15:2: TG202 patch.object of 'mypkg.billing.charge' replaces"
        " the project's own code (first-party)" in lines
    )
    assert "tests/mocks_all.py:40:5: TG203 monkeypatch.delattr replaces 'time.sleep' (clock)" in lines


def test_resolved_target_in_details(project: Path, tg: Callable[..., Run]) -> None:
    run = tg(project, "mocks", "--format", "json", "--no-cache", "tests/mocks_all.py")
    resolved = {f["line"]: f["details"]["resolved"] for f in run.json()["findings"] if "resolved" in f["details"]}
    assert resolved[10] == "requests"
    assert resolved[17] == "subprocess.run"
    assert resolved[26] == "builtins.open"
    assert resolved[28] == "mypkg.billing.charge"  # the re-export in mypkg/__init__.py followed


def test_hook_entry_point_checks_only_the_given_files(project: Path, tg: Callable[..., Run]) -> None:
    run = tg(project, "mocks", "--format", "json", "--no-cache", "tests/mocks_aliases.py")
    assert {f["path"] for f in run.json()["findings"]} == {"tests/mocks_aliases.py"}


def test_inline_suppression(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {"tests/mocks_suppressed.py": sample("mocks_1.py")})
    run = tg(project, "mocks", "--format", "json", "--no-cache", "tests/mocks_suppressed.py")
    assert (run.code, run.json()["findings"]) == (0, [])


def test_check_runs_mocks_exits_and_fallbacks_in_one_pass(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {"tests/test_exit.py": "import sys\nsys.exit(1)\n"})
    run = tg(project, "check", "--format", "json", "--no-cache")
    checks = {f["check"] for f in run.json()["findings"]}
    assert checks == {"mocks", "exits", "fallbacks"}
    mocks = [f for f in run.json()["findings"] if f["check"] == "mocks"]
    assert len(mocks) == len(ALL) + len(ALIASES)


def test_cached_run_gives_the_same_findings(project: Path, tg: Callable[..., Run]) -> None:
    cold = tg(project, "mocks", "--format", "json")
    warm = tg(project, "mocks", "--format", "json")
    assert cold.json()["findings"] == warm.json()["findings"]
    assert (project / ".testguard_cache").is_dir()


def test_targets_built_from_module_constants(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {"tests/mocks_built.py": sample("mocks_2.py")})
    run = tg(project, "mocks", "--format", "json", "--no-cache", "tests/mocks_built.py")
    got = [(f["line"], f["details"]["class"], f["details"]["target"]) for f in run.json()["findings"][1:]]
    assert got == [
        (8, "subprocess", "mypkg.billing.subprocess"),
        (9, "http", "mypkg.billing.requests.post"),
        (10, "first-party", "mypkg.billing.charge"),
        (14, "unknown", None),
    ]


def test_other_names_for_monkeypatch(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {"tests/mocks_monkeypatch.py": """\
        import pytest

        from mypkg import billing


        def test_context(monkeypatch):
            with monkeypatch.context() as m:
                m.setattr(billing, "charge", None)


        def test_class():
            with pytest.MonkeyPatch.context() as mp:
                mp.delattr(billing, "session")
                mp.setenv("MYPKG_MODE", "test")
    """})
    run = tg(project, "mocks", "--format", "json", "--no-cache", "tests/mocks_monkeypatch.py")
    got = [(f["line"], f["code"], f["details"]["kind"], f["details"]["class"]) for f in run.json()["findings"]]
    assert got == [
        (8, "TG202", "monkeypatch.setattr", "first-party"),
        (13, "TG203", "monkeypatch.delattr", "http"),
    ]


def test_objects_made_in_the_test_are_followed(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {"tests/mocks_locals.py": sample("mocks_3.py")})
    run = tg(project, "mocks", "--format", "json", "--no-cache", "tests/mocks_locals.py")
    got = [(f["line"], f["code"], f["details"]["class"], f["details"]["target"]) for f in run.json()["findings"][1:]]
    assert got == [
        (15, "TG202", "first-party", "mypkg.billing.Client.send"),
        (17, "TG203", "http", "requests.Session.get"),
        (24, "TG202", "first-party", "mypkg.billing.Client.send"),
        (24, "TG203", "unknown", None),
    ]


def test_imports_under_type_checking_are_not_findings(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {"tests/test_typing_only.py": sample("mocks_typing_only.py")})
    run = tg(project, "mocks", "--format", "json", "--no-cache", "tests/test_typing_only.py")
    found = [(f["line"], f["code"], f["details"]["kind"]) for f in run.json()["findings"]]
    # the else branch runs; the fixture's use is its own finding
    assert found == [(12, "TG201", "import"), (15, "TG205", "mocker-fixture")]


def test_uses_after_import_unittest_mock_are_reported_for_what_they_do(
    project: Path, tg: Callable[..., Run]
) -> None:
    write(project, {
        "tests/test_unittest_mock.py": sample("mocks_unittest_mock.py"),
        "tests/test_unittest_only.py": sample("mocks_unittest_only.py"),
    })
    run = tg(project, "mocks", "--format", "json", "--no-cache",
             "tests/test_unittest_mock.py", "tests/test_unittest_only.py")
    found = [(f["path"][6:], f["line"], f["code"], f["details"]["kind"]) for f in run.json()["findings"]]
    assert found == [
        # the import, once; each use for what it does: a mock object, a patch, nothing
        ("test_unittest_mock.py", 2, "TG201", "import"),
        ("test_unittest_mock.py", 6, "TG204", "mock-object"),
        ("test_unittest_mock.py", 7, "TG203", "patch"),
        # without an import of the library, it enters the file at its first use, reported once
        ("test_unittest_only.py", 5, "TG201", "import"),
        ("test_unittest_only.py", 6, "TG204", "mock-object"),
    ]


def test_target_classes_stdlib_test_local_and_wrapped(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {
        "tests/helpers.py": """\
            class FakeClock:
                def now(self):
                    return 0
        """,
        "tests/test_classes.py": sample("mocks_classes.py"),
    })
    run = tg(project, "mocks", "--format", "json", "--no-cache", "tests/test_classes.py")
    got = [
        (f["line"], f["details"]["class"], f["details"].get("part"), f["details"]["target"])
        for f in run.json()["findings"][1:]
    ]
    assert got == [
        (17, "stdlib", "fs", "sys.getfilesystemencoding"),
        (18, "stdlib", "interpreter", "sys._getframe"),
        (19, "stdlib", "import", "importlib.metadata.distributions"),
        (20, "stdlib", "io", "json.loads"),
        (21, "stdlib", None, "xdrlib.Packer"),  # gone from Python 3.13, stdlib before
        (25, "test-local", None, "tests.test_classes.A"),
        (26, "test-local", None, "tests.test_classes.A.f"),
        (27, "test-local", None, "tests.test_classes.helper"),
        (29, "test-local", None, "tests.test_classes.A.f"),
        (30, "test-local", None, "tests.helpers.FakeClock.now"),
        (34, "environment", None, "sys.stdin"),
        (36, "first-party", None, "mypkg.billing.Client"),
        (40, "unknown", None, None),
    ]
    text = tg(project, "mocks", "--no-cache", "tests/test_classes.py").out
    assert "replaces 'sys._getframe' (stdlib: interpreter)" in text
    assert "tests/test_classes.py:26:5: TG203 patch.object of 'A.f' replaces code the test file defines itself (test-local)" in text


def test_replacing_the_main_module_is_the_interpreters_not_a_library(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {"tests/test_main.py": sample("mocks_main_module.py")})
    run = tg(project, "mocks", "--format", "json", "--no-cache", "tests/test_main.py")
    [patched] = [f for f in run.json()["findings"] if f["code"] == "TG203"]
    assert (patched["details"]["class"], patched["details"].get("part"), patched["details"]["target"]) == (
        "stdlib", "interpreter", "__main__"
    )


def test_new_classes_can_be_allowed(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {
        "pyproject.toml": '[project]\nname = "mypkg"\n\n[tool.testguard.mocks]\nallow = ["stdlib", "test-local"]\n',
        "tests/test_allowed.py": sample("mocks_allowed.py"),
    })
    run = tg(project, "mocks", "--format", "json", "--no-cache", "tests/test_allowed.py")
    assert (run.code, run.json()["findings"]) == (0, [])


def test_inventory_names_the_new_classes_and_what_to_use(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {"tests/test_inv.py": sample("mocks_inventory_classes.py")})
    run = tg(project, "mocks", "--inventory", "--format", "json", "--no-cache", "tests/test_inv.py")
    inventory = run.json()["checks"]["mocks"]["sections"]["inventory"]
    assert inventory["totals"]["by_class"] == {"stdlib": 1, "test-local": 1}
    assert set(inventory["replacements"]) == {"stdlib", "test-local"}


def test_a_target_behind_a_directory_that_cannot_be_searched_is_classified_not_a_crash(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    import conftest

    write(tmp_path, {
        "pyproject.toml": "[project]\nname = 'mypkg'\n",
        "mypkg/__init__.py": "",
        "mypkg/secret/__init__.py": "",
        "tests/test_a.py": "from unittest import mock\n\n\ndef test_a():\n"
                           "    with mock.patch('mypkg.secret.thing.x'):\n        pass\n",
    })
    secret = tmp_path / "mypkg" / "secret"
    prefix = conftest.without_root_powers()
    secret.chmod(0)
    try:
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "testguard", "mocks", "--format", "json"],
            cwd=tmp_path, capture_output=True, text=True, env=conftest.testguard_env(), timeout=300,
            check=False,
        )
    finally:
        secret.chmod(0o755)
    run = Run(proc.returncode, proc.stdout, proc.stderr)
    assert "internal error" not in run.err, run.err
    assert run.code == 1, run.out + run.err
    patched = [f for f in run.json()["findings"] if f["code"] == "TG202"]
    assert [f["details"]["class"] for f in patched] == ["first-party"]
