"""Runs a composite action's steps as the GitHub runner does, for tests.

No tool runs composite actions locally (act needs Docker), so this does what the
runner does for ``shell: bash`` steps: expand ``${{ }}`` expressions, write the
script to a file, run it with ``bash --noprofile --norc -eo pipefail``, give each
step fresh ``GITHUB_OUTPUT`` / ``GITHUB_STEP_SUMMARY`` files, read the outputs
back (``name=value`` and ``name<<DELIM`` forms), stop at the first failing step,
and finally evaluate the action's ``outputs``.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class ActionRun:
    status: int
    log: str
    outputs: dict[str, str]
    summary: str
    steps: dict[str, dict[str, str]] = field(default_factory=dict)
    failed_step: str | None = None


def read_outputs(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            value: list[str] = []
            i += 1
            while lines[i] != delim:
                value.append(lines[i])
                i += 1
            out[name] = "\n".join(value)
        elif "=" in line:
            name, value_text = line.split("=", 1)
            out[name] = value_text
        i += 1
    return out


class CompositeAction:
    def __init__(self, action_dir: Path) -> None:
        self.dir = action_dir
        self.meta: dict[str, Any] = yaml.safe_load(
            (action_dir / "action.yml").read_text(encoding="utf-8")
        )
        assert self.meta["runs"]["using"] == "composite"

    def defaults(self) -> dict[str, str]:
        return {
            name: str(spec.get("default", ""))
            for name, spec in self.meta.get("inputs", {}).items()
        }

    def run(
        self,
        workspace: Path,
        inputs: dict[str, str],
        event_path: Path,
        env: dict[str, str],
        temp: Path,
        skip: tuple[str, ...] = (),
    ) -> ActionRun:
        unknown = set(inputs) - set(self.defaults())
        assert not unknown, f"not inputs of the action: {unknown}"
        values = {**self.defaults(), **inputs}
        steps: dict[str, dict[str, str]] = {}
        context = {
            "github.action_path": str(self.dir),
            "github.workspace": str(workspace),
            "github.event_path": str(event_path),
            "runner.temp": str(temp),
        }

        def expand(text: str) -> str:
            def one(match: re.Match[str]) -> str:
                expr = match.group(1)
                if expr.startswith("inputs."):
                    return values[expr[len("inputs.") :]]
                m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
                if m:
                    return steps.get(m.group(1), {}).get(m.group(2), "")
                if expr in context:
                    return context[expr]
                raise AssertionError(f"expression the harness does not know: {expr}")

            return _EXPR.sub(one, text)

        log: list[str] = []
        summary: list[str] = []
        status = 0
        failed = None
        for index, step in enumerate(self.meta["runs"]["steps"]):
            step_id = step.get("id", f"__step{index}")
            assert "uses" not in step and "if" not in step, (
                "the harness runs plain run: steps"
            )
            assert step.get("shell") == "bash"
            if step_id in skip:
                steps[step_id] = {}
                continue
            script = temp / f"step-{step_id}.sh"
            script.write_text(expand(step["run"]), encoding="utf-8")
            output_file = temp / f"output-{step_id}"
            summary_file = temp / f"summary-{step_id}"
            output_file.write_text("")
            summary_file.write_text("")
            step_env = {
                **env,
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_ACTION": f"__testguard_{step_id}",
                "GITHUB_ACTION_PATH": str(self.dir),
                "GITHUB_WORKSPACE": str(workspace),
                "GITHUB_EVENT_PATH": str(event_path),
                "GITHUB_OUTPUT": str(output_file),
                "GITHUB_STEP_SUMMARY": str(summary_file),
                "RUNNER_TEMP": str(temp),
            }
            for key, value in (step.get("env") or {}).items():
                step_env[key] = expand(str(value))
            cwd = workspace / expand(step.get("working-directory", "."))
            proc = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=cwd,
                env=step_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=300,
                check=False,
            )
            log.append(proc.stdout)
            steps[step_id] = read_outputs(output_file)
            summary.append(summary_file.read_text(encoding="utf-8"))
            if proc.returncode != 0:
                status, failed = proc.returncode, step_id
                break
        outputs = {
            name: expand(str(spec.get("value", "")))
            for name, spec in self.meta.get("outputs", {}).items()
        }
        return ActionRun(status, "".join(log), outputs, "".join(summary), steps, failed)
