"""``pytest --collect-only`` in the project's interpreter, with testguard's plugin loaded."""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testguard.core.findings import UsageError
from testguard.core.project_process import Completed, missing_module, run_python

PLUGIN_MODULE = "_testguard_collect"
_PLUGIN_SOURCE = Path(__file__).with_name("plugin.py")


@dataclass
class CollectError:
    """One error the plugin recorded (see plugin.py for the fields)."""

    stage: str
    nodeid: str
    path: str
    type: str
    message: str
    frames: list[tuple[str, int]]
    longrepr: str
    pytest_exit: bool = False  # pytest.exit(): the collection ended there


@dataclass
class CollectOutcome:
    """What one collection run produced."""

    completed: Completed
    command: list[str]
    stage: str = "not started"  # startup, conftest, collecting, collected, finished
    items: int | None = None
    exitstatus: int | None = None
    errors: list[CollectError] = field(default_factory=list)
    current: str = ""  # the file pytest was collecting when it last said something

    @property
    def returncode(self) -> int:
        return self.completed.returncode


def _load_state(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _error(raw: Any) -> CollectError | None:
    if not isinstance(raw, dict):
        return None
    frames = [
        (str(f[0]), int(f[1]))
        for f in raw.get("frames", [])
        if isinstance(f, list) and len(f) == 2 and isinstance(f[1], int)
    ]
    return CollectError(
        stage=str(raw.get("stage", "")),
        nodeid=str(raw.get("nodeid", "")),
        path=str(raw.get("path", "")),
        type=str(raw.get("type", "")),
        message=str(raw.get("message", "")),
        frames=frames,
        longrepr=str(raw.get("longrepr", "")),
        pytest_exit=raw.get("pytest_exit") is True,
    )


def collect(root: Path, python: Path, args: list[str], timeout: float) -> CollectOutcome:
    """Runs the collection; raises UsageError when pytest is not there or rejects ``args``."""
    with tempfile.TemporaryDirectory(prefix="testguard-collect-") as tmp:
        tmpdir = Path(tmp)
        (tmpdir / f"{PLUGIN_MODULE}.py").write_text(
            _PLUGIN_SOURCE.read_text(encoding="utf-8"), encoding="utf-8"
        )
        state_file = tmpdir / "state.json"
        env = dict(os.environ)
        env["TESTGUARD_COLLECT_OUT"] = str(state_file)
        env.pop("PYTEST_XDIST_WORKER", None)
        env["PYTHONFAULTHANDLER"] = "1"  # a crash prints the Python lines it crashed on
        pytest_args = ["--collect-only", "-q", "--color=no", "-p", PLUGIN_MODULE, *args]
        command = [str(python), "-m", "pytest", *pytest_args]
        completed = run_python(
            python, ["-m", "pytest", *pytest_args], root,
            env=env, pythonpath=[tmpdir], timeout=timeout,
        )
        state = _load_state(state_file)
        current_file = state_file.with_name(state_file.name + ".current")
        current = (
            current_file.read_text(encoding="utf-8", errors="surrogateescape")
            if current_file.is_file() else ""
        )
    outcome = CollectOutcome(completed=completed, command=command, current=current)
    if state is not None:
        outcome.stage = str(state.get("stage", "startup"))
        items = state.get("items")
        outcome.items = items if isinstance(items, int) else None
        status = state.get("exitstatus")
        outcome.exitstatus = status if isinstance(status, int) else None
        outcome.errors = [e for e in map(_error, state.get("errors", [])) if e is not None]
    _raise_usage(outcome, python, args)
    return outcome


def _raise_usage(outcome: CollectOutcome, python: Path, args: list[str]) -> None:
    completed = outcome.completed
    if completed.timed_out or outcome.errors or outcome.items is not None:
        return
    if missing_module(completed, "pytest"):
        raise UsageError(
            f"pytest is not installed in the project's interpreter {python}: install it there"
            " (python -m pip install pytest), or point 'python' in [tool.testguard] at the"
            " environment that has the project's test dependencies"
        )
    text = completed.output
    rejected = completed.returncode == 4 and (
        "error: unrecognized arguments" in text or "ERROR: usage:" in text
        or "error: argument" in text
    )
    if rejected and "while loading conftest" not in text:
        where = f" (with [tool.testguard.collect] args = {args!r})" if args else ""
        raise UsageError(f"pytest rejected its arguments{where}:\n{completed.tail(1500)}")
    if outcome.stage == "not started" and completed.returncode >= 0:
        said = completed.said()
        raise UsageError(
            f"the project's interpreter {python} did not start pytest (exit code"
            f" {completed.returncode}){said}\npoint 'python' in [tool.testguard] (or --python) at"
            " the project's Python, the one that has pytest"
        )


# ``path:12: in <module>`` (pytest short tracebacks) and ``File "path", line 12`` (Python's).
# A short-traceback path starts only where a word does: tried at every character of a long
# word (a dump printed on one line), the match would backtrack over the rest of it each time.
_LOCATION = re.compile(
    r'File "(?P<file>[^"]+)", line (?P<line>\d+)|(?<![^\s:"])(?P<file2>[^\s:"]+\.py):(?P<line2>\d+)\b'
)


def locations_in_output(text: str) -> list[tuple[str, int]]:
    """Every source location a traceback in pytest's output names, in order."""
    out: list[tuple[str, int]] = []
    for raw in text.splitlines():
        line = raw.removeprefix("INTERNALERROR> ")
        for m in _LOCATION.finditer(line):
            file = m.group("file") or m.group("file2")
            number = m.group("line") or m.group("line2")
            out.append((file, int(number)))
    return out


def project_location(frames: list[tuple[str, int]], root: Path) -> tuple[Path, int] | None:
    """The deepest frame in the project's own files (not pytest, stdlib or site-packages)."""
    for file, line in reversed(frames):
        if not file or file.startswith("<"):
            continue
        path = Path(file)
        if not path.is_absolute():
            path = root / path
        try:
            resolved = path.resolve()
            relative = resolved.relative_to(root.resolve())
        except (OSError, ValueError):
            continue
        if {"site-packages", "dist-packages"} & set(relative.parts):
            continue
        if resolved.is_file():
            return resolved, line
    return None
