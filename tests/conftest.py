"""Shared test helpers: run the real testguard CLI on real files."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import coverage

REPO = Path(__file__).resolve().parent.parent
HOOKS = REPO / "hooks"


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def codes(self) -> list[str]:
        return [f["code"] for f in self.json()["findings"]]


def write(root: Path, files: dict[str, str | bytes]) -> None:
    """Writes each file (text is dedented) below root, creating directories."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content))


def testguard_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(HOOKS) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("GITHUB_ACTIONS", None)
    return env


def run_testguard(cwd: Path, *args: str, timeout: float = 600) -> Run:
    """The real command in a subprocess, as a user or pre-commit runs it."""
    proc = subprocess.run(
        [sys.executable, "-m", "testguard", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=testguard_env(),
        timeout=timeout,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def tg(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """Calls ``testguard.cli.main`` in-process with ``cwd`` as working directory."""
    from testguard import cli

    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)

    def call(cwd: Path, *args: str) -> Run:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = cli.main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return call


@pytest.fixture
def project_pytest_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """A project's own pytest runs without the plugins installed here (seconds per run) and
    without this run's coverage settings (``pytestmark = pytest.mark.usefixtures(...)``)."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    for name in ("COVERAGE_FILE", "COVERAGE_PROCESS_START", "COVERAGE_RCFILE"):
        monkeypatch.delenv(name, raising=False)


def project_env() -> dict[str, str]:
    """The environment of a project's own tool run: no COVERAGE_* of this run, no plugins."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return env


def measure_coverage(root: Path, *coverage_args: str) -> None:
    """The project's own test run under coverage.py, as a user runs it."""
    proc = subprocess.run(
        [sys.executable, "-m", "coverage", "run", *coverage_args, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=root, capture_output=True, text=True, env=project_env(), timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True,
        env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
             "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"},
    )
    return proc.stdout


def git_init(root: Path) -> None:
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "t@example.invalid")
    git(root, "config", "user.name", "t")
    git(root, "config", "commit.gpgsign", "false")


SAMPLES = REPO / "tests" / "fixtures" / "samples"


def sample(name: str) -> str:
    """A sample test module kept as a fixture file (it imports mock libraries on purpose)."""
    return (SAMPLES / name).read_text()


@pytest.fixture
def run(tg: Callable[..., Run]) -> Callable[..., tuple[int, str, str]]:
    """Like ``tg``, as a (code, out, err) tuple; an internal error always fails the test."""

    def call(cwd: Path, *args: str) -> tuple[int, str, str]:
        result = tg(cwd, *args)
        assert "internal error" not in result.err
        return result.code, result.out, result.err

    return call


SYSTEM_BIN_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


def system_tool(name: str) -> str | None:
    """A tool the system's package manager installs (podman, setpriv, python3.X), looked up
    in the system's own directories, never through PATH: the tests see the same tools
    whatever PATH they run under, and a tool of the test venv is reached through
    ``sys.executable`` instead."""
    for directory in SYSTEM_BIN_DIRS:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def without_root_powers() -> list[str]:
    """A command prefix under which permission bits apply, even to root.

    Root ignores them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH); ``setpriv``
    (util-linux, a system tool) drops those two from what the command may hold.
    Skips the test when that cannot be done here.
    """
    if os.geteuid() != 0:
        return []
    setpriv = system_tool("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv (util-linux) is missing: permission bits cannot apply")
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
    probe = subprocess.run([*prefix, "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"cannot drop root's permission override here: {probe.stderr.strip()}")
    return prefix


def run_testguard_locked(cwd: Path, locked: Sequence[Path], *args: str, timeout: float = 600) -> Run:
    """The real command, without root's powers, while each of ``locked`` is mode 0 (restored after)."""
    prefix = without_root_powers()
    for directory in locked:
        directory.chmod(0)
    try:
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "testguard", *args],
            cwd=cwd, capture_output=True, text=True, env=testguard_env(), timeout=timeout, check=False,
        )
    finally:
        for directory in locked:
            directory.chmod(0o755)
    return Run(proc.returncode, proc.stdout, proc.stderr)


# --- one run of the suite: shared by every pytest process (xdist workers too) ---

SHARED_DIR_VARIABLE = "TESTGUARD_TESTS_SHARED_DIR"
COVERAGE_VARIABLE = "TESTGUARD_TESTS_COVERAGE"
_CREATED_SHARED_DIR = pytest.StashKey[Path]()
_COVERAGE = pytest.StashKey["coverage.Coverage"]()


def _runs_tests_here(config: pytest.Config) -> bool:
    """False only in the xdist controller, which hands every test to its workers."""
    return hasattr(config, "workerinput") or config.getoption("dist", "no") == "no"


def pytest_configure(config: pytest.Config) -> None:
    # The first pytest process of a run makes the shared directory; the xdist
    # workers it starts afterwards inherit the variable.
    if SHARED_DIR_VARIABLE not in os.environ:
        import tempfile

        shared = Path(tempfile.mkdtemp(prefix="testguard-tests-"))
        os.environ[SHARED_DIR_VARIABLE] = str(shared)
        config.stash[_CREATED_SHARED_DIR] = shared
    # scripts/test.sh measures coverage in each process that runs tests, into
    # parallel data files that it combines afterwards (`coverage run -m pytest`
    # would measure only the xdist controller, which runs none).
    data_file = os.environ.get(COVERAGE_VARIABLE)
    if data_file and _runs_tests_here(config):
        import coverage

        cov = coverage.Coverage(
            data_file=data_file, data_suffix=True, config_file=str(REPO / "pyproject.toml")
        )
        cov.start()
        config.stash[_COVERAGE] = cov


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked slow first: xdist hands the rest out as workers come free,
    so a long test started last no longer keeps one worker busy after the other is done."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_unconfigure(config: pytest.Config) -> None:
    cov = config.stash.get(_COVERAGE, None)
    if cov is not None:
        cov.stop()
        cov.save()
    shared = config.stash.get(_CREATED_SHARED_DIR, None)
    if shared is not None:
        import shutil

        shutil.rmtree(shared, ignore_errors=True)


def _shared_dir() -> Path:
    return Path(os.environ[SHARED_DIR_VARIABLE])


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock between the pytest processes of this run."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _hook_repository() -> tuple[Path, str]:
    """This checkout as a repository pre-commit can clone, and the commit to use.

    The commit holds the working tree as it is (uncommitted and untracked files
    too, .gitignore honoured), made once per content, so that every test of the
    run uses one commit and pre-commit builds the hook environment once.
    """
    shared = _shared_dir()
    shadow = shared / "hook-repo.git"
    tree_git = ["git", f"--git-dir={shadow}", f"--work-tree={REPO}"]
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        env.pop(name, None)

    def run_git(*args: str) -> str:
        return subprocess.run(
            [*tree_git, *args], capture_output=True, text=True, check=True, env=env
        ).stdout.strip()

    with _locked(shared / "hook-repo.lock"):
        if not shadow.exists():
            subprocess.run(["git", "init", "-q", "--bare", str(shadow)], check=True, env=env)
        run_git("add", "--all")
        tree = run_git("write-tree")
        ref = f"refs/heads/tree-{tree}"
        known = subprocess.run(
            [*tree_git, "rev-parse", "--verify", "--quiet", ref],
            capture_output=True, text=True, check=False, env=env,
        )
        if known.returncode == 0:
            return shadow, known.stdout.strip()
        commit = run_git("commit-tree", tree, "-m", "testguard checkout under test")
        run_git("update-ref", ref, commit)
        return shadow, commit


def try_repo(project: Path, hook: str, args: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
    """Real pre-commit runs this checkout's ``hook`` on the staged files of ``project``.

    As ``pre-commit try-repo`` would, but with one PRE_COMMIT_HOME for the whole
    run (try-repo builds a fresh hook environment on every call): a
    ``.pre-commit-config.yaml`` naming this checkout at a commit of its working
    tree, run with ``pre-commit run``.  pre-commit's own store lock keeps the
    xdist workers from building the environment twice.  ``args``: the hook's
    ``args`` in that config (the documented ``args: [--fix]`` variant).
    """
    repo, rev = _hook_repository()
    shared = _shared_dir()
    variant = "".join(f"_{arg.strip('-')}" for arg in args)
    config = shared / f"pre-commit-{hook}{variant}-{rev}.yaml"
    if not config.exists():
        entry: dict[str, object] = {"id": hook, **({"args": list(args)} if args else {})}
        spec = {"repos": [{"repo": str(repo), "rev": rev, "hooks": [entry]}]}
        partial = config.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(spec, indent=2), encoding="utf-8")  # JSON is YAML
        os.replace(partial, config)
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "PYTHONPATH", "VIRTUAL_ENV")}
    env["PRE_COMMIT_HOME"] = str(shared / "pre-commit-home")
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", hook, "--config", str(config), "--color", "never"],
        cwd=project, capture_output=True, text=True, env=env, timeout=900, check=False,
    )
