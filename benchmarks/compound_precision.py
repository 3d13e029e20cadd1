"""Top 10 of compound keywords: how many hits hold the whole word (or an inflection of it).

    python benchmarks/compound_precision.py [--root DIR] [-v] [word …]

A hit "holds the word" when its title, heading or text contains the word's stem (the word
less a plural or definite ending: "kontorsmöb" for kontorsmöbler) as written, so a section
holding only a part ("klimat…", "…myndigheterna") does not count.
"""

import argparse
import re
from pathlib import Path

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
        marks = []
        for h in r.hits:
            doc = docs[h.doc_id]
            section = next((x for x in doc.sections if x.anchor == h.anchor), None)
            text = " ".join([doc.title, *(section.path if section else []), section.text if section else ""])
            marks.append(bool(pattern.search(text)))
        total += sum(marks)
        print(f"{word:26} {sum(marks):2}/{len(marks)}  ({r.total} hits)  " + "".join("W" if m else "." for m in marks))
        if args.v:
            for i, (h, m) in enumerate(zip(r.hits, marks, strict=True)):
                print(f"   {i + 1:2} {'W' if m else ' '} {h.score:7.3f} {h.title[:55]} › {h.section[:40]}")
    print(f"{'total':26} {total:2}")


if __name__ == "__main__":
    main()
