"""nDCG@10, recall@10 and MRR of the site's static search, run in Node over a built ``sok-index/``.

The same figures as ``tests/test_site_browser.py -k static_search_quality`` (which also measures the
API on the same build) without a browser and a build per run, so settings of ``kb-search.js`` can
be compared on one build: ``--set`` assigns ``KB`` properties before the queries (its measuring
switches: ``noFeedback``, ``noProximity``, ``coordinationPower``, ``feedbackWeightScale``).

    .venv/bin/python benchmarks/static_search_quality.py site/sok-index tests/data/questions-dev.json
    .venv/bin/python benchmarks/static_search_quality.py site/sok-index tests/data/questions-dev.json \\
        --set noFeedback=true --set feedbackWeightScale=0.5 --per-query
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from kb.search.evaluate import EvalHit, score_query

SCRIPT = Path(__file__).resolve().parents[1] / "kb" / "site" / "assets" / "kb-search.js"
NODE = "/usr/bin/node"  # scripts/setup-browser.sh


def node_loader(index_dir: Path, script: Path = SCRIPT) -> str:
    """JavaScript that loads ``script`` (kb-search.js) in Node as in a browser, its ``fetch`` reading
    the static index in ``index_dir`` from disk; ``window.KB`` is then the search."""
    return f"""
const fs = require("fs");
global.window = {{}};
global.fetch = (path) => {{
  const file = {json.dumps(str(index_dir))} + "/" + path.replace(/^sok-index\\//, "");
  const ok = fs.existsSync(file);
  return Promise.resolve({{ ok, json: () => Promise.resolve(JSON.parse(fs.readFileSync(file, "utf8"))) }});
}};
require({json.dumps(str(script.resolve()))});
"""


def run_in_node(index_dir: Path, queries: list[str], body: str, settings: dict[str, object] | None = None,
                script: Path = SCRIPT) -> object:
    """Run ``body`` (JavaScript with ``KB`` and ``queries``, printing its JSON result) in Node, with
    ``script`` (kb-search.js) reading the static index in ``index_dir`` from disk."""
    program = node_loader(index_dir, script) + f"""
const KB = Object.assign(window.KB, {json.dumps(settings or {})});
KB.siteUrl = (p) => p;
KB.docUrl = (id, anchor) => "/dok/" + id + "/" + (anchor ? "#" + anchor : "");
const queries = JSON.parse(fs.readFileSync(0, "utf8"));
{body}
"""
    done = subprocess.run([NODE, "-e", program], input=json.dumps(queries), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout)


def static_hits(index_dir: Path, queries: list[str], settings: dict[str, object]) -> list[list[dict]]:
    """The top 10 hits of each query, kb-search.js reading ``index_dir`` from disk."""
    body = """(async () => {
  const out = [];
  for (const q of queries) out.push((await KB.staticSearch(q, 10)).hits);
  process.stdout.write(JSON.stringify(out));
})();"""
    return run_in_node(index_dir, queries, body, settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("index_dir", type=Path, help="a built site's sok-index/ folder")
    parser.add_argument("judged", type=Path, help="a judged set (tests/data/questions-dev.json)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=JSON", help="a KB setting")
    parser.add_argument("--per-query", action="store_true", help="each query's nDCG@10 too")
    args = parser.parse_args(argv)
    if not (args.index_dir / "meta.json").exists():
        parser.error(f"{args.index_dir} has no meta.json: give a built site's sok-index/ folder")
    settings = {}
    for item in args.set:
        name, _, value = item.partition("=")
        settings[name] = json.loads(value)
    judged = json.loads(args.judged.read_text(encoding="utf-8"))
    results = static_hits(args.index_dir, [q["query"] for q in judged], settings)
    rows = []
    for q, hits in zip(judged, results, strict=True):
        found = [EvalHit(h["title"], h["section"], h.get("source", ""), h["url"]) for h in hits]
        rows.append(score_query(q["relevant"], found))
        if args.per_query:
            print(f"{q['id']:5} {rows[-1][0]:.3f}  {q['query']}")
    n = len(rows)
    ndcg, recall, mrr = (sum(r[i] for r in rows) / n for i in range(3))
    print(f"nDCG@10 {ndcg:.4f}  recall@10 {recall:.4f}  MRR {mrr:.4f}  ({n} queries)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
