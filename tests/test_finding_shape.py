"""One shape for every finding of every check: ``path:line:col: CODE message``.

A real project that gives every one of the seven checks something to report
(a coverage floor and a collected-test count too, which are about the whole
project and point at the setting that sets them), read in text and in JSON.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, git, git_init, sample, write

PY = sys.executable
FINDING_LINE = re.compile(r"^(?P<path>[^\s:][^:]*):(?P<line>[1-9][0-9]*):(?P<col>[1-9][0-9]*): (?P<code>TG[0-9]{3}) \S")

PYPROJECT = f"""\
[project]
name = "pkg"
version = "0"

[tool.testguard]
python = "{PY}"
packages = ["pkg"]

[tool.testguard.mypy]

[tool.testguard.coverage]
fail-under = 99
changed-lines-fail-under = 100
paths = {{ "pkg/calc.py" = 100 }}

[tool.testguard.collect]
min-tests = 50

[tool.pytest.ini_options]
testpaths = ["tests"]

[tool.coverage.run]
source = ["pkg"]
branch = true
"""

FILES = {
    "pyproject.toml": PYPROJECT,
    "pkg/__init__.py": "",
    "pkg/calc.py": "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n",
    "pkg/broken.py": "import not_installed_anywhere_tg\n",
    "pkg/typed.py": 'x: int = "not an int"\n',
    "tests/test_calc.py": sample("finding_shape_calc.py"),
    "tests/test_broken.py": "import not_installed_either_tg\n",
}


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The project's pytest runs skip the plugins installed here, and mypy shares its
    cache of the standard library with the other tests (seconds per run)."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("MYPY_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "mypy-cache"))


def measure(root: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    subprocess.run(
        [PY, "-m", "coverage", "run", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_calc.py"],
        cwd=root, env=env, capture_output=True, check=False,
    )
    assert (root / ".coverage").is_file()


def finding_lines(text: str) -> list[str]:
    """The text report's finding lines: everything before the sections and the count."""
    lines = text.splitlines()
    end = lines.index("") if "" in lines else len(lines) - 1
    return lines[:end]


def test_every_finding_of_every_check_has_one_shape(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = tmp_path
    write(root, FILES)
    git_init(root)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "start")
    with (root / "pkg/calc.py").open("a") as handle:
        handle.write("\n\ndef mul(a, b):\n    if a:\n        return a * b\n    return 0\n")
    measure(root)
    texts: list[str] = []
    codes: set[str] = set()
    for extra in ([], ["--diff-base", "HEAD"]):
        report = tmp_path / "report.json"
        text = tg(root, "run", "--report", f"json:{report}", *extra)
        data = json.loads(report.read_text())
        assert text.code == 1, text.err
        lines = finding_lines(text.out)
        assert len(lines) == len(data["findings"])
        for line in lines:
            assert FINDING_LINE.match(line), line
        for finding in data["findings"]:
            where = f"{finding['path']}:{finding['line']}:{finding['col']}: {finding['code']} "
            assert any(line.startswith(where) for line in lines), where
            codes.add(finding["code"])
        texts.append(text.out)
        if not extra:
            said = {line.split(":", 1)[0]: line for line in text.err.splitlines()}
            found = f"with {PY} (found: python in pyproject.toml)"
            assert said["imports"] == f"imports: 4 modules {found}"
            assert re.fullmatch(rf"mypy: mypy [0-9.]+\S* on 6 files \(pkg tests\) {re.escape(found)}", said["mypy"])
            assert said["coverage"] == "coverage: 4 files measured, read from .coverage"
            assert said["collect"] == f"collect: 2 tests collected by pytest {found}"
    assert {code[:3] for code in codes} == {"TG1", "TG2", "TG3", "TG4", "TG5", "TG6", "TG7"}
    assert {"TG601", "TG602", "TG603", "TG604", "TG701", "TG702"} <= codes
    # the floors point at the lines that set them
    setting_line = {text.split(" ", 1)[0]: n for n, text in enumerate(PYPROJECT.splitlines(), start=1)}
    assert f"pyproject.toml:{setting_line['fail-under']}:1: TG601 " in texts[0]
    assert f"pyproject.toml:{setting_line['min-tests']}:1: TG702 " in texts[0]
    assert f"pyproject.toml:{setting_line['changed-lines-fail-under']}:1: TG603 " in texts[1]


@pytest.mark.parametrize(
    ("config", "where"),
    [
        ('[tool.testguard]\npython = "{py}"\ncoverage = {{ fail-under = 99 }}\n', 3),
        ('[tool.testguard]\npython = "{py}"\ncoverage.fail-under = 99\n', 3),
        ('[tool.testguard]\npython = "{py}"\n\n[tool.testguard.coverage]\n\n[tool.coverage.report]\nfail_under = 99\n', 7),
    ],
    ids=["inline-table", "dotted-key", "coverage-own-fail-under"],
)
def test_a_floor_is_found_however_it_is_written(
    tmp_path: Path, tg: Callable[..., Run], config: str, where: int
) -> None:
    write(tmp_path, {
        "pyproject.toml": config.format(py=PY) + '\n[tool.coverage.run]\nsource = ["pkg"]\n',
        "pkg/__init__.py": "",
        "pkg/calc.py": FILES["pkg/calc.py"],
        "tests/test_calc.py": "from pkg.calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
    })
    measure(tmp_path)
    run = tg(tmp_path, "coverage")
    assert run.out.startswith(f"pyproject.toml:{where}:1: TG601 total coverage"), run.out + run.err
