"""The GitHub Action: validated against GitHub's schema and run step by step as
the runner runs it, on a real pull-request event in a real git repository.

The install step is exercised for real in one slow test (a venv and pip); the
other tests put a ``testguard`` on PATH that runs this checkout, and the install
step sees the action's own version already installed and skips pip.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import ghlog
import pytest
from actionrunner import ActionRun, CompositeAction

REPO = Path(__file__).resolve().parent.parent
ACTION = CompositeAction(REPO)
# a test dependency: reached through the test interpreter, never through PATH
CHECK_JSONSCHEMA = [sys.executable, "-m", "check_jsonschema"]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "T Tester",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "T Tester",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}

OLD_TEST = "import sys\n\n\ndef test_old():\n    sys.exit(0)\n"
ADDED = "\n\ndef test_added():\n    sys.exit(2)\n"
NEW_TEST = "import os\n\n\ndef test_quit():\n    os._exit(3)\n"


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV, "HOME": str(cwd)}
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def shim_path(tmp_path: Path) -> str:
    """A PATH whose ``testguard`` is this checkout's, as if pip had installed it."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "testguard"
    shim.write_text(
        f'#!/bin/sh\nPYTHONPATH="{REPO / "hooks"}" exec "{sys.executable}" -m testguard "$@"\n',
        encoding="utf-8",
    )
    shim.chmod(0o755)
    python_dir = Path(sys.executable).parent
    return os.pathsep.join([str(bin_dir), str(python_dir), os.environ.get("PATH", "")])


@pytest.fixture
def pr_repo(tmp_path: Path) -> tuple[Path, Path]:
    """A project with a base commit on main and a pull request's head commit."""
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    write(
        work,
        {
            "pyproject.toml": '[project]\nname = "shop"\nversion = "1.0"\n',
            "shop/__init__.py": "",
            "tests/test_old.py": OLD_TEST,
        },
    )
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "base")
    base = git(work, "rev-parse", "HEAD")
    git(work, "checkout", "-q", "-b", "feature")
    write(work, {"tests/test_old.py": OLD_TEST + ADDED, "tests/test_new.py": NEW_TEST})
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "head")
    head = git(work, "rev-parse", "HEAD")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(pull_request_event(base, head)), encoding="utf-8")
    return work, event


def pull_request_event(base: str, head: str) -> dict[str, object]:
    return {
        "action": "synchronize",
        "number": 7,
        "pull_request": {
            "number": 7,
            "base": {"ref": "main", "sha": base, "repo": {"full_name": "acme/shop"}},
            "head": {"ref": "feature", "sha": head, "repo": {"full_name": "fork/shop"}},
        },
        "repository": {"full_name": "acme/shop"},
    }


def run_action(
    work: Path, event: Path, path: str, tmp_path: Path, **inputs: str
) -> ActionRun:
    temp = tmp_path / "runner-temp"
    temp.mkdir(exist_ok=True)
    env = {
        "PATH": path,
        "HOME": str(tmp_path),
        **GIT_ENV,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_SHA": "f" * 40,
        "GITHUB_EVENT_NAME": "pull_request",
    }
    return ACTION.run(work, {"checks": "exits", **inputs}, event, env, temp)


def test_action_metadata_validates_against_githubs_schema() -> None:
    proc = subprocess.run(
        [*CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-actions", str(REPO / "action.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_inputs_and_outputs_are_the_specs() -> None:
    assert set(ACTION.meta["inputs"]) == {
        "checks",
        "diff-base",
        "config",
        "sarif",
        "annotate",
        "annotate-baselined",
        "summary",
        "fail-on",
        "working-directory",
    }
    assert set(ACTION.meta["outputs"]) == {"findings", "new-findings", "report"}
    assert ACTION.defaults()["fail-on"] == "new"
    assert ACTION.defaults()["annotate-baselined"] == "notice"
    # inputs reach scripts through env only, never pasted into the script text
    for step in ACTION.meta["runs"]["steps"]:
        assert "${{ inputs." not in step["run"]


def test_pull_request_annotates_only_the_changed_lines(
    pr_repo: tuple[Path, Path], shim_path: str, tmp_path: Path
) -> None:
    work, event = pr_repo
    result = run_action(work, event, shim_path, tmp_path, sarif="testguard.sarif")
    assert result.status == 1, result.log
    assert result.failed_step == "run"
    assert "is already installed" in result.log
    notes = ghlog.annotations_in(result.log)
    assert [(n.name, n.properties["file"], n.properties["line"]) for n in notes] == [
        ("error", "tests/test_new.py", "5"),
        ("error", "tests/test_old.py", "9"),
    ]
    assert all(n.properties["title"] == "TG302" for n in notes)
    assert result.outputs["findings"] == "2"
    assert result.outputs["new-findings"] == "2"
    report = json.loads(Path(result.outputs["report"]).read_text(encoding="utf-8"))
    assert report["diff_base"] == git(work, "rev-parse", "main")
    assert {(f["path"], f["line"]) for f in report["findings"]} == {
        ("tests/test_new.py", 5),
        ("tests/test_old.py", 9),
    }
    sarif = json.loads((work / "testguard.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and len(sarif["runs"][0]["results"]) == 2
    assert "| ❌ exits |" in result.summary
    assert (
        "https://github.com/acme/shop/blob/" + "f" * 40 + "/tests/test_new.py#L5"
        in result.summary
    )
    # nothing else in the log acts as a command
    names = {c.name for c in ghlog.commands(result.log)}
    assert names - {"error", "stop-commands"} <= {
        c.name for c in ghlog.commands(result.log) if c.name.startswith("testguard-")
    }


def test_clean_pull_request_passes(shim_path: str, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    write(
        work,
        {
            "pyproject.toml": '[project]\nname = "shop"\n',
            "tests/test_ok.py": "def test_ok():\n    pass\n",
        },
    )
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "base")
    base = git(work, "rev-parse", "HEAD")
    write(work, {"tests/test_two.py": "def test_two():\n    assert 1\n"})
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "head")
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(pull_request_event(base, git(work, "rev-parse", "HEAD")))
    )
    result = run_action(work, event, shim_path, tmp_path)
    assert result.status == 0, result.log
    assert result.outputs == {
        "findings": "0",
        "new-findings": "0",
        "report": result.outputs["report"],
    }
    assert ghlog.annotations_in(result.log) == []
    assert "All checks passed." in result.log
    assert "### ✅ testguard" in result.summary


@pytest.fixture
def baselined_repo(tmp_path: Path, shim_path: str) -> tuple[Path, Path]:
    """A push (no pull request): every finding is in the committed baseline."""
    work = tmp_path / "work"
    work.mkdir()
    git(work, "init", "-q", "-b", "main")
    write(
        work,
        {"pyproject.toml": '[project]\nname = "shop"\n', "tests/test_old.py": OLD_TEST},
    )
    env = {**os.environ, "PATH": shim_path}
    subprocess.run(
        ["testguard", "baseline", "exits"],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
    )
    assert (work / ".testguard-baseline.json").exists()
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "base")
    event = tmp_path / "push.json"
    event.write_text(
        json.dumps({"ref": "refs/heads/main", "after": git(work, "rev-parse", "HEAD")})
    )
    return work, event


def test_fail_on_new_passes_with_only_baselined_findings(
    baselined_repo: tuple[Path, Path], shim_path: str, tmp_path: Path
) -> None:
    work, event = baselined_repo
    result = run_action(work, event, shim_path, tmp_path)
    assert result.status == 0, result.log
    assert (result.outputs["findings"], result.outputs["new-findings"]) == ("1", "0")
    notes = ghlog.annotations_in(result.log)
    # a baselined finding on a green step is a notice, never a red error
    assert [(n.name, n.properties["title"]) for n in notes] == [
        ("notice", "TG302 (baselined)")
    ]


def test_baselined_findings_can_go_unannotated(
    baselined_repo: tuple[Path, Path], shim_path: str, tmp_path: Path
) -> None:
    work, event = baselined_repo
    write(work, {"tests/test_new.py": NEW_TEST})
    result = run_action(work, event, shim_path, tmp_path, **{"annotate-baselined": "none"})
    assert result.status == 1, result.log
    notes = ghlog.annotations_in(result.log)
    assert [(n.name, n.properties["file"]) for n in notes] == [("error", "tests/test_new.py")]
    # still reported everywhere else
    assert (result.outputs["findings"], result.outputs["new-findings"]) == ("2", "1")
    assert "| baselined |" in result.summary


def test_bad_annotate_baselined_value_is_a_clear_error(
    baselined_repo: tuple[Path, Path], shim_path: str, tmp_path: Path
) -> None:
    work, event = baselined_repo
    result = run_action(work, event, shim_path, tmp_path, **{"annotate-baselined": "error"})
    assert result.status == 2
    assert "input annotate-baselined must be 'notice' or 'none'" in result.log


def test_fail_on_any_fails_with_only_baselined_findings(
    baselined_repo: tuple[Path, Path], shim_path: str, tmp_path: Path
) -> None:
    work, event = baselined_repo
    result = run_action(work, event, shim_path, tmp_path, **{"fail-on": "any"})
    assert result.status == 1, result.log
    assert (result.outputs["findings"], result.outputs["new-findings"]) == ("1", "0")


def test_fail_on_new_fails_on_a_new_finding(
    baselined_repo: tuple[Path, Path], shim_path: str, tmp_path: Path
) -> None:
    work, event = baselined_repo
    write(work, {"tests/test_new.py": NEW_TEST})
    result = run_action(work, event, shim_path, tmp_path)
    assert result.status == 1
    assert (result.outputs["findings"], result.outputs["new-findings"]) == ("2", "1")


def test_a_pull_request_that_deletes_the_baseline_fails_with_tg003(
    baselined_repo: tuple[Path, Path], shim_path: str, tmp_path: Path
) -> None:
    """On the diff the old finding's line is unchanged: without TG003 the run would be green."""
    work, _ = baselined_repo
    base = git(work, "rev-parse", "HEAD")
    git(work, "checkout", "-q", "-b", "feature")
    git(work, "rm", "-q", ".testguard-baseline.json")
    git(work, "commit", "-q", "-m", "drop the baseline")
    event = tmp_path / "pr.json"
    event.write_text(json.dumps(pull_request_event(base, git(work, "rev-parse", "HEAD"))))
    result = run_action(work, event, shim_path, tmp_path)
    assert result.status == 1, result.log
    notes = ghlog.annotations_in(result.log)
    assert [(n.name, n.properties["file"], n.properties["title"]) for n in notes] == [
        ("error", ".testguard-baseline.json", "TG003")
    ]
    assert "the baseline was deleted, but the merge-base with " in notes[0].data
    assert (result.outputs["findings"], result.outputs["new-findings"]) == ("1", "1")


def test_bad_fail_on_value_is_a_clear_error(
    baselined_repo: tuple[Path, Path], shim_path: str, tmp_path: Path
) -> None:
    work, event = baselined_repo
    result = run_action(work, event, shim_path, tmp_path, **{"fail-on": "sometimes"})
    assert result.status == 2
    assert "input fail-on must be 'new' or 'any'" in result.log


def test_annotate_false_prints_a_fenced_plain_log(
    pr_repo: tuple[Path, Path], shim_path: str, tmp_path: Path
) -> None:
    work, event = pr_repo
    result = run_action(
        work, event, shim_path, tmp_path, annotate="false", summary="false"
    )
    assert result.status == 1
    assert ghlog.annotations_in(result.log) == []
    assert "tests/test_new.py:5:5: TG302" in result.log
    assert result.summary == ""


def test_unknown_base_commit_fails_with_a_message(
    pr_repo: tuple[Path, Path], shim_path: str, tmp_path: Path
) -> None:
    work, _ = pr_repo
    event = tmp_path / "bad-event.json"
    event.write_text(json.dumps(pull_request_event("0" * 40, "1" * 40)))
    result = run_action(work, event, shim_path, tmp_path)
    assert result.status == 2
    assert "testguard could not run (exit 2)" in result.log
    assert "--diff-base " + "0" * 40 in result.log


def test_explicit_diff_base_and_working_directory(
    shim_path: str, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    project = work / "services" / "api"
    project.mkdir(parents=True)
    git(work, "init", "-q", "-b", "main")
    write(
        project,
        {"pyproject.toml": '[project]\nname = "api"\n', "tests/test_old.py": OLD_TEST},
    )
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "base")
    write(project, {"tests/test_new.py": NEW_TEST})
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "head")
    event = tmp_path / "push.json"
    event.write_text("{}")
    result = run_action(
        work,
        event,
        shim_path,
        tmp_path,
        **{"diff-base": "HEAD~1", "working-directory": "services/api"},
    )
    assert result.status == 1, result.log
    notes = ghlog.annotations_in(result.log)
    assert [(n.properties["file"], n.properties["line"]) for n in notes] == [
        ("services/api/tests/test_new.py", "5")
    ]


def test_monorepo_paths_are_relative_to_the_repository_root(
    shim_path: str, tmp_path: Path
) -> None:
    """GitHub resolves annotation, SARIF and summary paths from the repository
    root, not from the action's working-directory."""
    work = tmp_path / "work"
    git(work.parent, "init", "-q", "-b", "main", str(work))
    write(
        work,
        {
            "README.md": "a monorepo\n",
            "services/app/pyproject.toml": '[project]\nname = "app"\n',
            "services/app/tests/test_old.py": OLD_TEST,
        },
    )
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "base")
    subprocess.run(
        ["testguard", "baseline", "exits"], cwd=work / "services" / "app",
        env={**os.environ, "PATH": shim_path}, check=True, capture_output=True,
    )
    base = git(work, "rev-parse", "HEAD")
    write(work, {"services/app/tests/test_new.py": NEW_TEST})
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "head")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(pull_request_event(base, git(work, "rev-parse", "HEAD"))))
    result = run_action(
        work, event, shim_path, tmp_path, sarif="app.sarif",
        **{"working-directory": "services/app", "fail-on": "any", "diff-base": "HEAD~1"},
    )
    assert result.status == 1, result.log
    where = "services/app/tests/test_new.py"
    notes = ghlog.annotations_in(result.log)
    assert [(n.name, n.properties["file"], n.properties["line"]) for n in notes] == [
        ("error", where, "5")
    ]
    assert f"{where}:5:5: TG302" in result.log  # the plain log too
    # SARIF: the URI is relative to %SRCROOT%, which is the workspace
    sarif = json.loads((work / "services/app/app.sarif").read_text(encoding="utf-8"))
    run = sarif["runs"][0]
    [location] = [r["locations"][0]["physicalLocation"] for r in run["results"]]
    assert location["artifactLocation"] == {"uri": where, "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == work.resolve().as_uri() + "/"
    # the job summary links to the file in the repository
    assert f"/blob/{'f' * 40}/{where}#L5" in result.summary
    assert f"<code>{where}:5:5</code>" in result.summary
    report = json.loads(Path(result.outputs["report"]).read_text(encoding="utf-8"))
    assert [f["path"] for f in report["findings"]] == [where]
    assert report["paths_relative_to"] == str(work)
    # the baseline keeps project-relative entries: on a push, the old finding
    # still matches it, and is shown where it is
    push = tmp_path / "push.json"
    push.write_text("{}")
    result = run_action(work, push, shim_path, tmp_path, **{"working-directory": "services/app"})
    assert (result.outputs["findings"], result.outputs["new-findings"]) == ("2", "1")
    notes = ghlog.annotations_in(result.log)
    assert [(n.name, n.properties["file"]) for n in notes] == [
        ("error", where),
        ("notice", "services/app/tests/test_old.py"),
    ]


def test_hostile_file_name_in_a_pull_request(
    pr_repo: tuple[Path, Path], shim_path: str, tmp_path: Path
) -> None:
    work, _ = pr_repo
    base = git(work, "rev-parse", "main")
    hostile = "tests/test_::set-output name=pwned::1,%0A.py"
    write(work, {hostile: "import sys\nsys.exit('::add-mask::x')\n"})
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "hostile")
    event = tmp_path / "event2.json"
    event.write_text(
        json.dumps(pull_request_event(base, git(work, "rev-parse", "HEAD")))
    )
    result = run_action(work, event, shim_path, tmp_path)
    assert result.status == 1, result.log
    acted = ghlog.commands(result.log)
    assert {c.name for c in acted} - {"error", "warning", "stop-commands"} == {
        c.name for c in acted if c.name.startswith("testguard-")
    }
    files = {n.properties.get("file") for n in ghlog.annotations_in(result.log)}
    assert hostile in files
    assert "pwned" not in result.steps["run"]


@pytest.mark.install
def test_install_step_installs_the_actions_version_with_pip(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True
    )
    # only the venv and the system's tools: no testguard from elsewhere on PATH
    path = os.pathsep.join([str(venv / "bin"), "/usr/bin", "/bin"])
    temp = tmp_path / "temp"
    temp.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    env = {"PATH": path, "HOME": str(tmp_path), "VIRTUAL_ENV": str(venv)}
    for key in (
        "PIP_CERT",
        "SSL_CERT_FILE",
        "PIP_INDEX_URL",
        "HTTPS_PROXY",
        "https_proxy",
        "PIP_CONFIG_FILE",
    ):
        if key in os.environ:
            env[key] = os.environ[key]
    result = ACTION.run(
        work, {}, tmp_path / "none.json", env, temp, skip=("base", "run")
    )
    assert result.status == 0, result.log
    version = subprocess.run(
        [str(venv / "bin" / "testguard"), "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert version.stdout.strip() == "testguard " + _project_version()
    # a second run finds it installed and skips pip
    again = ACTION.run(
        work, {}, tmp_path / "none.json", env, temp, skip=("base", "run")
    )
    assert "is already installed" in again.log


def _project_version() -> str:
    import tomllib

    return str(
        tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"][
            "version"
        ]
    )


def _documented_workflows() -> list[tuple[Path, str]]:
    """The copy-paste workflows (```yaml blocks starting with a workflow path)."""
    found = []
    for doc in (REPO / "README.md", REPO / "docs" / "readme" / "ci.md"):
        if not doc.exists():
            continue
        for block in doc.read_text(encoding="utf-8").split("```yaml\n")[1:]:
            body = block.split("```", 1)[0]
            if body.startswith("# .github/workflows/"):
                found.append((doc, body))
    return found


def test_documented_workflows_are_valid_and_use_real_inputs(tmp_path: Path) -> None:
    import yaml

    workflows = _documented_workflows()
    assert workflows, "no copy-paste workflow found in README.md or docs/readme/ci.md"
    for i, (doc, body) in enumerate(workflows):
        path = tmp_path / f"workflow{i}.yml"
        path.write_text(body, encoding="utf-8")
        proc = subprocess.run(
            [*CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, f"{doc}: {proc.stdout}{proc.stderr}"
        for job in yaml.safe_load(body)["jobs"].values():
            for step in job["steps"]:
                if str(step.get("uses", "")).startswith("testguard/testguard@"):
                    assert set(step.get("with", {})) <= set(ACTION.defaults()), doc
