"""mypy-gate benchmark: `testguard mypy` against the same mypy command run bare.

For each scenario, cold (mypy's cache removed) and warm (cache filled, nothing
changed), alternating bare and testguard runs, medians of --reps runs:

  own-python   the project's interpreter is the one testguard runs in (a CI job
               where the project and testguard share an environment);
  venv         the project has its own virtualenv (here one with system
               site-packages, so testguard has to start it once to look for mypy).

The bare command is exactly the one testguard runs (taken from its JSON report:
same mypy, same --python-executable, same flags), so the ratio is testguard's own
overhead: starting up, finding the interpreter and mypy, parsing mypy's output,
building findings and the report.  Targets: cold <= 1.10, warm <= 1.2.  Wall
time and CPU time (user + system of the whole process tree) are both reported:
on a loaded machine wall times swing by tens of percent from run to run, CPU
time much less.

The project is a snapshot of this checkout's own package (hooks/ + pyproject.toml,
which configures mypy --strict on it) copied to a temporary directory so that
edits in the checkout during the run do not change the work; --project DIR
benchmarks another project instead (it is used in place, its .mypy_cache is not
touched: the caches live in a temporary directory, MYPY_CACHE_DIR).

    python bench/bench_mypy.py [--reps 5] [--cold-reps 2] [--project DIR] [--scenario NAME] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HOOKS = REPO / "hooks"
TARGETS = {"cold": 1.10, "warm": 1.20, "cold cpu": 1.10, "warm cpu": 1.20}
KINDS = tuple(TARGETS)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall seconds and CPU seconds (user + system, the process and everything it waited for)."""
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, _children_cpu() - cpu, proc


def testguard_command(python: Path) -> list[str]:
    return [sys.executable, "-m", "testguard", "mypy", "--no-baseline", "--python", str(python)]


def bare_command(project: Path, python: Path, env: dict[str, str]) -> list[str]:
    """The mypy command testguard runs, read from its JSON report."""
    proc = subprocess.run([*testguard_command(python), "--format", "json"], cwd=project, env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        sys.exit(f"testguard mypy failed (exit {proc.returncode}):\n{proc.stderr}")
    report = json.loads(proc.stdout)
    command: list[str] = report["checks"]["mypy"]["sections"]["mypy"]["command"]
    return command


def scenario(name: str, project: Path, python: Path, cache: Path, reps: int, cold_reps: int) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "GITHUB_ACTIONS")}
    env["PYTHONPATH"] = str(HOOKS)
    env["MYPY_CACHE_DIR"] = str(cache)
    bare = bare_command(project, python, env)
    tg = testguard_command(python)
    times: dict[str, dict[str, list[float]]] = {kind: {"bare": [], "testguard": []} for kind in KINDS}
    codes: dict[str, int] = {}
    for i in range(cold_reps):
        order = [("bare", bare), ("testguard", tg)] if i % 2 == 0 else [("testguard", tg), ("bare", bare)]
        for label, command in order:
            shutil.rmtree(cache, ignore_errors=True)
            seconds, cpu, proc = timed(command, project, env)
            times["cold"][label].append(seconds)
            times["cold cpu"][label].append(cpu)
            codes[label] = proc.returncode
    timed(bare, project, env)  # fill the cache
    for i in range(reps):
        order = [("bare", bare), ("testguard", tg)] if i % 2 == 0 else [("testguard", tg), ("bare", bare)]
        for label, command in order:
            seconds, cpu, _ = timed(command, project, env)
            times["warm"][label].append(seconds)
            times["warm cpu"][label].append(cpu)
    result: dict[str, Any] = {"scenario": name, "bare_command": bare, "exit_codes": codes}
    for kind in KINDS:
        bare_median = statistics.median(times[kind]["bare"])
        tg_median = statistics.median(times[kind]["testguard"])
        result[kind] = {"bare": bare_median, "testguard": tg_median, "ratio": tg_median / bare_median,
                        "runs": times[kind]}
    return result


def snapshot(directory: Path) -> Path:
    project = directory / "project"
    shutil.copytree(HOOKS, project / "hooks", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO / "pyproject.toml", project / "pyproject.toml")
    return project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="warm runs of each (median)")
    parser.add_argument("--cold-reps", type=int, default=2, help="cold runs of each (median)")
    parser.add_argument("--project", type=Path, help="benchmark this project (default: a snapshot of testguard)")
    parser.add_argument("--scenario", choices=("own-python", "venv"), action="append",
                        help="run only this scenario (repeatable; default: both)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-mypy-") as tmp:
        work = Path(tmp)
        project = args.project.resolve() if args.project else snapshot(work)
        venv = work / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)],
                       check=True)
        pythons = {"own-python": Path(sys.executable), "venv": venv / "bin" / "python"}
        results = [
            scenario(name, project, python, work / f"cache-{name}", args.reps, args.cold_reps)
            for name, python in pythons.items()
            if not args.scenario or name in args.scenario
        ]
    print(f"project: {args.project or 'snapshot of testguard (hooks/, mypy --strict)'}")
    print(f"load average before: {load[0]:.1f}, after: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    print(f"{'scenario':<12} {'run (median)':<13} {'bare mypy':>10} {'testguard':>10} {'ratio':>7} {'target':>7}")
    ok = True
    for r in results:
        for kind in KINDS:
            row = r[kind]
            met = row["ratio"] <= TARGETS[kind]
            ok = ok and met
            print(f"{r['scenario']:<12} {kind:<13} {row['bare']:>9.2f}s {row['testguard']:>9.2f}s"
                  f" {row['ratio']:>6.2f}x {TARGETS[kind]:>6.2f}x {'ok' if met else 'MISSED'}")
    print("bare command:", " ".join(results[0]["bare_command"]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
