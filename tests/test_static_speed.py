"""The speed-ups of the static pass keep its answers: prefilters, names, discovery, reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, run_testguard, sample, write
from conftest import testguard_env as env_for_testguard
from testguard.checks.exits.detect import PREFILTER as EXITS
from testguard.checks.fallbacks.detect import PREFILTER as FALLBACKS
from testguard.checks.mocks.scan import PREFILTER as MOCKS
from testguard.core.config import load_config
from testguard.core.prefilter import Screened
from testguard.core.project import discover_files

TEXTS = [
    "import sys\nsys.exit(1)\n",
    "import sys\nsys.exit\n",  # no call: the regex does not match
    "from sys import exit as bye\n",
    "def test():\n    raise SystemExit(2)\n",
    "x = 'exitcode'\nquitter = 1\nkill_switch = 0\n",
    "os.kill (pid, 9)\nos.abort()\n",
    "from unittest import mock\n",
    "mocker.patch('x')\n",
    "mock_thing = 1\nmockery = 2\n",  # `mock` followed by a word character only
    "import pytest_mock\n",
    "monkeypatch.setattr(x, 'y', 1)\nmonkeypatch.setenv('A', 'b')\n",
    "monkey.delitem(d, 'k')\n",
    "import asynctest\n",
    "try:\n    import foo\nexcept ImportError:\n    foo = None\n",
    "try:\n    import foo\nexcept :\n    pass\n",
    "try:\n    x()\nexcept ValueError:\n    pass\n",
    "pytest.importorskip('numpy')\n",
    "",
]


@pytest.mark.parametrize("prefilter", [EXITS, MOCKS, FALLBACKS], ids=["exits", "mocks", "fallbacks"])
def test_a_prefilter_tried_at_its_start_words_passes_the_files_its_regex_finds(prefilter: Screened) -> None:
    # Fresh copies: a run's prepare() narrows the shared one (`also`).
    started = Screened(prefilter.screen, prefilter.pattern, prefilter.starts)
    plain = Screened(prefilter.screen, prefilter.pattern)
    assert started.starts
    for text in TEXTS:
        assert bool(started.search(text)) == bool(plain.search(text)), text
    assert any(started.search(text) for text in TEXTS)
    assert not all(started.search(text) for text in TEXTS)


def test_mocks_of_a_names_own_class_resolve_only_for_whole_identifiers(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    # `Client` is the file's own class, `Clientele` is not: patching an attribute of an
    # object made from each tells them apart (the file's definitions are read once).
    write(tmp_path, {
        "pyproject.toml": "[project]\nname = 'app'\n",
        "tests/test_a.py": sample("mocks_own_class.py"),
    })
    result = tg(tmp_path, "mocks", "--format", "json")
    targets = sorted(str(f["details"].get("target")) for f in result.json()["findings"])
    assert "tests.test_a.Client.send" in targets, targets
    assert not any(t.startswith("tests.test_a.Clientele") for t in targets), targets


def test_the_walk_prunes_skipped_and_excluded_directories_and_keeps_the_suffix(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "[tool.testguard]\nexclude = ['vendor', 'deep/gen/**']\n",
        "a.py": "",
        "notes.txt": "",
        "pkg/b.py": "",
        "vendor/c.py": "",
        "deep/gen/d.py": "",
        "deep/e.py": "",
        "build/f.py": "",
        "x.egg-info/g.py": "",
    })
    os.symlink(tmp_path / "pkg", tmp_path / "link")  # a link to a directory is not followed
    found = discover_files(tmp_path, [], load_config(tmp_path))
    assert found.files == ["a.py", "deep/e.py", "pkg/b.py"]
    given = discover_files(tmp_path, ["deep"], load_config(tmp_path))
    assert given.files == ["deep/e.py"]


def test_a_json_report_with_an_undecodable_path_still_escapes_it(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    name = os.fsdecode(b"test_\xff.py")
    write(tmp_path, {"pyproject.toml": "", "tests/" + name: "import sys\nsys.exit(1)\n"})
    result = tg(tmp_path, "exits", "--format", "json")
    assert "\\xff" in result.out
    assert json.loads(result.out)["findings"][0]["path"] == "tests/test_\\xff.py"


def _imported(cwd: Path, *args: str) -> set[str]:
    """The modules a real ``python -X importtime -m testguard ARGS`` imports."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "testguard", *args],
        cwd=cwd, capture_output=True, text=True, env=env_for_testguard(), timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    } - {"package"}


def test_a_hook_call_imports_only_its_own_check(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": '[project]\nname = "shop"\n',
        "tests/test_cart.py": "def test_total():\n    assert 1 + 1 == 2\n",
    })
    imported = _imported(tmp_path, "exits", "tests/test_cart.py")
    assert "testguard.checks.exits.detect" in imported  # the reading is real
    # No process is started, so nothing that starts or guards one is loaded ...
    assert not imported & {"subprocess", "threading", "socket", "multiprocessing", "concurrent.futures"}
    assert "testguard.core.processes" not in imported
    # ... and the other checks contribute their declarations (rules, settings), never their work.
    others = {
        name for name in imported
        if name.startswith("testguard.checks.") and name.count(".") == 3
        and not name.startswith("testguard.checks.exits.")
    }
    assert {name.rsplit(".", 1)[1] for name in others} <= {"rules", "settings"}, sorted(others)
    # The parser of one command only: `testguard --help` still lists every command.
    assert "testguard.cli.rule" not in imported
    listing = run_testguard(tmp_path, "--help").out
    for command in ("imports", "mocks", "exits", "fallbacks", "mypy", "coverage", "collect", "hygiene",
                    "check", "run", "baseline", "rule"):
        assert f"\n  {command} " in listing
