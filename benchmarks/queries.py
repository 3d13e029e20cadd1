"""Query latency on an existing index, rerunnable without rebuilding it.

    python -m benchmarks.queries INDEX_ROOT [--rounds 5] [--cold] [--judged FILE] [--dump FILE] [--compare FILE]
        [--profile N] [--callgrind]

Opens ``INDEX_ROOT`` (a folder with a ``current`` link, e.g. a ``--keep`` folder's ``kb-index``)
with ``kb.search.searcher.Searcher`` and times ``search(q, limit=10)`` on the dev queries exactly as
``benchmarks.scale.latencies`` does: one warm-up round, then ``--rounds`` timed rounds. The
Searcher has no response cache; ``--cold`` also empties its bounded per-term caches before
every query, so the figure shows what a query costs when nothing of it was seen before.

``--dump`` writes each query's total and ranked page (doc id, anchor, score) as JSON;
``--compare`` checks the current results against such a file, which is how a speed change
is shown to leave the ranking alone.

``--callgrind`` counts instructions of the timed rounds only (the same on a busy machine)::

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=q.%p.cg \\
        python -m benchmarks.queries INDEX_ROOT --rounds 3 --judged tests/data/questions-dev.json --callgrind
    callgrind_annotate q.<pid>.cg | head    # "PROGRAM TOTALS": instructions (Ir)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from benchmarks.scale import dev_queries, judged_queries, percentile


class CallgrindSwitch:
    """Switches valgrind's collection on and off around the timed rounds (run under callgrind)."""

    def enable(self) -> None:
        self._switch("on")

    def disable(self) -> None:
        self._switch("off")

    @staticmethod
    def _switch(state: str) -> None:
        import os
        import subprocess

        subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], check=True, capture_output=True)


def page_of(result) -> dict:
    return {
        "total": result.total,
        "suggestion": result.suggestion,
        "hits": [[h.doc_id, h.anchor, h.score] for h in result.hits],
    }


def run(
    index_root: Path, rounds: int, cold: bool, queries: list[str], profiler=None, time_limit: float | None = None
) -> tuple[dict[str, list[float]], dict]:
    """Times of the timed rounds per query, and the warm-up round's pages; ``profiler`` covers the timed rounds."""
    from kb.search import Searcher

    searcher = Searcher(index_root, "http://127.0.0.1:8000/")
    options = {} if time_limit is None else {"time_limit": time_limit}
    pages = {q: page_of(searcher.search(q, limit=10, **options)) for q in queries}  # warm-up round
    times: dict[str, list[float]] = {q: [] for q in queries}
    cpu: list[float] = []
    if profiler is not None:
        profiler.enable()
    for _ in range(rounds):
        for q in queries:
            if cold:
                searcher.clear_caches()
            started_cpu = time.thread_time()  # outside the wall-clock window: the call itself takes ~2 µs
            started = time.perf_counter()
            searcher.search(q, limit=10, **options)
            times[q].append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
    if profiler is not None:
        profiler.disable()
    cache = searcher._current().term_cache
    print(f"term cache: {len(cache)} entries, {cache.bytes / 1e6:.1f} MB (bound {cache.max_bytes / 1e6:.0f} MB), "
          f"{cache.hits} hits, {cache.misses} misses")
    if cpu:
        cpu.sort()
        print(f"CPU time of this thread (less sensitive to other load): p50 {statistics.median(cpu):.2f} ms, "
              f"p95 {percentile(cpu, 0.95):.2f} ms")
    return times, pages


def report(times: dict[str, list[float]], pages: dict) -> None:
    width = max(len(q) for q in times)
    print(f"{'query':<{width}}  {'p50':>8} {'p95':>8} {'max':>8} {'total':>7}")
    for q, ts in sorted(times.items(), key=lambda kv: -statistics.median(kv[1])):
        ts = sorted(ts)
        print(f"{q:<{width}}  {statistics.median(ts):8.2f} {percentile(ts, 0.95):8.2f} {ts[-1]:8.2f} "
              f"{pages[q]['total']:7d}")
    everything = sorted(t for ts in times.values() for t in ts)
    print(f"{'ALL':<{width}}  {statistics.median(everything):8.2f} {percentile(everything, 0.95):8.2f} "
          f"{everything[-1]:8.2f}   (ms; {len(everything)} timed searches)")


def compare(pages: dict, reference: dict) -> int:
    """Number of queries whose total, suggestion or ranked page differ from ``reference``."""
    differing = 0
    for q, ref in reference.items():
        now = pages.get(q)
        if now is None:
            continue
        same_ranking = [h[:2] for h in now["hits"]] == [h[:2] for h in ref["hits"]]
        pairs = zip(now["hits"], ref["hits"], strict=False)
        same_scores = all(abs(a[2] - b[2]) <= 1e-3 * max(1.0, abs(b[2])) for a, b in pairs)
        if now["total"] != ref["total"] or now["suggestion"] != ref["suggestion"] or not same_ranking:
            differing += 1
            print(f"DIFFERS {q!r}: total {ref['total']} -> {now['total']}, suggestion {ref['suggestion']!r} -> "
                  f"{now['suggestion']!r}, same ranking: {same_ranking}")
        elif not same_scores:
            print(f"scores differ slightly (ranking equal): {q!r}")
    print(f"{differing} of {len(reference)} queries differ from the reference")
    return differing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index_root", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="empty the per-term caches before every query")
    parser.add_argument("--query", action="append", help="only these queries (repeatable)")
    parser.add_argument("--judged", type=Path, help="the queries of a judged set (tests/data/questions-dev.json)")
    parser.add_argument("--dump", type=Path, help="write totals and ranked pages as JSON")
    parser.add_argument("--compare", type=Path, help="compare totals and ranked pages with a --dump file")
    parser.add_argument("--time-limit", type=float, help="seconds per search (default: the Searcher's)")
    parser.add_argument("--profile", type=int, default=0, help="cProfile the timed rounds, print N lines")
    parser.add_argument("--callgrind", action="store_true", help="under valgrind: collect only in the timed rounds")
    args = parser.parse_args(argv)
    queries = args.query or (judged_queries(args.judged) if args.judged else dev_queries())
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        times, pages = run(args.index_root, args.rounds, args.cold, queries, profiler, args.time_limit)
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)
    else:
        switch = CallgrindSwitch() if args.callgrind else None
        times, pages = run(args.index_root, args.rounds, args.cold, queries, switch, args.time_limit)
    if args.rounds > 0:
        report(times, pages)
    if args.dump:
        args.dump.write_text(json.dumps(pages, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.compare:
        return 1 if compare(pages, json.loads(args.compare.read_text(encoding="utf-8"))) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
