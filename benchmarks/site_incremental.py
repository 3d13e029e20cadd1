"""Incremental ``kb build`` benchmark (issue 4): ``python -m benchmarks.site_incremental [--rounds R]``.

Works on a throw-away copy of this repository's knowledge base (``sources/``, ``mkdocs.yml``,
``overrides/``) in a temporary folder, and times whole ``kb build`` processes, as a user runs them:

1. first build (ingest, index, full site);
2. the same build again with nothing changed;
3. one document's body changed (a sentence appended to one source file);
4. a forced full site build of the same documents (``build_site(full=True)``), for comparison.

Each build runs in a fresh child process (so nothing stays loaded in memory between builds)
and reports the seconds of its stages: ingest + index, and for the site: check, related
("Se även"), pages, static search, write, mkdocs, swap. Goal: step 3 in at most 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EDITED = "related/regeringen/artiklar/2015/07/cirkular-ekonomi-inom-eu--en-prioriterad-fraga-for-regeringen.md"


def child(root: Path, full_site: bool) -> dict:
    """One build in this process; returns its figures."""
    from kb import site
    from kb.config import Project
    from kb.indexing.build import build

    project = Project(root)
    started = time.perf_counter()
    if full_site:
        from kb.engine.index import current_version_dir
        from kb.indexing.build import BuildReport, dedupe_ids, ingest_all

        docs = dedupe_ids(ingest_all(project, BuildReport()))
        site_started = time.perf_counter()
        pages = site.build_site(project, docs, index_dir=current_version_dir(project.index_root), full=True)
        site_seconds = time.perf_counter() - site_started
        rebuilt = False
    else:
        report = build(project)
        pages, site_seconds, rebuilt = report.site_pages, report.site_seconds, report.index_rebuilt
    total = time.perf_counter() - started
    return {
        "seconds": total,
        "site": site_seconds,
        "pages": pages,
        "index_rebuilt": rebuilt,
        "laps": dict(site.last_timings.get("laps", {})),
    }


def run_child(root: Path, full_site: bool = False) -> dict:
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "benchmarks.site_incremental", "--child", str(root)]
    if full_site:
        cmd.append("--full-site")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{proc.stdout}\n{proc.stderr}")
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    figures["wall"] = time.perf_counter() - started
    return figures


def make_project(root: Path) -> None:
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", root / "overrides")
    shutil.copytree(REPO / "sources", root / "sources")


def edit(root: Path, n: int) -> None:
    with open(root / "sources" / EDITED, "a", encoding="utf-8") as f:
        f.write(f"\n\nTillägg {n}: återbruk av kontorsmöbler minskar avfallet i offentlig upphandling.\n")


def row(label: str, f: dict) -> str:
    laps = ", ".join(f"{k} {v:.2f}" for k, v in f["laps"].items())
    return (f"{label:<28} {f['wall']:6.2f} {f['seconds']:6.2f} {f['site'] or 0:6.2f}  "
            f"{'yes' if f['index_rebuilt'] else 'no ':<5} {f['pages']:>5}  {laps}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=1, help="repeat steps 2-4 this many times")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--full-site", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.full_site)))
        return

    root = args.keep or Path(tempfile.mkdtemp(prefix="kb-site-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        if not (root / "mkdocs.yml").exists():
            make_project(root)
        print(f"load average at start: {os.getloadavg()[0]:.2f}")
        print(f"{'step':<28} {'wall':>6} {'build':>6} {'site':>6}  index pages  site stages (s)")
        print(row("1 first build", run_child(root)), flush=True)
        for r in range(args.rounds):
            print(row("2 nothing changed", run_child(root)), flush=True)
            edit(root, r)
            print(row("3 one body changed", run_child(root)), flush=True)
            print(row("4 forced full site", run_child(root, full_site=True)), flush=True)
        print(f"load average at end: {os.getloadavg()[0]:.2f}")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
