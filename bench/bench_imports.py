"""Benchmark of ``testguard imports`` on a large real package (sympy 1.14, ~1,500 modules).

In one run it times

  (a) one plain process importing every module in sequence (the floor; not contained),
  (b) ``testguard imports --installed`` over every module, each contained,
  (c) the reference: a fresh interpreter per module (slow but unarguably correct),
      run with ``--oracle-jobs`` processes in parallel,

prints the ratios (targets: b/a <= 2, c/b >= 20) and checks that (b) reports
exactly the modules that fail in (c).

    python bench/bench_imports.py                 # everything, (c) takes minutes
    python bench/bench_imports.py --skip-oracle   # (a) and (b) only

The venv lives in bench/.venvs/ (git-ignored).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "hooks"))

from testguard.checks.imports.discover import discover_modules

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
    name = spec.split("==")[0]
    venv = HERE / ".venvs" / name
    python = venv / "bin" / "python"
    if not python.exists():
        (HERE / ".venvs").mkdir(exist_ok=True)
        (HERE / ".venvs" / ".gitignore").write_text("*\n")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", spec], check=True)
    return python


def site_packages(python: Path, package: str) -> Path:
    out = subprocess.run(
        [
            str(python),
            "-c",
            f"import importlib.util as u, os; print(os.path.dirname(u.find_spec({package!r}).submodule_search_locations[0]))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip())


def plain(python: Path, modules_file: Path, cwd: Path) -> tuple[float, set[str]]:
    start = time.monotonic()
    proc = subprocess.run(
        [str(python), "-c", PLAIN, str(modules_file)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )
    wall = time.monotonic() - start
    return wall, set(json.loads(proc.stdout.strip().splitlines()[-1]))


def testguard(
    python: Path, package: str, workers: int, project: Path
) -> tuple[float, set[str], dict[str, object]]:
    (project / "pyproject.toml").write_text(
        f'[tool.testguard]\npackages = ["{package}"]\npython = "{python}"\n'
        f"[tool.testguard.imports]\nworkers = {workers}\ntimeout = 120\n"
    )
    report = project / "report.json"
    env = dict(os.environ, PYTHONPATH=str(REPO / "hooks"))
    start = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "testguard",
            "imports",
            "--installed",
            "--no-baseline",
            "--format",
            "json",
            "--output",
            str(report),
        ],
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
    failing = {f["details"]["module"] for f in data["findings"]}
    section = data["checks"]["imports"]["sections"]["imports"]
    return wall, failing, section


def oracle(
    python: Path, modules: list[str], jobs: int, cwd: Path
) -> tuple[float, set[str]]:
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
    done = 0
    failed: set[str] = set()
    with ThreadPoolExecutor(jobs) as pool:
        for name, ok in pool.map(one, modules):
            done += 1
            if not ok:
                failed.add(name)
            if done % 100 == 0:
                print(
                    f"  oracle: {done}/{len(modules)} after {time.monotonic() - start:.0f}s",
                    flush=True,
                )
    return time.monotonic() - start, failed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--package", default="sympy==1.14.0")
    parser.add_argument(
        "--workers", type=int, default=2, help="testguard workers (default 2)"
    )
    parser.add_argument("--oracle-jobs", type=int, default=2)
    parser.add_argument("--skip-oracle", action="store_true")
    parser.add_argument(
        "--save-oracle", type=Path, help="write the oracle's failing modules here"
    )
    args = parser.parse_args()

    name = args.package.split("==")[0]
    python = venv_python(args.package)
    site = site_packages(python, name)
    modules = [spec.name for spec in discover_modules([site], [name])]
    print(
        f"{args.package}: {len(modules)} modules in {site}; {os.cpu_count()} cores;"
        f" load average {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        modules_file = work / "modules.json"
        modules_file.write_text(json.dumps(modules))
        empty = work / "empty"
        empty.mkdir()
        project = work / "project"
        project.mkdir()

        become_subreaper()
        cpu0 = cpu_of_children()
        a, plain_failed = plain(python, modules_file, empty)
        cpu_a = cpu_of_children() - cpu0
        print(
            f"(a) plain, one process, not contained:   {a:7.2f}s wall,"
            f" {cpu_a:6.2f}s CPU  ({len(plain_failed)} failing)"
        )
        cpu0 = cpu_of_children()
        b, tg_failed, section = testguard(python, name, args.workers, project)
        cpu_b = cpu_of_children() - cpu0
        print(
            f"(b) testguard imports, each contained:   {b:7.2f}s wall,"
            f" {cpu_b:6.2f}s CPU  ({len(tg_failed)} failing;"
            f" {section.get('seconds')}s inside the check)"
        )
        print(
            f"    b/a = {b / a:.2f} wall (target <= 2), {cpu_b / cpu_a:.2f} CPU;"
            f" load average now {os.getloadavg()[0]:.2f}"
        )
        if args.skip_oracle:
            return 0
        cpu0 = cpu_of_children()
        c, oracle_failed = oracle(python, modules, args.oracle_jobs, empty)
        cpu_c = cpu_of_children() - cpu0
        print(
            f"(c) fresh interpreter per module, {args.oracle_jobs} jobs: {c:7.2f}s wall,"
            f" {cpu_c:6.2f}s CPU  ({len(oracle_failed)} failing)"
        )
        print(f"    c/b = {c / b:.1f} wall (target >= 20), {cpu_c / cpu_b:.1f} CPU")
        if args.save_oracle:
            args.save_oracle.write_text(json.dumps(sorted(oracle_failed), indent=1))
    missed = sorted(oracle_failed - tg_failed)
    false = sorted(tg_failed - oracle_failed)
    if not missed and not false:
        print(f"failing modules: identical to the oracle ({len(oracle_failed)})")
        return 0
    print(
        f"failing modules DIFFER from the oracle: {len(missed)} missed, {len(false)} false"
    )
    for module in missed:
        print(f"  missed: {module}")
    for module in false:
        print(f"  false:  {module}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
