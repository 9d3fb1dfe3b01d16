"""``testguard mocks --inventory``: per-file and total counts by class and kind, bands, replacements."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run

FIXTURE = Path(__file__).parent / "fixtures" / "mocks" / "project"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "project")
    return tmp_path / "project"


def test_inventory_counts_per_file_and_in_total(project: Path, tg: Callable[..., Run]) -> None:
    run = tg(project, "mocks", "--inventory", "--format", "json", "--no-cache")
    assert run.code == 0  # an inventory is a report
    inventory = run.json()["checks"]["mocks"]["sections"]["inventory"]
    files = {f["path"]: f for f in inventory["files"]}
    assert set(files) == {"tests/mocks_all.py", "tests/mocks_aliases.py"}
    everything = files["tests/mocks_all.py"]
    assert everything["uses"] == 22  # patches and mock objects, not imports or the fixture
    assert everything["band"] == "complex"
    assert everything["by_class"] == {
        "first-party": 7, "http": 4, "unknown": 3, "clock": 2, "environment": 2,
        "filesystem": 2, "database": 1, "subprocess": 1,
    }
    assert everything["by_kind"]["import"] == 2
    assert everything["by_kind"]["mocker-fixture"] == 1
    assert everything["by_kind"]["patch"] == 7
    aliases = files["tests/mocks_aliases.py"]
    assert (aliases["uses"], aliases["band"]) == (4, "moderate")
    assert aliases["by_class"] == {"clock": 2, "first-party": 1, "unknown": 1}
    totals = inventory["totals"]
    assert (totals["uses"], totals["files"]) == (26, 2)
    assert totals["by_class"]["first-party"] == 8
    assert totals["by_class"]["clock"] == 4
    assert sum(totals["by_kind"].values()) == 26 + 7 + 1
    assert set(inventory["replacements"]) == set(totals["by_class"])
    assert "tmp_path" in inventory["replacements"]["filesystem"]


def test_inventory_in_text(project: Path, tg: Callable[..., Run]) -> None:
    run = tg(project, "mocks", "--inventory", "--no-cache")
    assert run.code == 0
    assert "Mock inventory: 26 uses in 2 files" in run.out
    assert "tests/mocks_aliases.py: clock 2, first-party 1, unknown 1" in run.out


def test_no_inventory_without_the_option(project: Path, tg: Callable[..., Run]) -> None:
    run = tg(project, "mocks", "--format", "json", "--no-cache")
    assert run.code == 1
    assert "inventory" not in run.json()["checks"]["mocks"]["sections"]


def test_simple_band(project: Path, tg: Callable[..., Run]) -> None:
    (project / "tests" / "mocks_one.py").write_text(
        "from unittest import mock\n\n\ndef test_it():\n    mock.patch('uuid.uuid4')\n"
    )
    run = tg(project, "mocks", "--inventory", "--format", "json", "--no-cache", "tests/mocks_one.py")
    files = run.json()["checks"]["mocks"]["sections"]["inventory"]["files"]
    assert files == [{
        "path": "tests/mocks_one.py", "uses": 1, "band": "simple",
        "by_class": {"clock": 1}, "by_kind": {"import": 1, "patch": 1},
    }]


def test_inventory_in_the_markdown_summary(project: Path, tg: Callable[..., Run]) -> None:
    summary = project / "summary.md"
    run = tg(project, "mocks", "--inventory", "--no-cache", "--summary", str(summary))
    assert run.code == 0
    text = summary.read_text()
    assert "Mock inventory" in text
    assert "| first-party | 8 |" in text
    assert "tmp_path" in text  # the replacement for filesystem mocks


def test_files_are_listed_simplest_first_as_the_migration_starts(project: Path, tg: Callable[..., Run]) -> None:
    """The README's advice, start with the simple files, can be followed top-down."""
    (project / "tests" / "mocks_one.py").write_text(
        "from unittest import mock\n\n\ndef test_it():\n    mock.patch('uuid.uuid4')\n"
    )
    (project / "tests" / "mocks_two.py").write_text(
        "from unittest import mock\n\n\ndef test_it():\n    mock.patch('uuid.uuid4')\n    mock.patch('time.time')\n"
    )
    (project / "tests" / "mocks_import_only.py").write_text("from unittest import mock\n")
    run = tg(project, "mocks", "--inventory", "--format", "json", "--no-cache")
    inventory = run.json()["checks"]["mocks"]["sections"]["inventory"]
    assert [(f["path"], f["band"]) for f in inventory["files"]] == [
        ("tests/mocks_one.py", "simple"),
        ("tests/mocks_two.py", "simple"),
        ("tests/mocks_aliases.py", "moderate"),
        ("tests/mocks_all.py", "complex"),
        ("tests/mocks_import_only.py", "none"),
    ]
    assert inventory["totals"]["by_band"] == {"simple": 2, "moderate": 1, "complex": 1, "none": 1}
    text = tg(project, "mocks", "--inventory", "--no-cache").out
    assert "  files by band: simple 2, moderate 1, complex 1, none 1 (simple 1-2 uses" in text
    rows = [line for line in text.splitlines() if "  tests/mocks_" in line]
    assert [row.split("tests/")[1].split(":")[0] for row in rows] == [
        "mocks_one.py", "mocks_two.py", "mocks_aliases.py", "mocks_all.py", "mocks_import_only.py"
    ]
