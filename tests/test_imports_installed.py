"""Deploy gate: ``--installed`` imports the package as installed from its wheel, not the source tree."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import run_testguard, write

SOURCE: dict[str, str | bytes] = {
    "shipme/__init__.py": '"""Ships."""\n\nfrom shipme.core import run\n',
    "shipme/core.py": "import os\n\nfrom shipme.plugins.registry import REGISTRY\n\n\ndef run():\n    return REGISTRY\n",
    "shipme/plugins/__init__.py": "",
    "shipme/plugins/registry.py": "REGISTRY = {}\n",
}
# The classic packaging slip: the subpackage is not listed, so the wheel lacks it.
PYPROJECT = """\
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "shipme"
version = "1.0"

[tool.setuptools]
packages = ["shipme"]

[tool.testguard]
packages = ["shipme"]
"""


def _can_build_wheels() -> bool:
    if importlib.util.find_spec("wheel") is not None:
        return True
    from importlib.metadata import version

    major, minor = (int(p) for p in version("setuptools").split(".")[:2])
    return (major, minor) >= (70, 1)  # bdist_wheel moved into setuptools


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def build_wheel(project: Path, dist: Path) -> Path:
    """The wheel setuptools builds for ``packages = ["shipme"]``: top-level package files only."""
    dist.mkdir()
    if _can_build_wheels():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "--no-index",
                "-w",
                str(dist),
                str(project),
            ],
            check=True,
            capture_output=True,
        )
        return next(dist.glob("*.whl"))
    # Offline and without the 'wheel' package: write the same wheel by hand (PEP 427).
    wheel = dist / "shipme-1.0-py3-none-any.whl"
    info = "shipme-1.0.dist-info"
    files = {
        f"shipme/{p.name}": p.read_bytes()
        for p in sorted((project / "shipme").glob("*.py"))
    }
    files[f"{info}/METADATA"] = b"Metadata-Version: 2.1\nName: shipme\nVersion: 1.0\n"
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = "".join(
        f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files.items()
    )
    files[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return wheel


@pytest.mark.slow
def test_module_left_out_of_the_wheel_fails_the_gate(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write(project, SOURCE)
    (project / "pyproject.toml").write_text(PYPROJECT)

    # From the source tree everything imports.
    source_run = run_testguard(
        project, "imports", "--python", sys.executable, "--format", "json"
    )
    assert source_run.code == 0, source_run.out + source_run.err

    wheel = build_wheel(project, tmp_path / "dist")
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True
    )
    python = venv / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )

    gate = run_testguard(
        project, "imports", "--installed", "--python", str(python), "--format", "json"
    )
    assert gate.code == 1, gate.out + gate.err
    found = {
        (f["path"], f["line"], f["code"]): f["message"] for f in gate.json()["findings"]
    }
    # The installed files fail at their own import lines, shown at the source paths...
    assert ("shipme/core.py", 3, "TG101") in found
    assert ("shipme/__init__.py", 3, "TG101") in found
    assert "No module named 'shipme.plugins'" in found[("shipme/core.py", 3, "TG101")]
    assert "left out of the wheel" in found[("shipme/core.py", 3, "TG101")]
    # ...and the modules the wheel does not have at all are named too.
    assert ("shipme/plugins/__init__.py", 1, "TG101") in found
    assert ("shipme/plugins/registry.py", 1, "TG101") in found
    section = gate.json()["checks"]["imports"]["sections"]["imports"]
    assert section["installed"] is True and section["modules"] == 4


@pytest.mark.slow
def test_package_not_installed_at_all_fails_the_gate(tmp_path: Path) -> None:
    project = tmp_path / "project"
    write(project, SOURCE)
    (project / "pyproject.toml").write_text(PYPROJECT)
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True
    )
    gate = run_testguard(
        project,
        "imports",
        "--installed",
        "--python",
        str(venv / "bin" / "python"),
        "--format",
        "json",
    )
    assert gate.code == 1
    [finding] = gate.json()["findings"]
    assert finding["code"] == "TG101" and "not installed" in finding["message"]
    assert finding["path"] == "shipme/__init__.py"
