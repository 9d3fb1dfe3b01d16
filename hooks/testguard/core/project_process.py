"""Running a command in the project's own interpreter, contained and bounded."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from testguard.core import processes
from testguard.core.findings import UsageError

_TAIL_CHARS = 4000


@dataclass
class Completed:
    """What the process did: its exit code (negative: killed by that signal), its output."""

    returncode: int
    output: str
    timed_out: bool = False

    def tail(self, chars: int = _TAIL_CHARS) -> str:
        text = self.output.strip()
        return text if len(text) <= chars else "…" + text[-chars:]


def run_python(
    python: Path,
    args: Sequence[str],
    cwd: Path,
    *,
    env: Mapping[str, str] | None = None,
    pythonpath: Sequence[Path] = (),
    timeout: float | None = None,
) -> Completed:
    """``python args...`` in ``cwd``; stdout and stderr together, as a user sees them."""
    full_env = dict(os.environ if env is None else env)
    if pythonpath:
        parts = [str(p) for p in pythonpath]
        if full_env.get("PYTHONPATH"):
            parts.append(full_env["PYTHONPATH"])
        full_env["PYTHONPATH"] = os.pathsep.join(parts)
    try:
        proc = processes.run(
            [str(python), *args], cwd=cwd, env=full_env, timeout=timeout, merge_stderr=True
        )
    except OSError as exc:
        raise UsageError(
            f"cannot run the project's interpreter {python}: {exc.strerror or exc};"
            " point 'python' in [tool.testguard] at a working interpreter"
        ) from None
    text = proc.stdout.decode("utf-8", "replace")
    if proc.timed_out:
        return Completed(returncode=-1, output=text, timed_out=True)
    return Completed(proc.returncode, text)


def missing_module(completed: Completed, module: str) -> bool:
    """True when the interpreter said it has no ``module`` (``python -m module``)."""
    text = completed.output
    return completed.returncode != 0 and (
        f"No module named {module}" in text or f"No module named '{module}'" in text
    )
