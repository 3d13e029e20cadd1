"""Top 10 of compound keywords: which hits hold the word, all its parts, or only some parts.

    python benchmarks/compound_precision.py [--root DIR] [-v] [word …]
    python benchmarks/compound_precision.py --save hits.json   # the top 10s, e.g. at an older commit
    python benchmarks/compound_precision.py --hits hits.json   # … classified by this commit's analysis

Per hit, by the index's own analysis (the query builder's ``parts_query``): W the section holds the
word or an inflection of it in its title, heading or text ("klimatkraven"); P it holds all the
word's compound parts (klimat and krav); . only some. The before/after figures of docs/search.md
come from ``--save`` at the commit before the tiers (6423292, with this file copied there) and
``--hits`` at this one.
"""

import argparse
import json
from pathlib import Path

import numpy as np

from kb.config import Project
from kb.search import Searcher

WORDS = ["klimatkrav", "upphandlingsmyndigheten", "kontorsmöbler", "solcellsanläggning",
         "livsmedelsupphandling", "återbruksmöbler"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=".")
    ap.add_argument("-v", action="store_true", help="list the hits")
    ap.add_argument("--save", type=Path, help="write the top 10s (doc id, anchor, title) to this file and stop")
    ap.add_argument("--hits", type=Path, help="classify the top 10s of this file instead of searching")
    ap.add_argument("words", nargs="*")
    args = ap.parse_args()
    p = Project(Path(args.root).resolve())
    s = Searcher(p.index_root, p.site_settings()[0])
    if args.hits:
        tops = json.loads(args.hits.read_text(encoding="utf-8"))
    else:
        tops = {w: [[h.doc_id, h.anchor, h.title] for h in s.search(w, limit=10).hits] for w in args.words or WORDS}
    if args.save:
        args.save.write_text(json.dumps(tops, ensure_ascii=False), encoding="utf-8")
        return
    state = s._current()  # a benchmark may look inside: the tiers are the builder's, per section
    builder = state.builder
    total = 0
    for word, hits in tops.items():
        whole_q, parts_q = builder.parts_query(word) or (None, None)
        marks = []
        for doc_id, anchor, _ in hits:
            docnum = np.array([state.section_number(doc_id, anchor)])
            whole = whole_q is not None and state.scorer.matches(whole_q, docnum, {})[0]
            together = parts_q is not None and state.scorer.matches(parts_q, docnum, {})[0]
            marks.append("W" if whole else "P" if together else ".")
        total += marks.count("W")
        print(f"{word:26} W {marks.count('W'):2}  P {marks.count('P'):2}  " + "".join(marks))
        if args.v:
            for i, ((_, _, title), m) in enumerate(zip(hits, marks, strict=True)):
                print(f"   {i + 1:2} {m} {title[:70]}")
    print(f"{'whole word in top 10s':26} {total}")


if __name__ == "__main__":
    main()
