"""Time of the site's static search per query (ranking, snippets and all), run in Node over a built
``sok-index/``: the median and 90th percentile of a second pass (index files cached, as in a
browser after the first search), 20 hits per query as the search page asks.

    .venv/bin/python benchmarks/static_search_time.py site/sok-index tests/data/questions-dev.json
    git show main:kb/site/assets/kb-search.js > /tmp/kb-search-main.js
    .venv/bin/python benchmarks/static_search_time.py site/sok-index tests/data/questions-dev.json \\
        --script /tmp/kb-search-main.js
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

try:
    from benchmarks.static_search_quality import SCRIPT, run_in_node
except ModuleNotFoundError:  # run as a script (benchmarks/static_search_time.py), not with -m
    from static_search_quality import SCRIPT, run_in_node


def query_times(index_dir: Path, queries: list[str], script: Path) -> list[float]:
    """Milliseconds of each query's second run."""
    body = """(async () => {
  for (const q of queries) await KB.staticSearch(q, 20);
  const out = [];
  for (const q of queries) {
    const t = process.hrtime.bigint();
    await KB.staticSearch(q, 20);
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  process.stdout.write(JSON.stringify(out));
})();"""
    return run_in_node(index_dir, queries, body, script=script)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("index_dir", type=Path, help="a built site's sok-index/ folder")
    parser.add_argument("judged", type=Path, help="a judged set whose queries to time (tests/data/questions-dev.json)")
    parser.add_argument("--script", type=Path, default=SCRIPT, help="the kb-search.js to time (default: this tree's)")
    args = parser.parse_args(argv)
    judged = json.loads(args.judged.read_text(encoding="utf-8"))
    queries = [q["query"] for q in (judged["queries"] if isinstance(judged, dict) else judged)]
    times = sorted(query_times(args.index_dir, queries, args.script))
    print(f"{len(times)} queries: median {times[len(times) // 2]:.1f} ms, "
          f"p90 {times[int(len(times) * 0.9)]:.1f} ms, max {times[-1]:.1f} ms ({args.script.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
