"""What kb makes of each file of the office corpus, and what adding a long PDF costs a build.

    python benchmarks/office_search.py ../shared/corpus/office [--keep DIR]

1. Per file: sections found, the README's top-level headings recovered, and whether a phrase
   search (in quotes) for a line from a page three quarters in, found in no other file, finds that
   file first, with its link to the original at that page (PDFs). The files are added to the
   default knowledge base's web texts and statutes, so the phrase has to win against them all.
2. Ingest speed of the longest PDF (pages per second, sandbox included).
3. ``kb build`` after adding that 108-page PDF to the built default knowledge base: the wall
   time as a user sees it, and its index and site parts (goal: the index part at most 5 s).

Prints Markdown tables (the ones in docs/ingest-office.md).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.office_expected import TOP_HEADINGS  # noqa: E402
from benchmarks.office_parsers import squash  # noqa: E402

LONGEST = "prop-2008-09-5-byggplatsdirektiv.pdf"
SITE = "http://kb.example/"
_WORD = re.compile(r"^[A-Za-zÅÄÖåäöÉé]{3,}[,.]?$")


def letters(text: str) -> str:
    """Only the letters and digits, lower case: a phrase search ignores punctuation too."""
    return re.sub(r"\W+", "", text).lower()


def deep_phrase(path: Path, others: str, own: str) -> tuple[str, int | None] | None:
    """(seven plain words in a row from about three quarters in, their page or None) whose
    words together occur once in the file's own text ``own`` and in no other file's ``others``
    (both as ``letters``)."""
    if path.suffix == ".pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(str(path))
        pages = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
        order = sorted(range(len(pages)), key=lambda i: abs(i - 0.75 * (len(pages) - 1)))
        candidates = [(i + 1, pages[i].splitlines()) for i in order]
    else:
        from kb.ingest.office import read_docx

        pieces = [p.text for p in read_docx(path.read_bytes()).pieces]
        start = int(len(pieces) * 0.75)
        candidates = [(None, pieces[start:] + pieces[:start])]
    for page, lines in candidates:
        for line in lines:
            words = line.split()
            for i in range(max(len(words) - 6, 0)):  # seven plain words in a row (no hyphens, numbers)
                window = words[i : i + 7]
                if all(_WORD.match(w) for w in window) and not window[-1].endswith((",", ".")):
                    phrase = " ".join(w.strip(",.") for w in window)
                    if letters(phrase) not in others and own.count(letters(phrase)) == 1:
                        return phrase, page
    return None


def heading_recall(doc, expected: list[str]) -> tuple[int, int]:
    headings = {squash(h) for s in doc.sections for h in s.path}
    found = sum(any(h.startswith(squash(e)) or squash(e).startswith(h) for h in headings if h) for e in expected)
    return found, len(expected)


def per_file(corpus: Path, root: Path) -> None:
    from kb.config import Project
    from kb.indexing.build import build
    from kb.ingest import SkipSource, SourceFile, ingest
    from kb.search import Searcher

    folder = root / "sources" / "office-bench"
    folder.mkdir(parents=True)
    for name in ("seeds", "related"):  # the default knowledge base but its own copies of office files
        (root / "sources" / name).symlink_to(REPO / "sources" / name, target_is_directory=True)
    files = sorted(p for p in corpus.iterdir() if p.suffix in (".pdf", ".docx"))
    docs, texts = {}, {}
    for path in files:
        shutil.copy(path, folder / path.name)
        try:
            [docs[path.name]] = ingest(SourceFile(path=path, rel=f"office-bench/{path.name}", meta={}))
            texts[path.name] = letters(" ".join(s.text for s in docs[path.name].sections))
        except SkipSource as exc:
            docs[path.name] = exc.reason
    build(Project(root), site=False)
    searcher = Searcher(Project(root).index_root, SITE)
    print("| file | pages | sections | top-level headings found | deep-page phrase: first hit | link to page |")
    print("| --- | --- | --- | --- | --- | --- |")
    for path in files:
        doc = docs[path.name]
        if isinstance(doc, str):
            print(f"| `{path.name}` | – | skipped: {doc} | – | – | – |")
            continue
        found, expected = heading_recall(doc, TOP_HEADINGS.get(path.name, []))
        headings = f"{found}/{expected}" if expected else "(none expected)"
        others = " ".join(t for name, t in texts.items() if name != path.name)
        probe = deep_phrase(path, others, texts[path.name])
        first, link = "–", "–"
        if probe is not None:
            phrase, page = probe
            hits = searcher.search(f'"{phrase}"', limit=3).hits
            right = bool(hits) and hits[0].source == f"office-bench/{path.name}"
            if not right:
                print(f"  {path.name}: {phrase!r} -> {[h.source for h in hits]}", file=sys.stderr)
            first = f"{'yes' if right else 'NO'} (p. {page})" if page else ("yes" if right else "NO")
            if page and right:
                link = "yes" if hits[0].original.endswith(f"#page={page}") else f"NO ({hits[0].page})"
        pages = doc.meta.get("pages", "–")
        print(f"| `{path.name}` | {pages} | {len(doc.sections)} | {headings} | {first} | {link} |")


def ingest_speed(corpus: Path) -> None:
    from kb.ingest import SourceFile, ingest

    path = corpus / LONGEST
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        [doc] = ingest(SourceFile(path=path, rel=path.name, meta={}))
        runs.append(time.perf_counter() - started)
    pages = int(doc.meta["pages"])
    print(f"\nIngest of `{LONGEST}` ({pages} pages): best of 3 {min(runs):.2f} s = {pages / min(runs):.0f} pages/s")


def build_after_adding(corpus: Path, root: Path) -> None:
    """The default knowledge base built, then the long PDF added and ``kb build`` run again."""
    (root / "sources").mkdir(parents=True)
    for item in (REPO / "sources").iterdir():
        (root / "sources" / item.name).symlink_to(item, target_is_directory=item.is_dir())
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", root / "overrides")
    kb = [sys.executable, "-m", "kb.cli"]
    started = time.perf_counter()
    subprocess.run([*kb, "build", "--root", str(root), "-q"], check=True, capture_output=True)
    first = time.perf_counter() - started
    added = root / "sources" / "tillagd"
    added.mkdir()
    shutil.copy(corpus / LONGEST, added / LONGEST)
    started = time.perf_counter()
    proc = subprocess.run([*kb, "build", "--root", str(root)], check=True, capture_output=True, text=True)
    again = time.perf_counter() - started
    index = re.search(r"Index \w+.*?([\d.]+) s\)", proc.stdout)
    site = re.search(r"Site: .*?\(([\d.]+) s\)", proc.stdout)
    print(f"\nDefault knowledge base from scratch: {first:.1f} s (kb build, site included)")
    print(f"After adding the {LONGEST} (108 pages): kb build {again:.1f} s; "
          f"index part {index.group(1) if index else '?'} s, site part {site.group(1) if site else '?'} s")
    print("  " + "\n  ".join(line for line in proc.stdout.splitlines() if line.strip()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="the office corpus folder (../shared/corpus/office)")
    parser.add_argument("--keep", type=Path, help="build the projects here and keep them")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="kb-office-"))
    try:
        per_file(args.corpus, base / "per-file")
        ingest_speed(args.corpus)
        build_after_adding(args.corpus, base / "default-plus-pdf")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
