"""No process testguard starts outlives it: SIGINT, SIGTERM, SIGKILL, or a timeout.

Each project's hanging code writes its pid to a file first, so the test knows
every process of the tree -- the hanging import or test module, a child it
started in its own process group, and a daemon in a session of its own -- and
can look each one up in /proc after testguard has gone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import run_testguard, write
from conftest import testguard_env as env_for_testguard

from testguard.core.project_process import run_python
from testguard.core import lifetime, processes

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

# Long enough that nothing ends by its own timeout while the test runs.
HANG_TIMEOUT = 300
# How long the processes may take to go once testguard has gone (they would live
# HANG_TIMEOUT seconds, or forever, if nothing ended them).
GONE_WITHIN = 10.0


def hanging(pids: Path, name: str, hang: str) -> str:
    """Module source: record the pid, start a child and a daemon, wait for their pids, then ``hang``."""
    sleeper = "import os, sys, time; open(sys.argv[1] + str(os.getpid()), 'w').close(); time.sleep(600)"
    return (
        "import os, subprocess, sys, time\n"
        f"PIDS, NAME = {str(pids)!r}, {name!r}\n"
        "open(os.path.join(PIDS, f'{NAME}-{os.getpid()}'), 'w').close()\n"
        f"CODE = {sleeper!r}\n"
        "subprocess.Popen([sys.executable, '-c', CODE, os.path.join(PIDS, NAME + '.child-')])\n"
        "subprocess.Popen([sys.executable, '-c', CODE, os.path.join(PIDS, NAME + '.daemon-')],\n"
        "                 start_new_session=True, stdout=subprocess.DEVNULL)\n"
        "while len([p for p in os.listdir(PIDS) if p.startswith(NAME)]) < 3:\n"
        "    time.sleep(0.01)\n"
        + hang
    )


BUSY = "while True:\n    pass\n"
SLEEP = "time.sleep(600)\n"


def expected(*names: str) -> set[str]:
    """The pid files: each hanging module's own, its child's and its daemon's."""
    return {f"{name}{part}" for name in names for part in ("", ".child", ".daemon")}


def imports_project(root: Path, pids: Path) -> tuple[list[str], set[str]]:
    """Two modules hang at once, in two workers: one busy, one asleep."""
    write(root, {
        "pkg/__init__.py": "",
        "pkg/busy.py": hanging(pids, "busy", BUSY),
        "pkg/sleeps.py": hanging(pids, "sleeps", SLEEP),
    })
    (root / "pyproject.toml").write_text(
        f'[tool.testguard]\npackages = ["pkg"]\npython = {sys.executable!r}\n'
        f"[tool.testguard.imports]\ntimeout = {HANG_TIMEOUT}\nworkers = 2\n"
    )
    return ["imports"], expected("busy", "sleeps")


def collect_project(root: Path, pids: Path, hang: str = BUSY) -> tuple[list[str], set[str]]:
    write(root, {"tests/test_hangs.py": hanging(pids, "busy", hang) + "\n\ndef test_x():\n    pass\n"})
    (root / "pyproject.toml").write_text(
        f"[tool.testguard]\npython = {sys.executable!r}\n"
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
    )
    return ["collect", "--timeout", str(HANG_TIMEOUT)], expected("busy")


def start_time(pid: int) -> str | None:
    """The process's start time (tells a pid apart from a later one), None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):  # a zombie runs nothing: it is gone
        return None
    return fields[19]


def parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def descendants(root: int) -> set[int]:
    pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    children: dict[int, list[int]] = {}
    for pid in pids:
        ppid = parent(pid)
        if ppid is not None:
            children.setdefault(ppid, []).append(pid)
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def recorded(pids: Path) -> dict[str, int]:
    return {p.name.rsplit("-", 1)[0]: int(p.name.rsplit("-", 1)[1]) for p in pids.iterdir()}


def wait_for(condition: Callable[[], bool], what: str, limit: float = 120.0) -> None:
    """Wait for a condition the test needs before it goes on (not an assertion on speed)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def alive(tracked: dict[int, str]) -> dict[int, str]:
    """The tracked processes still running (same pid, same start time), with their command lines."""
    out: dict[int, str] = {}
    for pid, started in tracked.items():
        if start_time(pid) == started:
            try:
                out[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
    return out


@pytest.fixture
def tracked() -> Iterator[dict[int, str]]:
    """pid -> start time of every process of the tree; whatever survives a failing test is killed."""
    processes: dict[int, str] = {}
    yield processes
    for pid in alive(processes):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


LAUNCH = (
    # SIGINT as a terminal sends it: the CLI's own handler, even when the shell running
    # this test started it with SIGINT ignored (a background job).
    "import runpy, signal, sys\n"
    "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    "sys.argv = ['testguard', *sys.argv[1:]]\n"
    "runpy.run_module('testguard', run_name='__main__')\n"
)


Project = Callable[[Path, Path], tuple[list[str], set[str]]]


def track(tracked: dict[int, str], pids: set[int]) -> None:
    for pid in pids:
        started = start_time(pid)
        if started is not None:
            tracked[pid] = started


@pytest.mark.parametrize("project", [imports_project, collect_project], ids=["imports", "collect"])
@pytest.mark.parametrize(
    ("number", "returncode", "said"),
    [
        (signal.SIGINT, 130, "testguard: interrupted"),
        (signal.SIGTERM, 143, "testguard: terminated"),
        (signal.SIGKILL, -signal.SIGKILL, ""),
    ],
    ids=["SIGINT", "SIGTERM", "SIGKILL"],
)
def test_every_process_ends_with_testguard(
    tmp_path: Path, tracked: dict[int, str], project: Project,
    number: int, returncode: int, said: str,
) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    root = tmp_path / "project"
    args, names = project(root, pids)
    env = env_for_testguard()
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, *args], cwd=root, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        wait_for(lambda: set(recorded(pids)) == names, "the hanging code to start")
        track(tracked, descendants(proc.pid) | set(recorded(pids).values()))
        assert set(recorded(pids).values()) <= set(tracked)
        proc.send_signal(number)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == returncode, err
    assert said in err and "Traceback" not in err and "internal error" not in err
    deadline = time.monotonic() + GONE_WITHIN
    while alive(tracked) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive(tracked) == {}


def test_a_timeout_ends_the_command_and_what_it_started(tmp_path: Path, tracked: dict[int, str]) -> None:
    """How collect and coverage run the project's Python: on a timeout nothing it started lives on."""
    pids = tmp_path / "pids"
    pids.mkdir()
    script = tmp_path / "hangs.py"
    script.write_text(hanging(pids, "sleeps", SLEEP))
    completed = run_python(Path(sys.executable), [str(script)], tmp_path, timeout=3)
    assert completed.timed_out
    assert set(recorded(pids)) == expected("sleeps")
    track(tracked, set(recorded(pids).values()))
    assert alive(tracked) == {}


def test_imports_finishes_when_a_module_leaves_processes_behind(tmp_path: Path, tracked: dict[int, str]) -> None:
    """A module that starts a child and a daemon and returns: the run ends, and they end with it."""
    pids = tmp_path / "pids"
    pids.mkdir()
    write(tmp_path, {"pkg/__init__.py": "", "pkg/spawns.py": hanging(pids, "spawns", ""), "pkg/fine.py": "X = 1\n"})
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.testguard]\npackages = ["pkg"]\npython = {sys.executable!r}\n'
    )
    run = run_testguard(tmp_path, "imports", "--format", "json", timeout=120)
    assert run.code == 0, run.out + run.err
    assert set(recorded(pids)) == expected("spawns")
    track(tracked, set(recorded(pids).values()))
    assert alive(tracked) == {}


def test_static_scan_workers_end_when_testguard_is_killed(tmp_path: Path, tracked: dict[int, str]) -> None:
    """The mock check scans many files in forked workers: SIGKILL of testguard takes them along."""
    body = 'from unittest import mock\n\n\ndef test_{}():\n    with mock.patch("os.getcwd"):\n        pass\n'
    write(tmp_path, {f"tests/test_{i}.py": body.format(i) for i in range(3000)})
    (tmp_path / "pyproject.toml").write_text("[tool.testguard]\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "testguard", "mocks", "--no-cache"], cwd=tmp_path, env=env_for_testguard(),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: len(descendants(proc.pid)) >= 2 or proc.poll() is not None, "the scan's workers")
        track(tracked, descendants(proc.pid))
        proc.kill()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert len(tracked) >= 2, "the scan ended before its workers were seen"
    deadline = time.monotonic() + GONE_WITHIN
    while alive(tracked) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive(tracked) == {}


# In-process: the guard as testguard's own code uses it.


def test_the_guard_passes_on_how_the_command_ended() -> None:
    assert processes.run([sys.executable, "-c", "import sys; sys.exit(3)"]).returncode == 3
    segv = "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"
    assert processes.run([sys.executable, "-c", segv]).returncode == -signal.SIGSEGV
    done = processes.run([sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr)"])
    assert (done.stdout, done.stderr, done.timed_out) == (b"out\n", b"err\n", False)


def test_a_command_that_cannot_start_raises_as_popen_does(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as missing:
        processes.run([str(tmp_path / "no-such-program")])
    assert missing.value.filename == str(tmp_path / "no-such-program")
    (tmp_path / "not-executable").write_text("")
    with pytest.raises(PermissionError):
        processes.run([str(tmp_path / "not-executable")])
    with pytest.raises(FileNotFoundError):
        processes.run([sys.executable, "-c", "pass"], cwd=tmp_path / "no-such-directory")


def test_ending_a_command_ends_everything_it_started(tmp_path: Path, tracked: dict[int, str]) -> None:
    """What a timeout or an interruption does: the command, its child and its daemon all go."""
    pids = tmp_path / "pids"
    pids.mkdir()
    script = tmp_path / "hangs.py"
    script.write_text(hanging(pids, "busy", BUSY))
    started = processes.start([sys.executable, str(script)])
    wait_for(lambda: set(recorded(pids)) == expected("busy"), "the command to start its processes")
    track(tracked, set(recorded(pids).values()))
    assert recorded(pids)["busy"] == started.pid
    assert started.end() == -signal.SIGKILL
    assert alive(tracked) == {}  # the guard has reaped them all before it ended


def test_sigterm_unwinds_the_run_and_ends_what_it_started(tmp_path: Path, tracked: dict[int, str]) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    script = tmp_path / "hangs.py"
    script.write_text(hanging(pids, "sleeps", SLEEP))
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(lifetime.Terminated):
        with lifetime.contained():
            started = processes.start([sys.executable, str(script)])
            wait_for(lambda: set(recorded(pids)) == expected("sleeps"), "the command to start its processes")
            track(tracked, set(recorded(pids).values()))
            # contained() turns this SIGTERM into Terminated: the process does not end.
            os.kill(os.getpid(), signal.SIGTERM)  # testguard: ignore[TG302]
            time.sleep(60)  # the handler raises Terminated first
    assert signal.getsignal(signal.SIGTERM) is before
    assert started.process.returncode == -signal.SIGKILL
    assert alive(tracked) == {}


def _parent_pid(_: int) -> int:
    return os.getppid()


def test_pool_workers_run_in_forked_children() -> None:
    with processes.process_pool(2) as pool:
        assert set(pool.map(_parent_pid, range(4))) == {os.getpid()}


def test_what_is_kept_of_a_commands_output_is_bounded(tmp_path: Path) -> None:
    """A project's tests that print without end (gigabytes until the timeout) must not fill
    testguard's memory: the start and the end of the output are kept, the middle is counted."""
    script = tmp_path / "prints.py"
    script.write_text(
        "import os\nos.write(1, b'FIRST\\n')\n"
        "for _ in range(40):\n    os.write(1, b'x' * (1 << 20) + b'\\n')\n"
        "os.write(1, b'LAST\\n')\n"
    )
    completed = run_python(Path(sys.executable), [str(script)], tmp_path, timeout=120)
    assert completed.returncode == 0
    assert len(completed.output) < 3 * (1 << 20)
    assert completed.output.startswith("FIRST\n") and completed.output.endswith("LAST\n")
    assert "bytes of output left out" in completed.output


def test_a_command_that_kills_its_parent_leaves_nothing_behind(tmp_path: Path, tracked: dict[int, str]) -> None:
    """A test module that starts a daemon and a child, then kills its parent process (the guard
    that would end them): the daemon lived on after testguard, and collect said pytest was
    killed when pytest had collected its tests."""
    pids = tmp_path / "pids"
    pids.mkdir()
    write(tmp_path, {
        "tests/test_kills.py": hanging(pids, "kills", "os.kill(os.getppid(), 9)\n")
        + "\n\ndef test_x():\n    pass\n",
    })
    (tmp_path / "pyproject.toml").write_text(
        f"[tool.testguard]\npython = {sys.executable!r}\n[tool.testguard.collect]\n"
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
    )
    run = run_testguard(tmp_path, "collect", "--format", "json", timeout=120)
    assert set(recorded(pids)) == expected("kills")
    track(tracked, set(recorded(pids).values()))
    deadline = time.monotonic() + GONE_WITHIN
    while alive(tracked) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive(tracked) == {}
    assert run.code == 0, run.out + run.err
    assert run.json()["checks"]["collect"]["figures"] == {"collect:tests": 1.0}


def test_a_command_that_kills_its_parent_still_reports_its_own_exit_code() -> None:
    """Its parent is the guard's shim: the guard adopts it and waits for it, so the caller sees
    the command's own status (it saw -9, the guard's death)."""
    finished = processes.run(["sh", "-c", "kill -9 $PPID; sleep 0.2; exit 7"])
    assert finished.returncode == 7
