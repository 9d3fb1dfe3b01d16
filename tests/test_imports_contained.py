"""``testguard imports`` on a package where every kind of import failure happens at once."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, run_testguard, system_tool, write
from conftest import testguard_env as env_for_testguard

TIMEOUT = 2

PACKAGE: dict[str, str | bytes] = {
    "pkg/__init__.py": "",
    "pkg/ws.py": "class Socket:\n    pass\n",
    "pkg/ok.py": "import json\n\nfrom pkg.ws import Socket\nVALUE = 1\n",
    "pkg/missname.py": "import os\n\nfrom pkg.ws import HeartbeatConfig\n",
    "pkg/missdep.py": '"""Needs a distribution that is not installed."""\nimport requests_not_installed_anywhere\n',
    "pkg/raises.py": "x = 1\ny = 2\nraise ValueError('bad config')\n",
    "pkg/sysexit.py": "import sys\n\nsys.exit(3)\n",
    "pkg/osexit.py": "import os\n\n\nos._exit(4)\n",
    "pkg/hang.py": "import time\n\nwhile True:\n    time.sleep(0.05)\n",
    "pkg/segv.py": "import ctypes\n\n\nctypes.string_at(0)\n",
    # Modules that kill the worker importing them, or its whole process group.
    "pkg/killparent.py": "import os\n\n\n\nos.kill(os.getppid(), 9)\n",
    "pkg/killgroup.py": "import os\n\nos.killpg(0, 9)\n",
    "pkg/killself.py": "import os\nimport signal\n\nos.kill(os.getpid(), signal.SIGKILL)\n",
    "pkg/syntax.py": "x = 1\ndef broken(:\n    pass\n",
    "pkg/cycle_a.py": "from pkg.cycle_b import B\n\nA = 1\n",
    "pkg/cycle_b.py": "from pkg.cycle_a import A\n\nB = 2\n",
    "pkg/noisy.py": (
        "import sys\n"
        "for i in range(20000):\n"
        "    print('out line', i)\n"
        "    print('err line', i, file=sys.stderr)\n"
    ),
    "pkg/wander.py": "import os\n\nos.chdir(os.path.dirname(os.__file__))\n",
    # Reads a file relative to the project root: passes only if the chdir above did not leak.
    "pkg/zz_reads_relative.py": "open('pkg/ws.py').close()\n",
    "pkg/uses_raises.py": "import pkg.ok\nimport pkg.raises\n",
    "pkg/sub/__init__.py": "",
    "pkg/sub/deep.py": "from ..ws import Socket\n",
    "pkg/__main__.py": "raise SystemExit('never imported by default')\n",
}

# module file -> (code, line)
EXPECTED = {
    "pkg/missname.py": ("TG101", 3),
    "pkg/missdep.py": ("TG101", 2),
    "pkg/raises.py": ("TG102", 3),
    "pkg/sysexit.py": ("TG103", 3),
    "pkg/osexit.py": ("TG103", 4),
    "pkg/hang.py": ("TG104", 4),
    "pkg/segv.py": ("TG105", 4),
    "pkg/killparent.py": ("TG105", 5),
    "pkg/killgroup.py": ("TG105", 3),
    "pkg/killself.py": ("TG105", 4),
    "pkg/syntax.py": ("TG106", 2),
    "pkg/cycle_a.py": ("TG101", 1),
    "pkg/cycle_b.py": ("TG101", 1),
    "pkg/uses_raises.py": ("TG102", 2),
}


def make_project(root: Path, extra: str = "") -> None:
    write(root, PACKAGE)
    (root / "pyproject.toml").write_text(
        "[tool.testguard]\n"
        'packages = ["pkg"]\n'
        f"python = {sys.executable!r}\n"
        "[tool.testguard.imports]\n"
        f"timeout = {TIMEOUT}\n" + extra
    )


def by_path(run: Run) -> dict[str, dict[str, Any]]:
    findings = run.json()["findings"]
    paths = [f["path"] for f in findings]
    assert len(paths) == len(set(paths)), paths
    return {f["path"]: f for f in findings}


@pytest.fixture(scope="module")
def contained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, float, Path]:
    root = tmp_path_factory.mktemp("contained")
    make_project(root)
    start = time.monotonic()
    run = run_testguard(root, "imports", "--format", "json", timeout=120)
    return run, time.monotonic() - start, root


def test_every_failing_module_is_reported_at_its_own_line(
    contained: tuple[Run, float, Path],
) -> None:
    run, _, _ = contained
    assert run.code == 1, run.err
    found = by_path(run)
    assert {path: (f["code"], f["line"]) for path, f in found.items()} == EXPECTED


def test_clean_modules_are_not_reported_and_the_run_finishes(
    contained: tuple[Run, float, Path],
) -> None:
    run, seconds, _ = contained
    found = by_path(run)
    for clean in (
        "pkg/ok.py",
        "pkg/noisy.py",
        "pkg/wander.py",
        "pkg/zz_reads_relative.py",
        "pkg/sub/deep.py",
        "pkg/__init__.py",
        "pkg/__main__.py",
    ):
        assert clean not in found
    section = run.json()["checks"]["imports"]["sections"]["imports"]
    assert section["modules"] == len(PACKAGE) - 1  # __main__ skipped
    # One hang costs the timeout once; nothing else waits for it.
    assert seconds < TIMEOUT * 4 + 20
    # Nothing the modules printed reached the report or the terminal.
    assert "out line" not in run.out and "err line" not in run.err


def test_messages_carry_the_root_cause(contained: tuple[Run, float, Path]) -> None:
    run, _, _ = contained
    found = by_path(run)
    missname = found["pkg/missname.py"]
    assert (
        "cannot import name 'HeartbeatConfig' from 'pkg.ws' (pkg/ws.py)"
        in missname["message"]
    )
    assert "first-party" in missname["message"]
    assert missname["details"]["missing"] == "first-party"
    missdep = found["pkg/missdep.py"]
    assert "requests_not_installed_anywhere" in missdep["message"]
    assert (
        "third-party" in missdep["message"]
        and missdep["details"]["missing"] == "third-party"
    )
    assert "ValueError: bad config" in found["pkg/raises.py"]["message"]
    assert "sys.exit(3)" in found["pkg/sysexit.py"]["message"]
    assert "os._exit(4)" in found["pkg/osexit.py"]["message"]
    assert f"within {TIMEOUT}s" in found["pkg/hang.py"]["message"]
    assert "SIGSEGV" in found["pkg/segv.py"]["message"]
    killed = "the worker was killed by signal 9 (SIGKILL) while importing this module, sent by"
    assert found["pkg/killparent.py"]["message"] == f"{killed} os.kill(<the worker>, SIGKILL)"
    assert found["pkg/killgroup.py"]["message"] == f"{killed} os.killpg(0, SIGKILL)"
    assert found["pkg/killself.py"]["message"] == (
        "the interpreter crashed while importing (SIGKILL: Killed), sent by os.kill(<this process>, SIGKILL)"
    )
    assert found["pkg/syntax.py"]["col"] > 1
    assert "circular import" in found["pkg/cycle_a.py"]["message"]
    cascade = found["pkg/uses_raises.py"]["message"]
    assert "ValueError: bad config" in cascade and "pkg/raises.py:3" in cascade


def test_text_report_points_at_file_and_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "import os\nfrom pkg.b import missing_name\n",
            "pkg/b.py": "present = 1\n",
        },
    )
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.testguard]\npackages = ["pkg"]\npython = {sys.executable!r}\n'
    )
    run = run_testguard(tmp_path, "imports", "--format", "text")
    assert run.code == 1
    assert run.out.startswith(
        "pkg/a.py:2:1: TG101 cannot import name 'missing_name' from 'pkg.b'"
    )


def test_clean_package_passes_with_exit_code_0(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "src/good/__init__.py": "from good.core import f\n",
            "src/good/core.py": "def f(): pass\n",
            "src/good/ns/leaf.py": "import good\n",
        },
    )
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "good"\n[tool.testguard]\npython = {sys.executable!r}\n'
    )
    run = run_testguard(tmp_path, "imports", "--format", "json")
    assert run.code == 0, run.out + run.err
    assert run.json()["checks"]["imports"]["sections"]["imports"]["modules"] == 3


def test_symbolic_link_loops_in_a_package_are_passed_over(tmp_path: Path, tg: Callable[..., Run]) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/bad.py": "raise ImportError('boom')\n"})
    (tmp_path / "pkg" / "loop").symlink_to("loop")  # a directory entry that stat cannot follow
    (tmp_path / "pkg" / "loop.py").symlink_to("loop.py")
    (tmp_path / "pkg" / "up").symlink_to("..")
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.testguard]\npackages = ["pkg"]\npython = {sys.executable!r}\n'
    )
    run = tg(tmp_path, "imports", "--format", "json")
    assert "internal error" not in run.err, run.err
    assert run.code == 1, run.out + run.err
    assert [f["path"] for f in run.json()["findings"]] == ["pkg/bad.py"]


def test_a_subpackage_that_cannot_be_searched_is_a_finding_and_the_rest_is_checked(tmp_path: Path) -> None:
    from conftest import run_testguard_locked

    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/bad.py": "raise ImportError('boom')\n",
        "pkg/secret/__init__.py": "",
    })
    secret = tmp_path / "pkg" / "secret"

    def imports_without_reading(secret_dir: Path, settings: str = "") -> Run:
        (tmp_path / "pyproject.toml").write_text(
            f'[tool.testguard]\npackages = ["pkg"]\npython = {sys.executable!r}\n{settings}'
        )
        return run_testguard_locked(tmp_path, [secret_dir], "imports", "--format", "json", timeout=300)

    run = imports_without_reading(secret)
    assert "internal error" not in run.err, run.err
    assert run.code == 1, run.out + run.err
    found = {f["path"]: f for f in run.json()["findings"]}
    assert sorted(found) == ["pkg/bad.py", "pkg/secret"]
    assert found["pkg/secret"]["code"] == "TG001"
    assert found["pkg/secret"]["message"].startswith("cannot read directory: Permission denied;")
    assert "add it to 'exclude'" in found["pkg/secret"]["message"]
    # Excluded, as the message says: then nothing is said of it.
    excluded = imports_without_reading(secret, 'exclude = ["pkg/secret/**"]\n')
    assert [f["path"] for f in excluded.json()["findings"]] == ["pkg/bad.py"]


@pytest.mark.slow
def test_fresh_interpreter_mode_agrees(
    tmp_path: Path, contained: tuple[Run, float, Path]
) -> None:
    make_project(tmp_path)
    run = run_testguard(tmp_path, "imports", "--fresh", "--format", "json", timeout=120)
    fresh = {path: (f["code"], f["line"]) for path, f in by_path(run).items()}
    assert fresh == EXPECTED


def test_progress_bar_only_on_a_terminal(
    tmp_path: Path, contained: tuple[Run, float, Path]
) -> None:
    run, _, _ = contained
    assert "imports [" not in run.err
    write(tmp_path, {"pkg/__init__.py": "", "pkg/a.py": "A = 1\n"})
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.testguard]\npackages = ["pkg"]\npython = {sys.executable!r}\n'
    )
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "testguard", "imports"],
        cwd=tmp_path,
        env=env_for_testguard(),
        stdout=subprocess.PIPE,
        stderr=follower,
    )
    os.close(follower)
    proc.communicate(timeout=60)
    terminal = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        terminal += chunk
    os.close(leader)
    assert b"imports [" in terminal and b"2/2 modules" in terminal


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": ""})
    (tmp_path / "pyproject.toml").write_text('[tool.testguard]\npackages = ["pkg"]\n')
    run = run_testguard(tmp_path, "imports", "--shard", "3/2")
    assert run.code == 2 and "shard" in run.err and "Traceback" not in run.err
    run = run_testguard(
        tmp_path, "imports", "--python", str(tmp_path / "nope" / "python")
    )
    assert run.code == 2 and "Traceback" not in run.err
    (tmp_path / "pyproject.toml").write_text(
        '[tool.testguard]\npackages = ["absent"]\n'
    )
    run = run_testguard(tmp_path, "imports", "--python", sys.executable)
    assert run.code == 2 and "absent" in run.err


def test_what_a_module_changes_does_not_reach_the_next(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a_strict.py": "import warnings\n\nwarnings.simplefilter('error')\n",
            "pkg/b_signals.py": "import signal\n\nsignal.signal(signal.SIGCHLD, signal.SIG_IGN)\n",
            "pkg/c_wander.py": "import os, sys\n\nos.chdir('/')\nsys.argv[:] = ['changed']\nsys.stdout = None\n",
            "pkg/d_raises.py": "import os\n\nos.environ['LEAK'] = '1'\nraise OSError('half done')\n",
            "pkg/e_warns.py": "import warnings\n\nwarnings.warn('old api', UserWarning)\n",
            "pkg/f_relative.py": "open('pkg/__init__.py').close()\n",
            "pkg/g_argv.py": "import sys\n\nassert sys.argv != ['changed']\nprint('stdout works')\n",
            "pkg/h_env.py": "import os\n\nassert 'LEAK' not in os.environ\n",
            "pkg/i_exits.py": "import os\n\nos._exit(0)\n",
        },
    )
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.testguard]\npackages = ["pkg"]\npython = {sys.executable!r}\n'
        "[tool.testguard.imports]\nworkers = 1\n"  # one warm chain: every module after the others
    )
    run = run_testguard(tmp_path, "imports", "--format", "json")
    assert {(f["path"], f["code"]) for f in run.json()["findings"]} == {
        ("pkg/d_raises.py", "TG102"),
        ("pkg/i_exits.py", "TG103"),
    }


def _interpreter(version: str) -> str | None:
    """A working python<version> on this machine (the system's, then pyenv's), or None."""
    candidates = [system_tool(f"python{version}")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += [
        str(p / "bin" / "python") for p in sorted(pyenv.glob(f"{version}.*"))
    ]
    for candidate in candidates:
        if (
            candidate
            and subprocess.run(
                [candidate, "-c", "pass"], capture_output=True, check=False
            ).returncode
            == 0
        ):
            return candidate
    return None


@pytest.mark.parametrize("version", ["3.9", "3.13"])
def test_worker_runs_in_other_supported_pythons(tmp_path: Path, version: str) -> None:
    python = _interpreter(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/fine.py": "import threading\nthreading.Thread(target=lambda: None).start()\n",
            "pkg/missname.py": "from pkg.fine import nothing\n",
            "pkg/exits.py": "import sys\nsys.exit(1)\n",
            "pkg/segv.py": "import ctypes\nctypes.string_at(0)\n",
            "pkg/syntax.py": "def (:\n",
            "pkg/killgroup.py": "import os\nos.killpg(0, 9)\n",
        },
    )
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.testguard]\npackages = ["pkg"]\npython = {python!r}\n'
    )
    run = run_testguard(tmp_path, "imports", "--format", "json")
    assert {(f["path"], f["code"], f["line"]) for f in run.json()["findings"]} == {
        ("pkg/missname.py", "TG101", 1),
        ("pkg/exits.py", "TG103", 2),
        ("pkg/segv.py", "TG105", 2),
        ("pkg/syntax.py", "TG106", 1),
        ("pkg/killgroup.py", "TG105", 2),
    }


def pkg_project(root: Path, files: dict[str, str | bytes]) -> None:
    """``files`` of the package ``pkg``, imported by this interpreter."""
    write(root, {"pyproject.toml": f'[tool.testguard]\npackages = ["pkg"]\npython = {sys.executable!r}\n', **files})


def test_an_exception_without_text_shows_the_line_that_raised(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    pkg_project(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/winonly.py": 'import sys\n\nassert sys.platform == "win32"\n',
            "pkg/bare.py": "x = 1\nraise RuntimeError\n",
            "pkg/texted.py": "raise RuntimeError('')\n",
        },
    )
    run = tg(tmp_path, "imports", "--format", "json")
    found = {f["path"]: f["message"] for f in run.json()["findings"]}
    assert found["pkg/winonly.py"] == (
        'AssertionError: assert sys.platform == "win32"; a module meant for one platform only'
        ' can be left out with [tool.testguard.imports] exclude = ["pkg.winonly"]'
    )
    assert found["pkg/bare.py"] == "RuntimeError: raise RuntimeError"
    assert found["pkg/texted.py"] == "RuntimeError: raise RuntimeError('')"


def test_an_exception_without_text_or_line_says_when_it_came(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    # CPython 3.11's parser gives up on this with a bare MemoryError: no text, no frame.
    pkg_project(tmp_path, {"pkg/__init__.py": "", "pkg/deep.py": "x = " + "-" * 50_000 + "1\n"})
    run = tg(tmp_path, "imports", "--format", "json")
    [finding] = run.json()["findings"]
    assert finding["code"] == "TG102"
    kind, _, said = finding["message"].partition(": ")
    assert said.strip(), finding["message"]  # never "MemoryError: " and nothing
    if kind == "MemoryError":
        assert said == (
            "(no message), raised before any line of the module ran: CPython could not"
            " compile its source (nested too deeply for its parser)"
        )


def test_huge_and_unprintable_exit_values_keep_the_finding_whole(
    tmp_path: Path, tg: Callable[..., Run]
) -> None:
    """A 3 MB exception text was copied whole into the finding (every format, every annotation);
    a sys.exit() value whose repr() raises lost the line and the exit it came from."""
    pkg_project(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/huge.py": "x = 1\nraise ValueError('e' * 3_000_000)\n",
        "pkg/hugeexit.py": "import sys\n\nsys.exit('e' * 3_000_000)\n",
        "pkg/norepr.py": (
            "import sys\n\n\nclass Code:\n    def __repr__(self):\n        raise RuntimeError('no repr')\n\n\n"
            "sys.exit(Code())\n"
        ),
    })
    run = tg(tmp_path, "imports", "--format", "json")
    found = {f["path"]: (f["code"], f["line"], f["message"]) for f in run.json()["findings"]}
    code, line, message = found["pkg/huge.py"]
    assert (code, line) == ("TG102", 2) and len(message) < 3000
    assert message.startswith("ValueError: eee") and "characters left out" in message
    code, line, message = found["pkg/hugeexit.py"]
    assert (code, line) == ("TG103", 3) and len(message) < 3000 and "sys.exit('eee" in message
    code, line, message = found["pkg/norepr.py"]
    assert (code, line) == ("TG103", 9) and "sys.exit(<unprintable Code>)" in message


def test_a_long_pytest_exit_message_is_cut_once(tmp_path: Path, tg: Callable[..., Run]) -> None:
    """The message was cut to its limit, then its repr() cut again: two cut marks, and the
    call shown lost its closing quote and parenthesis."""
    pkg_project(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/stops.py": "import pytest\n\npytest.exit('e' * 5000)\n",
    })
    run = tg(tmp_path, "imports", "--format", "json")
    found = {f["path"]: f["message"] for f in run.json()["findings"]}
    message = found["pkg/stops.py"]
    assert "pytest.exit('eee" in message and "… (3000 characters left out)')" in message
    assert message.count("characters left out") == 1
