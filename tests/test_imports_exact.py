"""``testguard imports`` gives every module the verdict of a fresh interpreter.

Each test builds a small package where a warm worker, which imports module
after module, could judge a module differently from
``python -c "import importlib; importlib.import_module('pkg.mod')"``.  The
oracle is computed here with real fresh interpreters; testguard must match it
with one worker and with the default, run after run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, write
from testguard.checks.imports.discover import discover_modules

ORACLE = "import importlib, sys; importlib.import_module(sys.argv[1])"


def fresh_failures(root: Path) -> set[str]:
    """The modules that fail alone in a fresh interpreter (the source tree on sys.path)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    failing = set()
    for spec in discover_modules([root], ["pkg"]):
        proc = subprocess.run(
            [sys.executable, "-c", ORACLE, spec.name],
            cwd=root, env=env, capture_output=True, timeout=60, check=False,
        )
        if proc.returncode != 0:
            failing.add(spec.name)
    return failing


def reported(run: Run) -> set[str]:
    assert run.code in (0, 1), run.err
    return {f["details"]["module"] for f in run.json()["findings"]}


def project(root: Path, files: dict[str, str | bytes]) -> None:
    write(root, {"pkg/__init__.py": "", **files})
    (root / "pyproject.toml").write_text(
        f'[tool.testguard]\npackages = ["pkg"]\npython = {sys.executable!r}\n'
        "[tool.testguard.imports]\ntimeout = 20\n"
    )


def check_exact(tg: Callable[..., Run], root: Path, expected: set[str]) -> None:
    """testguard, with one worker and with the default, reports exactly the oracle's modules."""
    truth = fresh_failures(root)
    assert truth == expected  # the package diverges as designed
    one = reported(tg(root, "imports", "--format", "json", "--workers", "1"))
    default = reported(tg(root, "imports", "--format", "json"))
    assert one == default == truth


def test_a_leak_does_not_fail_the_modules_after_it(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # Each module here imports alone; after the "a_" ones in one interpreter, the
    # "b_" ones would fail.
    project(
        tmp_path,
        {
            "pkg/a_breaks_open.py": "import builtins\n\nbuiltins.open = None\n",
            "pkg/a_env.py": "import os\n\nos.environ['PKG_MODE'] = 'test'\n",
            "pkg/a_recursion.py": "import sys\n\nsys.setrecursionlimit(80)\n",
            "pkg/a_cwd.py": "import os\n\nos.chdir(os.path.dirname(os.__file__))\n",
            "pkg/b_reads.py": "with open(__file__) as handle:\n    handle.read()\n",
            "pkg/b_env.py": "import os\n\nassert 'PKG_MODE' not in os.environ\n",
            "pkg/b_deep.py": "def down(n):\n    return n and down(n - 1)\n\n\ndown(200)\n",
            "pkg/b_relative.py": "open('pkg/__init__.py').close()\n",
        },
    )
    check_exact(tg, tmp_path, set())


def test_a_leak_does_not_pass_a_module_that_fails_alone(tmp_path: Path, tg: Callable[..., Run]) -> None:
    project(
        tmp_path,
        {
            "pkg/a_adds_path.py": (
                "import os, sys\n\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), 'vendor'))\n"
            ),
            "pkg/a_ready.py": "import os\n\nos.environ['PKG_READY'] = '1'\n",
            "pkg/vendor/helperlib.py": "VALUE = 1\n",
            "pkg/b_needs_path.py": "import helperlib\n",
            "pkg/b_needs_ready.py": (
                "import os\n\nif os.environ.get('PKG_READY') != '1':\n    raise RuntimeError('not ready')\n"
            ),
        },
    )
    check_exact(tg, tmp_path, {"pkg.b_needs_path", "pkg.b_needs_ready"})


def test_a_package_that_changes_state_does_so_for_the_modules_under_it(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    # A fresh import of pkg.strict.b runs pkg/strict/__init__.py first: the modules under
    # the package see its change; the module beside it does not.
    project(
        tmp_path,
        {
            "pkg/strict/__init__.py": "import warnings\n\nwarnings.simplefilter('error')\n",
            "pkg/strict/b_warns.py": "import warnings\n\nwarnings.warn('old api', UserWarning)\n",
            "pkg/t_warns.py": "import warnings\n\nwarnings.warn('old api', UserWarning)\n",
        },
    )
    check_exact(tg, tmp_path, {"pkg.strict.b_warns"})


def test_a_cycle_member_that_fails_when_imported_first(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # Imported first, pkg.a imports pkg.b, which imports the half-made pkg.a: fine.
    # Imported first, pkg.b imports pkg.a, which needs B from the half-made pkg.b: fails,
    # and so does pkg.c, which imports pkg.b.
    project(
        tmp_path,
        {
            "pkg/a.py": "from pkg.b import B\n\nA = 1\n",
            "pkg/b.py": "import pkg.a\n\nB = 2\n",
            "pkg/c.py": "import pkg.b\n",
            "pkg/d.py": "import pkg.a\n",
        },
    )
    check_exact(tg, tmp_path, {"pkg.b", "pkg.c"})


def test_migration_names_and_keyword_packages_are_imported(tmp_path: Path, tg: Callable[..., Run]) -> None:
    project(
        tmp_path,
        {
            "pkg/migrations/__init__.py": "",
            "pkg/migrations/0001_initial.py": "raise RuntimeError('needs the app registry')\n",
            "pkg/migrations/0002_fine.py": "X = 1\n",
            "pkg/locale/__init__.py": "",
            "pkg/locale/is/__init__.py": "",
            "pkg/locale/is/formats.py": "DATE_FORMAT = 'j. F Y'\nraise ValueError('bad format')\n",
            "pkg/test-examples/example.py": "import missing_dependency_xyz\n",
        },
    )
    check_exact(
        tg,
        tmp_path,
        {"pkg.migrations.0001_initial", "pkg.locale.is.formats", "pkg.test-examples.example"},
    )
    run = tg(tmp_path, "imports", "--format", "json")
    found = {f["path"]: (f["code"], f["line"]) for f in run.json()["findings"]}
    assert found == {
        "pkg/migrations/0001_initial.py": ("TG102", 1),
        "pkg/locale/is/formats.py": ("TG102", 2),
        "pkg/test-examples/example.py": ("TG101", 1),
    }


def test_files_no_import_can_reach_are_named_in_a_note(tmp_path: Path, tg: Callable[..., Run]) -> None:
    project(
        tmp_path,
        {
            "pkg/ok.py": "X = 1\n",
            "pkg/foo.bar.py": "raise SystemExit('never imported')\n",
            "pkg/v1.2/tool.py": "raise SystemExit('never imported')\n",
        },
    )
    run = tg(tmp_path, "imports", "--format", "json")
    assert run.code == 0, run.out + run.err
    assert run.json()["checks"]["imports"]["sections"]["imports"]["unnameable"] == [
        "pkg/foo.bar.py",
        "pkg/v1.2/tool.py",
    ]
    note = [line for line in run.err.splitlines() if "no module name" in line]
    assert len(note) == 1
    assert "2 files" in note[0] and "pkg/foo.bar.py, pkg/v1.2/tool.py" in note[0]
    assert "[tool.testguard] exclude" in note[0]
    (tmp_path / "pyproject.toml").write_text(
        (tmp_path / "pyproject.toml").read_text().replace(
            '[tool.testguard]\n', '[tool.testguard]\nexclude = ["pkg/foo.bar.py", "pkg/v1.2/**"]\n'
        )
    )
    run = tg(tmp_path, "imports", "--format", "json")
    assert run.code == 0 and "no module name" not in run.err


@pytest.mark.parametrize("workers", ["1", "2"])
def test_verdicts_do_not_depend_on_the_order(tmp_path: Path, tg: Callable[..., Run], workers: str) -> None:
    # The same modules, named so that the sorted order puts each leak after, then
    # before, the module it would mislead.
    files: dict[str, str | bytes] = {}
    for prefix, later in (("a", "z"), ("z", "a")):
        files[f"pkg/{prefix}_leak.py"] = "import os\n\nos.environ['PKG_FLAG'] = '1'\n"
        files[f"pkg/{later}_needs_flag.py"] = (
            "import os\n\nif os.environ.get('PKG_FLAG') != '1':\n    raise RuntimeError('no flag')\n"
        )
    project(tmp_path, files)
    expected = {"pkg.a_needs_flag", "pkg.z_needs_flag"}
    assert fresh_failures(tmp_path) == expected
    for _ in range(2):
        assert reported(tg(tmp_path, "imports", "--format", "json", "--workers", workers)) == expected


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_module_reverified_in_a_fork_of_its_ancestors_is_contained_there(
    tmp_path: Path, tg: Callable[..., Run], workers: str
) -> None:
    # pkg.a imports pkg.b and pkg.c, which each import pkg.a back: both are imported
    # before their turn, so each is imported again in a fork of pkg's process, where
    # one exits and the other kills that process.
    project(
        tmp_path,
        {
            "pkg/a.py": "import pkg.b\nimport pkg.c\n\nA = 1\n",
            "pkg/b.py": (
                "import sys\n\nif 'pkg.a' not in sys.modules:\n    import os\n    os._exit(3)\nimport pkg.a\n"
            ),
            "pkg/c.py": (
                "import os\nimport sys\n\nif 'pkg.a' not in sys.modules:\n"
                "    os.kill(os.getppid(), 9)\nimport pkg.a\n"
            ),
        },
    )
    run = tg(tmp_path, "imports", "--format", "json", "--workers", workers)
    found = {f["path"]: (f["code"], f["line"], f["message"]) for f in run.json()["findings"]}
    assert found == {
        "pkg/b.py": ("TG103", 5, "the module exits the process while importing: os._exit(3)"),
        "pkg/c.py": (
            "TG105",
            5,
            "the worker was killed by signal 9 (SIGKILL) while importing this module,"
            " sent by os.kill(<the worker>, SIGKILL)",
        ),
    }


def test_reverification_does_not_import_the_package_again(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # pkg's __init__ enters the cycle pkg.a <-> pkg.b, so pkg.b is imported before its
    # turn and verified again: in the snapshot the warm worker kept right after
    # importing pkg, so pkg's __init__ runs once, in the warm worker, not again.
    project(
        tmp_path,
        {
            "pkg/__init__.py": (
                "import os\n\nwith open(os.path.join(os.path.dirname(__file__), '..', 'runs.log'), 'a') as log:\n"
                "    log.write('run\\n')\n\n"
                "import pkg.a\n"
            ),
            "pkg/a.py": "import pkg.b\n\nA = 1\n",
            "pkg/b.py": "import pkg.a\n\nB = 2\n",
            "pkg/c.py": "X = 3\n",
        },
    )
    runs = tmp_path / "runs.log"
    assert fresh_failures(tmp_path) == set()
    runs.unlink()
    run = tg(tmp_path, "imports", "--format", "json", "--workers", "1")
    assert reported(run) == set()
    assert run.json()["checks"]["imports"]["sections"]["imports"]["reverified"] >= 1
    assert runs.read_text() == "run\n"


def test_verdicts_that_change_are_followed_in_the_snapshot(tmp_path: Path, tg: Callable[..., Run]) -> None:
    # Warm, pkg.a enters the cycle and pkg.b and pkg.c pass; a fresh pkg.b fails, so
    # pkg.c, which imports it, is verified in a second round: in the same snapshot.
    project(
        tmp_path,
        {
            "pkg/__init__.py": (
                "import os\n\nwith open(os.path.join(os.path.dirname(__file__), '..', 'runs.log'), 'a') as log:\n"
                "    log.write('run\\n')\n"
            ),
            "pkg/a.py": "from pkg.b import B\n\nA = 1\n",
            "pkg/b.py": "import pkg.a\n\nB = 2\n",
            "pkg/c.py": "import pkg.b\n",
        },
    )
    runs = tmp_path / "runs.log"
    check_exact(tg, tmp_path, {"pkg.b", "pkg.c"})
    runs.unlink()
    run = tg(tmp_path, "imports", "--format", "json", "--workers", "1")
    assert reported(run) == {"pkg.b", "pkg.c"}
    assert runs.read_text() == "run\n"
