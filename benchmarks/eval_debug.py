"""Show the top 10 of judged queries with which hits match judged items (for tuning).

    python benchmarks/eval_debug.py [tests/data/questions-dev.json] [query id or text …]
"""

import json
import sys
from pathlib import Path

from kb.config import Project
from kb.search import Searcher
from kb.search.evaluate import EvalHit, item_matches, score_query

p = Project(Path(".").resolve())
s = Searcher(p.index_root, p.site_settings()[0])
args = sys.argv[1:]
judged = args.pop(0) if args and args[0].endswith(".json") else "tests/data/dev.json"
qs = json.load(open(judged))
want = args
for q in qs:
    if want and q["id"] not in want and q["query"] not in want:
        continue
    r = s.search(q["query"], limit=10)
    hits = [EvalHit(h.title, h.section, h.source, h.url) for h in r.hits]
    nd, rec, rr = score_query(q["relevant"], hits)
    print(f"== {q['id']} {q['query']}  ndcg={nd:.2f} rec={rec:.2f}")
    for i, (h, e) in enumerate(zip(r.hits, hits, strict=False)):
        m = [j for j, it in enumerate(q["relevant"]) if item_matches(it, e)]
        print(f"  {i + 1:2} {'*' if m else ' '} {h.score:7.2f} {h.title[:60]} › {h.section[:50]}")
    for _j, it in enumerate(q["relevant"]):
        if not any(item_matches(it, e) for e in hits):
            print("   MISSING", it)
