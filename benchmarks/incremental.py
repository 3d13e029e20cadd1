"""Incremental build benchmark: how long `kb build --no-site` takes after a small change.

    python -m benchmarks.incremental /work/shared/corpus/scale [--limit N] [--keep DIR]
    python -m benchmarks.incremental /work/shared/corpus/scale --again DIR   # the timed builds only

Extracts the scale corpus's Markdown members as sources (``sources/related/<archive>/…``)
into a project folder, runs one full ``kb build --no-site`` (reported, not the figure), then
times ``kb build --no-site`` as a user runs it (a new process each time) after:

* no change at all;
* one document changed (a paragraph appended);
* one document removed;
* one document added;

and prints each build's wall time, the index part of it, and what the build did. The goal
(issue 4) is at most 5 s each on the 52,715-document corpus.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.scale import read_archives

GOAL_S = 5.0
NEW_DOC = """# Återbruk av kontorsmöbler i kommunerna

Kommunerna ställer krav på återbruk av kontorsmöbler och begagnade inventarier i sina upphandlingar.

## Erfarenheter

Trollsländeprojektet visade att renoverade möbler minskar både avfall och kostnader.
"""
APPENDED = "\n\nTillägg: myndigheten ska redovisa hur återbruk av möbler och zebrafinkstolar har ökat.\n"


def write_sources(items: list[tuple[str, bytes]], root: Path) -> None:
    for rel, data in items:
        target = root / "sources" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def kb_build(root: Path) -> dict:
    """One ``kb build --no-site`` in a new process: wall seconds and what it printed."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "kb.cli", "build", "--root", str(root), "--no-site", "-q"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"kb build failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    index_line = next((line for line in proc.stdout.splitlines() if line.startswith("Index ")), "")
    m = re.search(r", ([0-9.]+) s\)\.$", index_line)
    return {
        "seconds": seconds,
        "index_seconds": float(m.group(1)) if m else float("nan"),
        "index": index_line.split(":")[0].removeprefix("Index "),
        "sources": next((line for line in proc.stdout.splitlines() if line.startswith("Sources:")), ""),
    }


def indexed_sources(root: Path) -> list[str]:
    """Sources that produced documents (a change to a skipped one would not touch the index)."""
    from kb.indexing.state import read_state

    state = read_state(root / "build")
    return sorted(rel for rel, n in zip(state.rels, state.ndocs, strict=True) if n)


def run(items: list[tuple[str, bytes]], root: Path) -> list[tuple[str, dict]]:
    write_sources(items, root)
    results = [("full build (not the figure)", kb_build(root))]
    print(f"full build: {results[-1][1]['seconds']:.1f} s", flush=True)
    return results + run_cases(root)


def run_cases(root: Path, restore: bool = False) -> list[tuple[str, dict]]:
    """The timed builds on a built project; with ``restore`` the sources are put back afterwards
    (and built once more, untimed), so the cases can be rerun on the same folder."""
    results = [("no change", kb_build(root))]
    sources = indexed_sources(root)
    changed = root / "sources" / sources[len(sources) // 2]
    with open(changed, "a", encoding="utf-8") as f:
        f.write(APPENDED)
    results.append(("one document changed", kb_build(root)))
    removed = root / "sources" / sources[len(sources) // 3]
    removed_bytes = removed.read_bytes()
    removed.unlink()
    results.append(("one document removed", kb_build(root)))
    added = root / "sources" / "local" / "aterbruk-kontorsmobler.md"
    added.parent.mkdir(parents=True, exist_ok=True)
    added.write_text(NEW_DOC, encoding="utf-8")
    results.append(("one document added", kb_build(root)))
    results.append(("no change", kb_build(root)))
    if restore:
        with open(changed, "r+b") as f:
            f.truncate(f.seek(0, os.SEEK_END) - len(APPENDED.encode("utf-8")))
        removed.write_bytes(removed_bytes)
        added.unlink()
        kb_build(root)
    return results


def format_results(results: list[tuple[str, dict]], documents: int) -> str:
    lines = [
        f"kb build --no-site on {documents:,} source files (load {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores)",
        f"{'case':<30}{'wall s':>8}{'index s':>9}  {'goal':<7}index",
    ]
    for label, r in results:
        goal = "" if label.startswith("full") else ("met" if r["seconds"] <= GOAL_S else "MISSED")
        lines.append(f"{label:<30}{r['seconds']:>8.2f}{r['index_seconds']:>9.2f}  {goal:<7}{r['index']}")
    return "\n".join(lines)


def _source_count(root: Path) -> int:
    from kb.ingest.discover import walk

    return len(walk(root / "sources")[0])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", type=Path, help="folder with the *.tar.gz archives (or one archive)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N members (split over archives)")
    ap.add_argument("--keep", type=Path, default=None, help="use this project folder and keep it")
    ap.add_argument(
        "--again",
        type=Path,
        default=None,
        metavar="DIR",
        help="only the timed cases, on a project kept by an earlier --keep run (its sources are put back after)",
    )
    args = ap.parse_args(argv)
    if args.again:
        results = run_cases(args.again, restore=True)
        print(format_results(results, _source_count(args.again)))
        return
    items = read_archives(args.path, args.limit)
    root = args.keep or Path(tempfile.mkdtemp(prefix="kb-incremental-"))
    if args.keep and (root / "sources").exists():
        raise SystemExit(f"{root}/sources exists: pass an empty or new folder to --keep")
    root.mkdir(parents=True, exist_ok=True)
    try:
        print(format_results(run(items, root), len(items)))
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
