"""``testguard collect``: real projects, the real pytest collecting them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, run_testguard, write

PY = sys.executable

GOOD = """\
def test_one():
    pass


def test_two():
    pass
"""


pytestmark = pytest.mark.usefixtures("project_pytest_alone")


def make_project(root: Path, files: dict[str, str], collect: str = "") -> Path:
    write(root, {
        "pyproject.toml": f'[tool.testguard]\npython = "{PY}"\n\n[tool.testguard.collect]\n{collect}\n'
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
        **files,
    })
    return root


def findings(run: Run) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = run.json()["findings"]
    return found


def test_clean_collection_records_the_count(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, {"tests/test_a.py": GOOD, "tests/test_b.py": GOOD})
    run = tg(root, "collect", "--format", "json")
    assert run.code == 0, run.err
    assert run.json()["checks"]["collect"]["figures"] == {"collect:tests": 4.0}
    assert findings(run) == []


def test_module_level_sys_exit_is_tg701_at_its_line(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, {
        "tests/test_a.py": GOOD,
        "tests/test_exit.py": "import sys\n\nif True:\n    sys.exit(1)\n\n\ndef test_x():\n    pass\n",
    })
    run = tg(root, "collect", "--format", "json")
    assert run.code == 1
    [finding] = findings(run)
    assert (finding["code"], finding["path"], finding["line"]) == ("TG701", "tests/test_exit.py", 4)
    assert "process exit while collecting tests/test_exit.py (SystemExit: 1)" in finding["message"]
    text = tg(root, "collect")
    assert text.out.startswith("tests/test_exit.py:4:1: TG701 process exit")


def test_import_and_syntax_errors_point_at_their_lines(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, {
        "tests/test_a.py": GOOD,
        "tests/test_imp.py": '"""doc"""\n\nimport not_installed_anywhere\n\n\ndef test_x():\n    pass\n',
        "tests/test_syn.py": "def test_x():\n    pass\n\n\ndef test_y(:\n    pass\n",
        "mypkg/__init__.py": "",
        "mypkg/broken.py": "X = 1\nY = 1 / 0\n",
        "tests/test_deep.py": "from mypkg import broken\n\n\ndef test_z():\n    pass\n",
        "conftest.py": "import sys, os\nsys.path.insert(0, os.path.dirname(__file__))\n",
    })
    run = tg(root, "collect", "--format", "json")
    assert run.code == 1
    where = {(f["path"], f["line"]): f["message"] for f in findings(run) if f["code"] == "TG701"}
    assert "No module named 'not_installed_anywhere'" in where[("tests/test_imp.py", 3)]
    assert "SyntaxError" in where[("tests/test_syn.py", 5)]
    # a first-party module raising at import: reported where it raised, naming the test module
    deep = where[("mypkg/broken.py", 2)]
    assert "ZeroDivisionError" in deep and "while collecting tests/test_deep.py" in deep


def test_conftest_that_fails_to_import(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, {"tests/test_a.py": GOOD, "tests/conftest.py": "\nimport gone_module\n"})
    run = tg(root, "collect", "--format", "json")
    assert run.code == 1
    [finding] = findings(run)
    assert (finding["code"], finding["path"], finding["line"]) == ("TG701", "tests/conftest.py", 2)
    assert "gone_module" in finding["message"]


def test_deleting_a_test_file_drops_the_count_below_min_tests(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, {"tests/test_a.py": GOOD, "tests/test_b.py": GOOD}, "min-tests = 4\n")
    assert tg(root, "collect").code == 0
    (root / "tests/test_b.py").unlink()
    run = tg(root, "collect", "--format", "json")
    assert run.code == 1
    [finding] = findings(run)
    assert finding["code"] == "TG702"
    assert finding["message"] == "2 tests collected, 2 fewer than 4 (min-tests = 4)"


def test_min_tests_baseline_only_rises(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(
        tmp_path, {"tests/test_a.py": GOOD, "tests/test_b.py": GOOD, "tests/test_c.py": GOOD},
        'min-tests = "baseline"\n',
    )
    assert tg(root, "baseline", "collect").code == 0
    baseline = json.loads((root / ".testguard-baseline.json").read_text())
    assert baseline["figures"] == {"collect:tests": 6}
    (root / "tests/test_c.py").unlink()
    run = tg(root, "collect", "--format", "json")
    assert run.code == 1
    [finding] = findings(run)
    assert finding["code"] == "TG702"
    assert "4 tests collected, 2 fewer than 6 (the count recorded in the baseline)" == finding["message"]


def test_no_tests_at_all_is_tg701(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, {"tests/helpers.py": "X = 1\n"})
    run = tg(root, "collect", "--format", "json")
    assert run.code == 1
    [finding] = findings(run)
    assert finding["code"] == "TG701" and "collected no tests" in finding["message"]


def test_a_hard_exit_during_collection_names_the_file(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, {"tests/test_a.py": GOOD, "tests/test_hard.py": "import os\n\nos._exit(0)\n"})
    run = tg(root, "collect", "--format", "json")
    assert run.code == 1
    [finding] = findings(run)
    assert (finding["code"], finding["path"]) == ("TG701", "tests/test_hard.py")
    assert "pytest stopped while collecting" in finding["message"]


def test_a_test_file_whose_name_is_not_utf8_is_collected(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # pytest collects it; testguard's plugin must not break the collection writing its name.
    root = make_project(tmp_path, {"tests/test_a.py": GOOD})
    (root / "tests").joinpath(os.fsdecode(b"test_\xff.py")).write_text(GOOD)
    run = tg(root, "collect", "--format", "json")
    assert run.code == 0, run.err
    assert run.json()["checks"]["collect"]["figures"] == {"collect:tests": 4.0}
    assert findings(run) == []


def test_a_hard_exit_in_a_file_whose_name_is_not_utf8_names_the_file(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    root = make_project(tmp_path, {"tests/test_a.py": GOOD})
    (root / "tests").joinpath(os.fsdecode(b"test_\xff.py")).write_text("import os\n\nos._exit(3)\n")
    run = tg(root, "collect", "--format", "json")
    assert run.code == 1, run.err
    assert "internal error" not in run.err
    # the report shows the undecodable byte as \xff
    assert [(f["code"], f["path"]) for f in findings(run)] == [("TG701", "tests/test_\\xff.py")]


def test_a_hang_is_cut_off_by_the_timeout(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, {"tests/test_hang.py": "import time\n\ntime.sleep(60)\n"})
    run = tg(root, "collect", "--timeout", "2", "--format", "json")
    assert run.code == 1
    [finding] = findings(run)
    assert finding["code"] == "TG701" and "within 2s" in finding["message"]


@pytest.fixture
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real interpreter without pytest: a venv without pip."""
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([PY, "-m", "venv", "--without-pip", str(venv)], check=True)
    return venv / "bin" / "python"


def test_pytest_missing_from_the_projects_interpreter(tmp_path: Path, tg: Callable[..., Run], bare_python: Path) -> None:
    root = make_project(tmp_path, {"tests/test_a.py": GOOD})
    run = tg(root, "collect", "--python", str(bare_python))
    assert run.code == 2
    assert "pytest is not installed in the project's interpreter" in run.err
    assert "Traceback" not in run.err


def test_arguments_pytest_rejects_are_a_usage_error(tmp_path: Path, tg: Callable[..., Run]) -> None:
    root = make_project(tmp_path, {"tests/test_a.py": GOOD}, 'args = ["--no-such-option"]\n')
    run = tg(root, "collect")
    assert run.code == 2
    assert "pytest rejected its arguments" in run.err and "--no-such-option" in run.err


def test_a_very_long_line_of_output_does_not_stall_the_run(tmp_path: Path) -> None:
    """400 KB without a space, printed at exit (a dump, a minified payload): reading pytest's
    output for traceback locations backtracked over the line quadratically, for hours."""
    dump = "import atexit, os\n\natexit.register(lambda: os.write(1, b'x' * 400_000 + b'.py\\n'))\n"
    root = make_project(tmp_path, {"tests/test_a.py": GOOD, "tests/conftest.py": dump})
    run = run_testguard(root, "collect", "--format", "json", timeout=120)
    assert run.code == 0, run.err
    assert run.json()["checks"]["collect"]["figures"] == {"collect:tests": 2.0}


@pytest.mark.parametrize("crash", ["import ctypes\n\nctypes.string_at(0)\n", "import os\n\nos.killpg(0, 9)\n"])
def test_a_crash_while_collecting_names_the_file_and_the_signal(
    tmp_path: Path, tg: Callable[..., Run], crash: str
) -> None:
    """A segfault (or a kill of pytest's process group) was 'killed by signal 11 while collecting: '
    at the config, with nothing after the colon: now at the module that crashed."""
    root = make_project(tmp_path, {"tests/test_a.py": GOOD, "tests/test_crash.py": crash})
    run = tg(root, "collect", "--format", "json")
    assert run.code == 1, run.err
    [finding] = findings(run)
    assert (finding["code"], finding["path"]) == ("TG701", "tests/test_crash.py"), run.out
    signal_name = "SIGSEGV" if "ctypes" in crash else "SIGKILL"
    assert f"pytest was killed by signal {11 if 'ctypes' in crash else 9} ({signal_name})" in finding["message"]
    assert "while collecting tests/test_crash.py" in finding["message"]
    assert not finding["message"].rstrip().endswith(":")


def test_a_crash_whose_lines_are_all_outside_the_project_names_the_file_being_collected(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    """A crash that printed only lines outside the project (a library's thread, say) was put
    at the config: the file being collected is the place, as when it prints nothing."""
    crash = (
        "import os, sys\n\n"
        "sys.stderr.write('  File \"/nowhere/lib.py\", line 3 in work\\n')\n"
        "sys.stderr.flush()\n"
        "os.kill(os.getpid(), 9)\n"
    )
    files = {"tests/test_a.py": GOOD, "tests/test_crash.py": crash}
    root = make_project(tmp_path, files, collect='args = ["-s"]')  # -s: what it prints is seen
    run = tg(root, "collect", "--format", "json")
    assert run.code == 1, run.err
    [finding] = findings(run)
    assert (finding["code"], finding["path"]) == ("TG701", "tests/test_crash.py"), run.out
    assert "/nowhere/lib.py" in finding["message"]


def test_a_thread_that_keeps_pytest_from_exiting_is_not_called_a_hang_at_import(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    """Collection finished, but a non-daemon thread a conftest started kept pytest from exiting:
    the finding said 'a test module or conftest hangs at import?'."""
    conftest = "import threading, time\n\nthreading.Thread(target=time.sleep, args=(60,)).start()\n"
    root = make_project(tmp_path, {"tests/test_a.py": GOOD, "tests/conftest.py": conftest})
    run = tg(root, "collect", "--timeout", "3", "--format", "json")
    assert run.code == 1
    [finding] = findings(run)
    assert finding["code"] == "TG701"
    assert "pytest collected 2 tests but did not exit within 3s" in finding["message"]
    assert "hangs at import" not in finding["message"]


@pytest.mark.parametrize("program", ["/bin/true", "/bin/false"])
def test_an_interpreter_that_does_not_run_pytest_is_a_usage_error(
    tmp_path: Path, tg: Callable[..., Run], program: str
) -> None:
    """'python' pointing at something that is no Python (or dies before pytest starts) was a TG701
    blaming the tests: 'a hard process exit such as os._exit?'."""
    root = make_project(tmp_path, {"tests/test_a.py": GOOD})
    run = tg(root, "collect", "--python", program)
    assert run.code == 2, run.out + run.err
    assert f"the project's interpreter {program} did not start pytest" in run.err
    assert "TG701" not in run.out and "Traceback" not in run.err


def test_a_conftest_that_clears_the_environment_is_still_counted(tmp_path: Path, tg: Callable[..., Run]) -> None:
    """A conftest that makes the tests hermetic (os.environ cleared, a few names put back) also
    took away where testguard's plugin reports: 'pytest stopped before collecting' although
    pytest collected every test."""
    conftest = (
        "import os\n\nKEEP = {k: os.environ[k] for k in ('PATH', 'HOME') if k in os.environ}\n"
        "os.environ.clear()\nos.environ.update(KEEP)\n"
    )
    root = make_project(tmp_path, {"tests/test_a.py": GOOD, "tests/conftest.py": conftest})
    run = tg(root, "collect", "--format", "json")
    assert run.code == 0, run.out + run.err
    assert run.json()["checks"]["collect"]["figures"] == {"collect:tests": 2.0}


def test_pytest_exit_while_collecting_records_no_partial_count(tmp_path: Path, tg: Callable[..., Run]) -> None:
    """pytest.exit() in a test module stops the whole collection: it was 'failed to collect', and
    the tests counted before it became the figure (a floor a baseline would record)."""
    root = make_project(tmp_path, {
        "tests/test_a.py": GOOD,
        "tests/test_b.py": "import pytest\n\npytest.exit('not on this machine', returncode=0)\n",
        "tests/test_c.py": GOOD,
    })
    run = tg(root, "collect", "--format", "json")
    assert run.code == 1
    [finding] = findings(run)
    assert (finding["code"], finding["path"], finding["line"]) == ("TG701", "tests/test_b.py", 3)
    assert "pytest.exit() while collecting tests/test_b.py (not on this machine)" in finding["message"]
    assert run.json()["checks"]["collect"]["figures"] == {}
