"""Top 10 of compound keywords: how many hits hold the whole word (or an inflection of it).

    python benchmarks/compound_precision.py [--root DIR] [-v] [word …]

A hit "holds the word" (W) when its title, heading or text contains the word's stem (the word
less a plural or definite ending: "kontorsmöb" for kontorsmöbler) as written, so a section
holding only a part ("klimat…", "…myndigheterna") does not count; else it "holds all parts" (P)
when it contains the stem of each compound part (its lemma less two letters: "möb", "kont"),
or some of them (.). The stems are approximate: a count to compare before/after, not a judgement.
"""

import argparse
import re
from pathlib import Path

from kb.analysis import get_splitter
from kb.config import Project
from kb.search import Searcher

WORDS = ["klimatkrav", "upphandlingsmyndigheten", "kontorsmöbler", "solcellsanläggning",
         "livsmedelsupphandling", "återbruksmöbler"]
ENDINGS = ("erna", "arna", "orna", "ler", "en", "et", "er", "ar", "or", "na")


def stem(word: str) -> str:
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 6:
            return word[: -len(ending)]
    return word


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=".")
    ap.add_argument("-v", action="store_true", help="list the hits")
    ap.add_argument("words", nargs="*")
    args = ap.parse_args()
    p = Project(Path(args.root).resolve())
    s = Searcher(p.index_root, p.site_settings()[0])
    docs = s.documents()
    total = 0
    for word in args.words or WORDS:
        r = s.search(word, limit=10)
        pattern = re.compile(re.escape(stem(word)), re.IGNORECASE)
        parts = [re.compile(re.escape(lemma[: max(3, len(lemma) - 2)]), re.IGNORECASE)
                 for _, lemma in get_splitter().split(word.lower())]
        marks = []
        for h in r.hits:
            doc = docs[h.doc_id]
            section = next((x for x in doc.sections if x.anchor == h.anchor), None)
            text = " ".join([doc.title, *(section.path if section else []), section.text if section else ""])
            marks.append("W" if pattern.search(text) else "P" if parts and all(p.search(text) for p in parts) else ".")
        whole = marks.count("W")
        total += whole
        print(f"{word:26} W {whole:2}  P {marks.count('P'):2}  ({r.total} hits)  " + "".join(marks))
        if args.v:
            for i, (h, m) in enumerate(zip(r.hits, marks, strict=True)):
                print(f"   {i + 1:2} {m} {h.score:7.3f} {h.title[:55]} › {h.section[:40]}")
    print(f"{'total':26} {total:2}")


if __name__ == "__main__":
    main()
