"""Benchmark of ``testguard imports``: its verdicts against the fresh-interpreter oracle, its
time against one plain process, on real packages installed from PyPI.

For each package (default: sympy, whose ``__init__`` imports almost everything, and
Django, with a tiny ``__init__``, heavy leaves, import cycles and migrations) it

  (a) times one plain process importing every module in sequence (the floor; not contained),
  (b) times ``testguard imports --installed`` over every module, each contained
      (default workers; ``--reps`` runs interleaved with (a), the best of each kept),
  (c) computes the oracle: ``python -c "import importlib; importlib.import_module(M)"``,
      a fresh interpreter per module, ``--oracle-jobs`` at a time; cached in
      bench/.corpus/imports/ (keyed by package, interpreter and module list),
  (d) runs testguard again with ``--workers 1`` and checks the verdicts do not change,

and prints, per package, the modules testguard missed (fail alone, reported clean) and
the false ones (reported, but import alone), and the ratio (b)/(a).

    python bench/bench_imports.py                          # both packages
    python bench/bench_imports.py --packages sympy==1.14.0 --reps 3
    python bench/bench_imports.py --hooks /tmp/old/hooks   # another testguard (before/after)
    python bench/bench_imports.py --before /tmp/old/hooks  # both, interleaved in the same run

The venvs and the oracle cache live in bench/.corpus/imports/ (git-ignored).
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
STORE = HERE / ".corpus" / "imports"
PACKAGES = ["sympy==1.14.0", "Django==5.1.4"]

PLAIN = """
import importlib, json, sys, warnings
warnings.simplefilter("ignore")
failed = []
for name in json.load(open(sys.argv[1])):
    try:
        importlib.import_module(name)
    except BaseException:
        failed.append(name)
print(json.dumps(failed))
"""
ORACLE = "import importlib, sys; importlib.import_module(sys.argv[1])"
# Every .py file of the package that has a dotted name, as testguard discovers them.
DISCOVER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from testguard.checks.imports.discover import discover_modules
from pathlib import Path
print(json.dumps([s.name for s in discover_modules([Path(sys.argv[2])], [sys.argv[3]])]))
"""


def cpu_of_children() -> float:
    """CPU seconds of every finished descendant, orphans included (we are their subreaper)."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def become_subreaper() -> None:
    """Forked workers outlive their parents; adopt them so their CPU time is counted."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def venv_python(spec: str) -> Path:
    venv = STORE / spec.split("==")[0].lower()
    python = venv / "bin" / "python"
    if not python.exists():
        STORE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", spec], check=True)
    return python


def import_name(python: Path, spec: str) -> str:
    """The top-level package a distribution installs (Django -> django)."""
    dist = spec.split("==")[0]
    code = f"import importlib.metadata as m; print(m.distribution({dist!r}).read_text('top_level.txt') or '')"
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=False)
    tops = out.stdout.split()
    return dist.lower() if dist.lower() in tops or not tops else tops[0]


def site_packages(python: Path, package: str) -> Path:
    code = (
        "import importlib.util as u, os;"
        f"print(os.path.dirname(u.find_spec({package!r}).submodule_search_locations[0]))"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def discover(hooks: Path, site: Path, package: str) -> list[str]:
    # The module list is the current checkout's discovery for every run, so that an
    # older testguard (--hooks) is judged on the same modules.
    out = subprocess.run(
        [sys.executable, "-c", DISCOVER, str(REPO / "hooks"), str(site), package],
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(out.stdout))


@dataclass
class Timing:
    wall: float
    cpu: float
    failing: set[str] = field(default_factory=set)
    section: dict[str, object] = field(default_factory=dict)


def plain(python: Path, modules_file: Path, cwd: Path) -> Timing:
    cpu0 = cpu_of_children()
    start = time.monotonic()
    proc = subprocess.run(
        [str(python), "-c", PLAIN, str(modules_file)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )
    wall = time.monotonic() - start
    failing = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    return Timing(wall, cpu_of_children() - cpu0, failing)


def testguard(
    hooks: Path, python: Path, package: str, workers: int | None, project: Path
) -> Timing:
    workers_line = "" if workers is None else f"workers = {workers}\n"
    (project / "pyproject.toml").write_text(
        f'[tool.testguard]\npackages = ["{package}"]\npython = "{python}"\n'
        f"[tool.testguard.imports]\ntimeout = 120\n{workers_line}"
    )
    report = project / "report.json"
    env = dict(os.environ, PYTHONPATH=str(hooks))
    cpu0 = cpu_of_children()
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "testguard", "imports", "--installed", "--no-baseline",
         "--format", "json", "--output", str(report)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"testguard failed ({proc.returncode}): {proc.stderr}")
    data = json.loads(report.read_text())
    failing = {f["details"]["module"] for f in data["findings"] if "module" in f["details"]}
    section = data["checks"]["imports"]["sections"]["imports"]
    return Timing(wall, cpu_of_children() - cpu0, failing, section)


def median(timings: list[Timing]) -> float:
    """The median CPU time: on a shared machine it moves less than wall time."""
    values = sorted(t.cpu for t in timings)
    return values[len(values) // 2] if len(values) % 2 else sum(values[len(values) // 2 - 1 :][:2]) / 2


def oracle_key(python: Path, spec: str, modules: list[str]) -> str:
    version = subprocess.run(
        [str(python), "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True
    ).stdout
    digest = hashlib.sha256(json.dumps([spec, version, modules]).encode()).hexdigest()
    return digest[:16]


def oracle(python: Path, spec: str, modules: list[str], jobs: int, cwd: Path, refresh: bool) -> set[str]:
    """The modules that fail in a fresh interpreter of their own (cached)."""
    cache = STORE / f"oracle-{spec.split('==')[0].lower()}-{oracle_key(python, spec, modules)}.json"
    if cache.exists() and not refresh:
        return set(json.loads(cache.read_text()))

    def one(name: str) -> tuple[str, bool]:
        try:
            proc = subprocess.run(
                [str(python), "-c", ORACLE, name],
                cwd=cwd,
                timeout=300,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return name, False
        return name, proc.returncode == 0

    start = time.monotonic()
    failed: set[str] = set()
    with ThreadPoolExecutor(jobs) as pool:
        for done, (name, ok) in enumerate(pool.map(one, modules), 1):
            if not ok:
                failed.add(name)
            if done % 200 == 0:
                print(f"  oracle: {done}/{len(modules)} after {time.monotonic() - start:.0f}s", flush=True)
    STORE.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(sorted(failed), indent=1))
    return failed


def verdicts(label: str, reported: set[str], truth: set[str]) -> dict[str, object]:
    missed = sorted(truth - reported)
    false = sorted(reported - truth)
    print(f"    {label}: {len(missed)} missed, {len(false)} false (oracle: {len(truth)} failing)")
    for module in missed[:15]:
        print(f"      missed: {module}")
    for module in false[:15]:
        print(f"      false:  {module}")
    return {"missed": missed, "false": false}


def bench_package(args: argparse.Namespace, spec: str, work: Path) -> dict[str, object]:
    python = venv_python(spec)
    package = import_name(python, spec)
    site = site_packages(python, package)
    modules = discover(args.hooks, site, package)
    print(f"{spec}: {len(modules)} modules; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    modules_file = work / f"{package}.json"
    modules_file.write_text(json.dumps(modules))
    empty = work / "empty"
    empty.mkdir(exist_ok=True)
    project = work / f"project-{package}"
    project.mkdir(exist_ok=True)
    plains: list[Timing] = []
    runs: list[Timing] = []
    befores: list[Timing] = []
    for _ in range(args.reps):
        plains.append(plain(python, modules_file, empty))
        runs.append(testguard(args.hooks, python, package, args.workers, project))
        if args.before:
            befores.append(testguard(args.before, python, package, args.workers, project))
    a = min(plains, key=lambda t: t.wall)
    b = min(runs, key=lambda t: t.wall)
    print(f"  (a) plain, one process, not contained: {a.wall:6.2f}s wall, {a.cpu:6.2f}s CPU"
          f"  (walls: {', '.join(f'{t.wall:.2f}' for t in plains)}; CPU median {median(plains):.2f}s)")
    if befores:
        c = min(befores, key=lambda t: t.wall)
        print(f"      before ({args.before}): {c.wall:6.2f}s wall, {c.cpu:6.2f}s CPU"
              f"  (walls: {', '.join(f'{t.wall:.2f}' for t in befores)}; CPU median {median(befores):.2f}s)")
        print(f"      before/a = {c.wall / a.wall:.2f} wall, {median(befores) / median(plains):.2f} CPU (medians)")
    print(f"  (b) testguard imports, each contained: {b.wall:6.2f}s wall, {b.cpu:6.2f}s CPU"
          f"  (walls: {', '.join(f'{t.wall:.2f}' for t in runs)}; CPU median {median(runs):.2f}s;"
          f" {b.section.get('seconds')}s in the check)")
    print(f"      b/a = {b.wall / a.wall:.2f} wall (target <= 1.0), {b.cpu / a.cpu:.2f} CPU,"
          f" {median(runs) / median(plains):.2f} CPU (medians); load average now {os.getloadavg()[0]:.2f}")
    result: dict[str, object] = {
        "package": spec,
        "modules": len(modules),
        "plain_wall": round(a.wall, 2),
        "plain_cpu": round(a.cpu, 2),
        "testguard_wall": round(b.wall, 2),
        "testguard_cpu": round(b.cpu, 2),
        "ratio": round(b.wall / a.wall, 3),
        "cpu_ratio_of_medians": round(median(runs) / median(plains), 3),
        "walls": {"plain": [round(t.wall, 2) for t in plains], "testguard": [round(t.wall, 2) for t in runs],
                  "before": [round(t.wall, 2) for t in befores]},
        "stats": {k: v for k, v in b.section.items() if k not in ("interpreter",)},
    }
    if args.skip_oracle:
        return result
    truth = oracle(python, spec, modules, args.oracle_jobs, empty, args.refresh_oracle)
    result["oracle_failing"] = len(truth)
    result["default"] = verdicts(f"default workers ({b.section.get('workers', '?')})", b.failing, truth)
    changed = {t.wall: sorted(t.failing ^ b.failing) for t in runs if t.failing != b.failing}
    if changed:
        print(f"    the verdicts changed between runs: {list(changed.values())[:3]}")
    result["unstable_between_runs"] = sorted({m for ms in changed.values() for m in ms})
    one = testguard(args.hooks, python, package, 1, project)
    result["workers_1"] = verdicts("--workers 1", one.failing, truth)
    result["workers_1_differs"] = sorted(one.failing ^ b.failing)
    if one.failing != b.failing:
        print(f"    --workers 1 differs from the default on {len(one.failing ^ b.failing)} modules")
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packages", nargs="+", default=PACKAGES, metavar="DIST==VERSION")
    parser.add_argument("--workers", type=int, help="testguard workers (default: testguard's default)")
    parser.add_argument("--reps", type=int, default=3, help="timed runs of (a) and (b), interleaved")
    parser.add_argument("--oracle-jobs", type=int, default=2)
    parser.add_argument("--skip-oracle", action="store_true")
    parser.add_argument("--refresh-oracle", action="store_true", help="recompute a cached oracle")
    parser.add_argument("--hooks", type=Path, default=REPO / "hooks", help="the testguard to run (its hooks/ directory)")
    parser.add_argument("--before", type=Path, help="another testguard's hooks/ directory, timed in the same run")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    become_subreaper()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in args.packages:
            results.append(bench_package(args, spec, Path(tmp)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    wrong = any(r.get("default", {}).get("missed") or r.get("default", {}).get("false")  # type: ignore[union-attr]
                for r in results)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
