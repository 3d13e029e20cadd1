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
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "kb" / "site" / "assets" / "kb-search.js"
NODE = "/usr/bin/node"  # scripts/setup-browser.sh


def query_times(index_dir: Path, queries: list[str], script: Path) -> list[float]:
    """Milliseconds of each query's second run."""
    program = f"""
const fs = require("fs");
global.window = {{}};
global.fetch = (path) => {{
  const file = {json.dumps(str(index_dir.resolve()))} + "/" + path.replace(/^sok-index\\//, "");
  const ok = fs.existsSync(file);
  return Promise.resolve({{ ok, json: () => Promise.resolve(JSON.parse(fs.readFileSync(file, "utf8"))) }});
}};
require({json.dumps(str(script.resolve()))});
const KB = window.KB;
KB.siteUrl = (p) => p;
KB.docUrl = (id, anchor) => "/dok/" + id + "/" + (anchor ? "#" + anchor : "");
const queries = JSON.parse(fs.readFileSync(0, "utf8"));
(async () => {{
  for (const q of queries) await KB.staticSearch(q, 20);
  const out = [];
  for (const q of queries) {{
    const t = process.hrtime.bigint();
    await KB.staticSearch(q, 20);
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }}
  process.stdout.write(JSON.stringify(out));
}})();
"""
    done = subprocess.run([NODE, "-e", program], input=json.dumps(queries), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout)


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
