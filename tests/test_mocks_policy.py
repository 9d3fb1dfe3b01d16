"""The allow policy: strict by default; allowed classes and targets are not reported."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, write, sample

FIXTURE = Path(__file__).parent / "fixtures" / "mocks" / "project"

HTTP_ONLY = sample("mocks_policy_1.py")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "project")
    return tmp_path / "project"


def configure(project: Path, table: str) -> None:
    text = (project / "pyproject.toml").read_text()
    (project / "pyproject.toml").write_text(text + "\n[tool.testguard.mocks]\n" + table + "\n")


def found(run: Run, name: str) -> list[tuple[int, str]]:
    return [(f["line"], f["code"]) for f in run.json()["findings"] if f["path"] == f"tests/{name}"]


def test_strict_by_default_reports_every_use(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {"tests/mocks_http.py": HTTP_ONLY})
    run = tg(project, "mocks", "--format", "json", "--no-cache", "tests/mocks_http.py")
    assert found(run, "mocks_http.py") == [(1, "TG201"), (4, "TG203"), (6, "TG204"), (9, "TG205"), (10, "TG203")]
    assert run.code == 1


def test_allowed_class_used_alone_reports_nothing(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {"tests/mocks_http.py": HTTP_ONLY})
    configure(project, 'allow = ["http"]')
    run = tg(project, "mocks", "--format", "json", "--no-cache", "tests/mocks_http.py")
    assert (run.code, run.json()["findings"]) == (0, [])


def test_allowed_class_next_to_denied_ones(project: Path, tg: Callable[..., Run]) -> None:
    configure(project, 'allow = ["http"]')
    run = tg(project, "mocks", "--format", "json", "--no-cache", "tests/mocks_all.py")
    lines = found(run, "mocks_all.py")
    # The http patches (lines 10, 24, 33, 37) are allowed; the file and test_mocker mock other things.
    assert not {10, 24, 33, 37} & {line for line, _ in lines}
    assert (3, "TG201") in lines and (32, "TG205") in lines
    assert (15, "TG202") in lines and (27, "TG203") in lines


def test_allow_targets_globs(project: Path, tg: Callable[..., Run]) -> None:
    configure(project, 'allow-targets = ["time.*", "mypkg.billing.run_report"]')
    run = tg(project, "mocks", "--format", "json", "--no-cache", "tests/mocks_aliases.py")
    # time.time and run_report allowed; uuid4 is not, so the test and the file still mock.
    assert found(run, "mocks_aliases.py") == [
        (1, "TG201"), (2, "TG201"), (3, "TG201"), (4, "TG201"), (5, "TG201"), (11, "TG203"), (13, "TG204"),
    ]


def test_allow_targets_cover_everything_under_a_name(project: Path, tg: Callable[..., Run]) -> None:
    write(project, {"tests/mocks_smtp.py": sample("mocks_policy_2.py")})
    configure(project, 'allow-targets = ["smtplib.SMTP"]')
    run = tg(project, "mocks", "--format", "json", "--no-cache", "tests/mocks_smtp.py")
    assert (run.code, run.json()["findings"]) == (0, [])


def test_project_classes_extend_the_tables(project: Path, tg: Callable[..., Run]) -> None:
    configure(project, 'classes = { database = ["uuid"], http = ["mypkg.billing.run_report"] }')
    run = tg(project, "mocks", "--format", "json", "--no-cache", "tests/mocks_aliases.py")
    classes = {f["line"]: f["details"]["class"] for f in run.json()["findings"] if f["code"] != "TG201"}
    assert classes[11] == "database"
    assert classes[12] == "http"
    assert classes[9] == "clock"


def test_unknown_class_in_allow_is_a_usage_error(project: Path, tg: Callable[..., Run]) -> None:
    configure(project, 'allow = ["network"]')
    run = tg(project, "mocks", "--no-cache")
    assert run.code == 2
    assert "allow" in run.err


SPEC_AND_BARE = sample("mocks_policy_spec_and_bare.py")


def test_an_allowed_mock_object_does_not_excuse_a_bare_mock_next_to_it(
    project: Path, tg: Callable[..., Run]
) -> None:
    """Only an allowed patch excuses a bare mock (it configures the patched double); an
    allowed `create_autospec(requests.Session)` does not: the bare MagicMock stands in for
    something nobody allowed."""
    write(project, {"tests/mocks_spec.py": SPEC_AND_BARE})
    configure(project, 'allow = ["http"]')
    run = tg(project, "mocks", "--format", "json", "--no-cache", "tests/mocks_spec.py")
    assert found(run, "mocks_spec.py") == [(1, "TG201"), (8, "TG204")]
    assert run.code == 1
    # the allow list covers it when it says so
    (project / "pyproject.toml").write_text(
        '[project]\nname = "mypkg"\nversion = "0.1"\n\n[tool.testguard.mocks]\nallow = ["http", "unknown"]\n'
    )
    covered = tg(project, "mocks", "--format", "json", "--no-cache", "tests/mocks_spec.py")
    assert (covered.code, covered.json()["findings"]) == (0, [])
