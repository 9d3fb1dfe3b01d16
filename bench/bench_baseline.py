"""Baseline benchmark: a legacy repository with 1,000 findings adopts in one command.

In one run:
  1. generates a git repository whose test files hold 1,000 findings (process exits,
     and mock uses when the mocks check is installed);
  2. `testguard baseline` (one command) records them; the next `testguard run` is clean;
  3. end-to-end wall time of a run with and without the baseline (warm cache, medians);
  4. the cost of matching: `Baseline.load` + `Baseline.apply` timed in-process around a
     real `run_checks`, as a share of the checks' own time (target: under 10%);
  5. the same after every file with findings was edited (lines added at its top), and
     after a copy of an offending line was added to each of them as well, so that
     matching reads every recorded version back from git and diffs it.

    python bench/bench_baseline.py [--findings 1000] [--reps 5] [--json results.json]

testguard runs from this checkout (`python -m testguard`, PYTHONPATH=hooks).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
HOOKS = REPO / "hooks"
sys.path.insert(0, str(HOOKS))

from testguard.checks import CHECKS
from testguard import cli
from testguard.core.baseline import Baseline
from testguard.core.config import load_config
from testguard.core.context import Context
from testguard.core.runner import run_checks

PER_FILE = 5  # findings per legacy test file
GIT = [
    "git",
    "-c",
    "user.name=bench",
    "-c",
    "user.email=bench@example.com",
    "-c",
    "commit.gpgsign=false",
]


def _mocks_work(scratch: Path) -> bool:
    """Whether the installed mocks check runs (another engineer may still be writing it)."""
    if "mocks" not in [check.name for check in CHECKS]:
        return False
    probe = scratch / "probe"
    (probe / "tests").mkdir(parents=True)
    (probe / "pyproject.toml").write_text('[project]\nname = "probe"\n')
    (probe / "tests" / "test_p.py").write_text(
        "from unittest import mock\n\n\ndef test_p():\n    mock.Mock()\n"
    )
    proc = _testguard(probe, "mocks", "--no-cache")
    return proc.returncode == 1 and b"TG20" in proc.stdout


def _exit_file(i: int) -> str:
    body = ["import os", "import sys", "", "from demo import core", ""]
    for j in range(PER_FILE):
        call = (
            "sys.exit({n})",
            "os._exit({n})",
            "raise SystemExit({n})",
            "quit()",
            "exit({n})",
        )[j]
        body += [
            "",
            f"def test_{i}_{j}():",
            f"    assert core.value() == {j}",
            f"    {call.format(n=j)}",
            "",
        ]
    return "\n".join(body) + "\n"


def _mock_file(i: int) -> str:
    body = ["from unittest import mock", "", "from demo import core", ""]
    for j in range(PER_FILE - 1):
        body += [
            "",
            f"def test_{i}_{j}():",
            f"    fake = mock.Mock(return_value={j})",
            "    assert fake() == core.value() - 1",
            "",
        ]
    return "\n".join(body) + "\n"


def generate(root: Path, findings: int, with_mocks: bool) -> tuple[int, str]:
    """The legacy repository; returns (expected findings, checks configured)."""
    checks = ["exits", "mocks"] if with_mocks else ["exits"]
    (root / "src" / "demo").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\n\n[tool.testguard]\nchecks = {json.dumps(checks)}\n'
    )
    (root / ".gitignore").write_text(".testguard_cache/\n")
    (root / "src" / "demo" / "__init__.py").write_text("")
    (root / "src" / "demo" / "core.py").write_text(
        "def value() -> int:\n    return 1\n"
    )
    expected = 0
    i = 0
    while expected < findings:
        if with_mocks and i % 2:
            (root / "tests" / f"test_mocked_{i:04d}.py").write_text(_mock_file(i))
            expected += 1 + (PER_FILE - 1)  # the import, and each Mock()
        else:
            (root / "tests" / f"test_legacy_{i:04d}.py").write_text(_exit_file(i))
            expected += PER_FILE
        i += 1
    for k in range(200):  # clean test files: matching must not cost on them either
        (root / "tests" / f"test_clean_{k:04d}.py").write_text(
            f"def test_ok_{k}():\n    assert {k} == {k}\n"
        )
    subprocess.run([*GIT, "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=root, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "legacy"], cwd=root, check=True)
    return expected, ",".join(checks)


def _testguard(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(HOOKS)}
    return subprocess.run(
        [sys.executable, "-m", "testguard", *args],
        cwd=root,
        env=env,
        capture_output=True,
        check=False,
    )


def _timed(root: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    start = time.perf_counter()
    proc = _testguard(root, *args)
    return time.perf_counter() - start, proc


def _child_cpu(root: Path, *args: str) -> float:
    """User + system CPU seconds of one testguard process (steadier than wall time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    _testguard(root, *args)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _context(root: Path, command: list[str]) -> Context:
    args = cli.build_parser(CHECKS, command[0]).parse_args(command)
    return Context(root=root, config=load_config(root, sections=[check.config for check in CHECKS]), paths=[], options=cli.run_options(args))


def matching_cost(root: Path, names: list[str], reps: int, use_cache: bool) -> dict[str, float]:
    """run_checks against Baseline.load + apply, in-process: wall and CPU time, medians.

    CPU time (this process) is the steadier measure on a shared machine; it leaves out
    the worker processes of a cold run, so the cold ratio is given in wall time.
    """
    os.chdir(root)
    flags = [] if use_cache else ["--no-cache"]
    samples: dict[str, list[float]] = {"checks": [], "matching": [], "checks_cpu": [], "matching_cpu": []}
    baselined = 0
    for _ in range(reps):
        ctx = _context(root, ["run", "--checks", ",".join(names), *flags])
        wall, cpu = time.perf_counter(), time.process_time()
        results = run_checks(ctx, [check for name in names for check in CHECKS if check.name == name])
        samples["checks"].append(time.perf_counter() - wall)
        samples["checks_cpu"].append(time.process_time() - cpu)
        wall, cpu = time.perf_counter(), time.process_time()
        baseline = Baseline.load(ctx.baseline_path, root)
        assert baseline is not None
        baseline.apply(results, None)
        samples["matching"].append(time.perf_counter() - wall)
        samples["matching_cpu"].append(time.process_time() - cpu)
        baselined = sum(1 for r in results for f in r.findings if f.status.value == "baselined")
    out = {name: statistics.median(values) for name, values in samples.items()}
    out["ratio"] = out["matching"] / out["checks"]
    out["ratio_cpu"] = out["matching_cpu"] / out["checks_cpu"]
    out["baselined"] = baselined
    return out


def shift_findings(root: Path, copy: bool = False) -> int:
    """Adds two lines at the top of every test file with findings (and, with ``copy``,
    a second copy of its first offending line); returns how many files."""
    edited = 0
    for path in sorted((root / "tests").glob("test_*.py")):
        if "test_clean_" in path.name:
            continue
        lines = path.read_text().splitlines(keepends=True)
        if copy:
            at = next(i for i, line in enumerate(lines) if "sys.exit(" in line or "mock.Mock(" in line)
            lines.insert(at, lines[at])
        path.write_text("# edited after the baseline\n\n" + "".join(lines))
        edited += 1
    return edited


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--findings", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--json", metavar="FILE", help="write the numbers as JSON")
    opts = parser.parse_args(argv)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="tg-bench-baseline-") as scratch:
        with_mocks = _mocks_work(Path(scratch))
        root = Path(scratch) / "legacy"
        root.mkdir()
        expected, checks = generate(root, opts.findings, with_mocks)
        names = checks.split(",")
        print(
            f"repository: {len(list((root / 'tests').glob('test_*.py')))} test files,"
            f" {expected} findings expected ({checks})"
        )

        before = _testguard(root, "run", "--format", "json", "--no-baseline")
        found = json.loads(before.stdout)["summary"]["total"]
        print(f"before adopting: exit {before.returncode}, {found} findings")

        seconds, adopt = _timed(root, "baseline")
        print(
            f"adopt: `testguard baseline` exit {adopt.returncode} in {seconds:.2f}s:"
            f" {adopt.stderr.decode().strip()}"
        )
        after = _testguard(root, "run")
        summary = after.stdout.decode().strip().splitlines()[-1]
        print(f"next run: exit {after.returncode}: {summary}")
        out["adopt"] = {
            "findings": found,
            "exit": adopt.returncode,
            "seconds": seconds,
            "next_run_exit": after.returncode,
        }
        if adopt.returncode != 0 or after.returncode != 0 or found < opts.findings:
            print("FAILED: adoption is not clean", file=sys.stderr)
            return 1

        walls: dict[str, list[float]] = {"with": [], "without": []}
        cpus: dict[str, list[float]] = {"with": [], "without": []}
        for _ in range(opts.reps):
            walls["without"].append(_timed(root, "run", "--no-baseline")[0])
            walls["with"].append(_timed(root, "run")[0])
            cpus["without"].append(_child_cpu(root, "run", "--no-baseline"))
            cpus["with"].append(_child_cpu(root, "run"))
        with_b, without_b = statistics.median(walls["with"]), statistics.median(walls["without"])
        with_c, without_c = statistics.median(cpus["with"]), statistics.median(cpus["without"])
        print(
            f"end to end, warm cache, median of {opts.reps}: with baseline {with_b:.3f}s wall /"
            f" {with_c:.3f}s CPU, without {without_b:.3f}s wall / {without_c:.3f}s CPU"
        )
        out["end_to_end"] = {
            "with_baseline_s": with_b, "without_baseline_s": without_b,
            "with_baseline_cpu_s": with_c, "without_baseline_cpu_s": without_c,
        }

        for label, use_cache in (("warm cache", True), ("cold (--no-cache)", False)):
            cost = matching_cost(root, names, max(opts.reps, 10) if use_cache else opts.reps, use_cache)
            ratio = cost["ratio_cpu"] if use_cache else cost["ratio"]
            verdict = "ok" if ratio < 0.10 else "OVER TARGET"
            print(f"matching, {label}, median: checks {cost['checks'] * 1000:.1f} ms wall /"
                  f" {cost['checks_cpu'] * 1000:.1f} ms CPU; load+apply of"
                  f" {int(cost['baselined'])} findings {cost['matching'] * 1000:.2f} ms wall /"
                  f" {cost['matching_cpu'] * 1000:.2f} ms CPU: {ratio:.1%} of the checks'"
                  f" {'CPU' if use_cache else 'wall'} time (target < 10%: {verdict})")
            out["warm" if use_cache else "cold"] = cost
        share = out["warm"]["matching_cpu"] / out["end_to_end"]["without_baseline_cpu_s"]
        print(f"matching as a share of the end-to-end warm run (CPU): {share:.1%}")

        for label, copy in (("edited", False), ("edited_with_copies", True)):
            subprocess.run([*GIT, "checkout", "-q", "--", "tests"], cwd=root, check=True)
            edited = shift_findings(root, copy)
            cost = matching_cost(root, names, max(opts.reps, 10), True)
            what = " and a copy of an offending line in each" if copy else ""
            print(f"matching after lines added to {edited} files{what} (warm cache), median:"
                  f" checks {cost['checks'] * 1000:.1f} ms wall / {cost['checks_cpu'] * 1000:.1f} ms"
                  f" CPU; load+apply {cost['matching'] * 1000:.2f} ms wall /"
                  f" {cost['matching_cpu'] * 1000:.2f} ms CPU ({int(cost['baselined'])} findings"
                  f" baselined): {cost['ratio_cpu']:.1%} of the checks' CPU time")
            out[label] = {**cost, "files": edited}
        os.chdir(REPO)
    if opts.json:
        Path(opts.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
