"""Production-hygiene benchmark: `testguard hygiene` next to `testguard check` on the bench corpus.

In one run:
  1. corpus: `testguard check` (cold, no cache) and `testguard hygiene` on the whole
     corpus, interleaved, medians of --reps.  The corpus's own pyproject.toml names no
     source roots, so no module of projects/<name-version>/ would have a name: a config
     file beside it (bench-hygiene.toml, passed with --config, removed after) makes
     every project's directory one;
  2. projects: `testguard hygiene` on each project as its own project (a copy with a
     pyproject.toml that names it): time, seconds per code, findings per code;
  3. cycles: on the largest project, in this process, the graph of its production
     modules (reading every file), then the group search (Tarjan) and the shortest
     cycles alone; and Tarjan alone on random graphs of 0.2 to 1.6 million edges,
     to show it stays linear.

    python bench/bench_hygiene.py [--reps 5] [--projects django,sympy] [--json out.json]

testguard runs from this checkout (PYTHONPATH=hooks); the corpus comes from corpus.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(REPO / "hooks"))

import corpus  # bench/ is not a package: imported from the path set above
from bench_static import Run, measure

from testguard.checks.hygiene import cycles, modules
from testguard.checks.hygiene.settings import SECTION
from testguard.core.config import load_config
from testguard.core.importgraph import strongly_connected


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO / "hooks"), env.get("PYTHONPATH", "")) if p)
    env.pop("GITHUB_ACTIONS", None)
    return env


def _testguard(*args: str) -> list[str]:
    return [sys.executable, "-m", "testguard", *args, "--format", "json"]


def _report(run: Run) -> dict[str, Any]:
    if run.returncode not in (0, 1):
        raise SystemExit(f"bench: testguard exited {run.returncode}: {run.stderr.decode(errors='replace')[-500:]}")
    data = json.loads(run.stdout.decode("utf-8"))
    assert isinstance(data, dict)
    return data


def _codes(report: dict[str, Any]) -> dict[str, int]:
    return dict(sorted(Counter(f["code"] for f in report["findings"]).items()))


def _line(label: str, runs: list[Run]) -> str:
    walls = [r.wall for r in runs]
    cpus = [r.cpu for r in runs]
    return (
        f"  {label:<34} median {statistics.median(walls):7.3f}s  min {min(walls):7.3f}s  "
        f"cpu {statistics.median(cpus):7.3f}s  rss {max(r.maxrss_kb for r in runs) / 1024:6.1f} MB"
    )


def bench_corpus(tree: Path, reps: int) -> dict[str, Any]:
    # testguard takes the directory of --config as the project root: the file is
    # written into the corpus for the runs, and removed after them.
    config = tree / "bench-hygiene.toml"
    try:
        return _bench_corpus(tree, reps, config)
    finally:
        config.unlink(missing_ok=True)


def _bench_corpus(tree: Path, reps: int, config: Path) -> dict[str, Any]:
    projects = sorted(p.relative_to(tree).as_posix() for p in (tree / "projects").iterdir() if p.is_dir())
    globs = ", ".join(f'"{glob}"' for glob in corpus.TEST_GLOBS)
    roots = ", ".join(f'"{p}"' for p in projects)
    config.write_text(
        f"[tool.testguard]\ntests = [{globs}]\n\n[tool.setuptools.packages.find]\nwhere = [{roots}]\n"
    )
    env = _env()
    check: list[Run] = []
    hygiene: list[Run] = []
    for _ in range(reps):
        shutil.rmtree(tree / ".testguard_cache", ignore_errors=True)
        check.append(measure(_testguard("check", "--config", str(config)), tree, env))
        hygiene.append(measure(_testguard("hygiene", "--config", str(config)), tree, env))
    print(_line("testguard check (cold)", check))
    print(_line("testguard hygiene", hygiene))
    report = _report(hygiene[-1])
    section = report["checks"]["hygiene"]["sections"]["hygiene"]
    print(f"  hygiene: {section['modules']} modules ({section['tests']} test code), "
          f"seconds by code {section['seconds_by_code']}, findings {_codes(report)}")
    ratio = statistics.median(r.wall for r in hygiene) / statistics.median(r.wall for r in check)
    print(f"  hygiene / check (median wall): {ratio:.2f}x")
    return {
        "check": [r.wall for r in check],
        "check_cpu": [r.cpu for r in check],
        "hygiene": [r.wall for r in hygiene],
        "hygiene_cpu": [r.cpu for r in hygiene],
        "section": section,
        "findings": _codes(report),
    }


def _project_copy(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest)
    name = source.name.rsplit("-", 1)[0]
    (dest / "pyproject.toml").write_text(f'[project]\nname = "{name}"\n')
    return dest


def bench_projects(tree: Path, wanted: list[str], workdir: Path) -> dict[str, Any]:
    env = _env()
    out: dict[str, Any] = {}
    for source in sorted((tree / "projects").iterdir()):
        if wanted and not any(source.name.startswith(w) for w in wanted):
            continue
        copy = _project_copy(source, workdir / source.name)
        run = measure(_testguard("hygiene"), copy, env)
        report = _report(run)
        section = report["checks"]["hygiene"]["sections"]["hygiene"]
        print(f"  {source.name:<20} {section['modules']:5d} modules  {run.wall:6.2f}s  cpu {run.cpu:6.2f}s  "
              f"by code {section['seconds_by_code']}  findings {_codes(report)}")
        for finding in report["findings"]:
            if finding["code"] != "TG803":
                print(f"      {finding['path']}:{finding['line']}: {finding['code']} {finding['message'][:140]}")
        out[source.name] = {"wall": run.wall, "cpu": run.cpu, "section": section, "findings": _codes(report)}
    return out


def bench_cycles(tree: Path, workdir: Path) -> dict[str, Any]:
    largest = max((p for p in (tree / "projects").iterdir() if p.is_dir()), key=corpus.count_py)
    root = workdir / f"cycles-{largest.name}"
    if not root.exists():
        _project_copy(largest, root)
    config = load_config(root, None, [SECTION])
    started = time.perf_counter()
    project = modules.load(root, config, [])
    loaded = time.perf_counter()
    nodes = {m.name for m in project.production if m.named}
    graph = {name: sorted(t for t in project.graph.edges(name) if t in nodes) for name in sorted(nodes)}
    built = time.perf_counter()
    components = strongly_connected(graph)
    searched = time.perf_counter()
    groups = cycles.groups(project.graph, nodes)
    confirmed = time.perf_counter()
    edges = sum(len(targets) for targets in graph.values())
    print(f"  {largest.name}: {len(project.modules)} files, {len(nodes)} production modules, {edges} import edges")
    print(f"  files listed and named {loaded - started:.3f}s; graph read from the text {built - loaded:.3f}s")
    print(f"  Tarjan alone {1000 * (searched - built):.1f} ms ({len(components)} components, "
          f"{sum(len(c) > 1 for c in components)} groups); groups + shortest cycles, confirmed "
          f"from the trees {1000 * (confirmed - searched):.1f} ms ({len(groups)} cycles)")
    rng = random.Random(20261121)
    scaling = []
    for size in (50_000, 100_000, 200_000, 400_000):
        names = [f"m{i}" for i in range(size)]
        synthetic = {name: [names[rng.randrange(size)] for _ in range(4)] for name in names}
        began = time.perf_counter()
        found = strongly_connected(synthetic)
        seconds = time.perf_counter() - began
        scaling.append({"nodes": size, "edges": 4 * size, "seconds": seconds})
        print(f"  random graph {size:7d} nodes {4 * size:8d} edges: {seconds:6.3f}s "
              f"({1e9 * seconds / (5 * size):.0f} ns per node+edge, largest component {max(map(len, found))})")
    return {
        "project": largest.name,
        "files": len(project.modules),
        "production_modules": len(nodes),
        "edges": edges,
        "load_seconds": loaded - started,
        "graph_seconds": built - loaded,
        "tarjan_seconds": searched - built,
        "cycles_seconds": confirmed - searched,
        "scaling": scaling,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=corpus.DEFAULT_DEST, help="as made by corpus.py")
    parser.add_argument("--reps", type=int, default=5, help="runs of each command in section 1 (default 5)")
    parser.add_argument("--projects", default="", help="comma-separated name prefixes for section 2 (default: all)")
    parser.add_argument("--sections", default="corpus,projects,cycles", help="comma-separated subset")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    counts = corpus.prepare(args.corpus.resolve(), corpus.DEFAULT_TOTAL, corpus.DEFAULT_SEED, True, 4)
    tree = args.corpus.resolve() / "tree"
    print(f"corpus: {tree} ({sum(counts.values())} .py files)")
    print(f"machine: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.2f}; python {sys.version.split()[0]}")
    sections = set(args.sections.split(","))
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="tg-bench-hygiene-") as tmp:
        workdir = Path(tmp)
        if "corpus" in sections:
            print("\n1. the whole corpus: check (cold) and hygiene")
            results["corpus"] = bench_corpus(tree, args.reps)
        if "projects" in sections:
            print("\n2. each project as its own project")
            wanted = [p for p in args.projects.split(",") if p]
            results["projects"] = bench_projects(tree, wanted, workdir)
        if "cycles" in sections:
            print("\n3. the cycle search on the largest project, and on random graphs")
            results["cycles"] = bench_cycles(tree, workdir)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
