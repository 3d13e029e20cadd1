"""Compare PDF and Word parsers on the office corpus: speed, reading order, what they recover.

    pip install -e '.[office-bench]'     # pdfminer.six, pdfplumber, pypdf, mammoth (pinned)
    python benchmarks/office_parsers.py ../shared/corpus/office [--only pypdf,kb]

PyMuPDF and poppler's ``pdftotext`` are measured when installed (``pip install pymupdf``,
``apt-get install poppler-utils``); kb uses neither. For each PDF parser: files opened (the
AES-encrypted one with an empty password included), pages per second over every PDF with text
and on the largest one, reading-order probes found on the two-column files (phrases that run
over a line break inside one column, see ``office_expected.TWO_COLUMN_PROBES``) and bookmarks
read. For Word: top-level headings recovered against the corpus README, and the merged-cell
table read once. Prints Markdown tables (the ones in docs/ingest-office.md).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.office_expected import TOP_HEADINGS, TWO_COLUMN_PROBES  # noqa: E402

LARGEST = "prop-2008-09-5-byggplatsdirektiv.pdf"


def squash(text: str) -> str:
    """Text compared without case, spaces or hyphens (a split word and its join compare equal)."""
    return re.sub(r"[\s\-\u00ad\ufffe\u2010]+", "", text).lower()


def probe_intact(flat: str, probe: str) -> bool:
    """The probe is in the text, and every occurrence of its opening goes on as the probe."""
    probe = squash(probe)
    return flat.count(probe) >= 1 and flat.count(probe) == flat.count(probe[:16])


# Each reader: path -> (pages, text); bookmarks: path -> number of outline entries.
def read_kb(path: Path) -> tuple[int, str]:
    from kb.ingest.pdf import ingest_pdf

    doc = ingest_pdf(path.name, path.read_bytes(), {}, path.stem)
    text = "\n".join(" > ".join(s.path) + "\n" + s.text for s in doc.sections)
    return int(doc.meta["pages"]), text


def read_pdfium(path: Path) -> tuple[int, str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    texts = [page.get_textpage().get_text_range() for page in pdf]
    return len(texts), "\n".join(texts)


def read_pdfminer(path: Path) -> tuple[int, str]:
    from pdfminer.high_level import extract_pages, extract_text

    return sum(1 for _ in extract_pages(str(path), maxpages=0)), extract_text(str(path))


def read_pdfplumber(path: Path) -> tuple[int, str]:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return len(pdf.pages), "\n".join(page.extract_text() or "" for page in pdf.pages)


def read_pypdf(path: Path) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    return len(reader.pages), "\n".join(page.extract_text() or "" for page in reader.pages)


def read_pymupdf(path: Path) -> tuple[int, str]:
    import pymupdf

    with pymupdf.open(str(path)) as doc:
        return doc.page_count, "\n".join(page.get_text() for page in doc)


def read_pdftotext(path: Path) -> tuple[int, str]:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.count("\f") or 1, text


def marks_pdfium(path: Path) -> int:
    import pypdfium2 as pdfium

    return sum(1 for _ in pdfium.PdfDocument(str(path)).get_toc())


def marks_pypdf(path: Path) -> int:
    from pypdf import PdfReader

    def count(items) -> int:
        return sum(count(i) if isinstance(i, list) else 1 for i in items)

    return count(PdfReader(str(path)).outline)


def marks_pdfminer(path: Path) -> int:
    from pdfminer.pdfdocument import PDFDocument, PDFNoOutlines
    from pdfminer.pdfparser import PDFParser

    with open(path, "rb") as f:
        try:
            return sum(1 for _ in PDFDocument(PDFParser(f)).get_outlines())
        except PDFNoOutlines:
            return 0


def marks_pymupdf(path: Path) -> int:
    import pymupdf

    with pymupdf.open(str(path)) as doc:
        return len(doc.get_toc())


PDF_PARSERS: dict[str, tuple[str, Callable, Callable | None, str]] = {
    # name: (module to import, reader, bookmark counter, font size and weight per character)
    "kb (pypdfium2 + layout)": ("pypdfium2", read_kb, marks_pdfium, "yes"),
    "pypdfium2 (content order)": ("pypdfium2", read_pdfium, marks_pdfium, "yes"),
    "pdfminer.six": ("pdfminer", read_pdfminer, marks_pdfminer, "yes"),
    "pdfplumber": ("pdfplumber", read_pdfplumber, marks_pdfminer, "yes"),
    "pypdf": ("pypdf", read_pypdf, marks_pypdf, "no"),
    "PyMuPDF (AGPL)": ("pymupdf", read_pymupdf, marks_pymupdf, "yes"),
    "pdftotext (poppler)": ("", read_pdftotext, None, "no"),
}


def available(module: str) -> bool:
    if not module:
        return shutil.which("pdftotext") is not None
    try:
        __import__(module)
    except Exception:  # noqa: BLE001 - not installed, or broken: not measured
        return False
    return True


def bench_pdf(corpus: Path, only: set[str] | None) -> None:
    pdfs = sorted(corpus.glob("*.pdf"))
    probes_total = sum(len(p) for p in TWO_COLUMN_PROBES.values())
    print("| parser | files opened | pages/s (all text PDFs) | pages/s (108-page bill) "
          f"| two-column probes (of {probes_total}) | bookmarks read | font size/weight |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, (module, read, marks, fonts) in PDF_PARSERS.items():
        if (only and not any(o.lower() in name.lower() for o in only)) or not available(module):
            continue
        opened, pages, seconds, largest, probes, bookmarks = 0, 0, 0.0, "", 0, 0
        for path in pdfs:
            started = time.perf_counter()
            try:
                n, text = read(path)
            except Exception as exc:  # noqa: BLE001 - a parser that fails on a file is a result
                print(f"  {name}: {path.name}: {type(exc).__name__}: {str(exc)[:80]}", file=sys.stderr)
                continue
            took = time.perf_counter() - started
            opened += 1
            if len(text.strip()) > 20 * n:  # the scans have no text: their speed says nothing
                pages, seconds = pages + n, seconds + took
            if path.name == LARGEST:
                largest = f"{n / took:.0f}"
            probes += sum(probe_intact(squash(text), p) for p in TWO_COLUMN_PROBES.get(path.name, []))
            if marks is not None:
                try:
                    bookmarks += marks(path)
                except Exception:  # noqa: BLE001
                    pass
        marks_text = str(bookmarks) if marks is not None else "–"
        print(f"| {name} | {opened}/{len(pdfs)} | {pages / seconds:.0f} | {largest or '–'} | {probes} "
              f"| {marks_text} | {fonts} |")


def headings_python_docx(path: Path) -> list[str]:
    from kb.ingest.office import read_docx

    content = read_docx(path.read_bytes())
    levels = [p.level for p in content.pieces if p.kind == "h"]
    top = min(levels, default=1)
    return [p.text for p in content.pieces if p.kind == "h" and p.level == top]


def headings_mammoth(path: Path) -> list[str]:
    import mammoth

    with open(path, "rb") as f:
        html = mammoth.convert_to_html(f).value
    for level in range(1, 4):
        found = re.findall(rf"<h{level}[^>]*>(.*?)</h{level}>", html)
        if found:
            return [re.sub(r"<[^>]+>", "", h) for h in found]
    return []


def text_python_docx(path: Path) -> str:
    from kb.ingest.office import read_docx

    return "\n".join(p.text for p in read_docx(path.read_bytes()).pieces)


def text_mammoth(path: Path) -> str:
    import mammoth

    with open(path, "rb") as f:
        return mammoth.extract_raw_text(f).value


def bench_docx(corpus: Path, only: set[str] | None) -> None:
    docx_files = sorted(corpus.glob("*.docx"))
    table = corpus / "hd-t3592-13-nja-2014-s-499.docx"
    expected = sum(len(TOP_HEADINGS.get(p.name, [])) for p in docx_files)
    print()
    print(f"| parser | top-level headings (of {expected}) | 'Målnummer' in the merged table | ms per file |")
    print("| --- | --- | --- | --- |")
    for name, module, headings, text in (
        ("python-docx (kb)", "docx", headings_python_docx, text_python_docx),
        ("mammoth", "mammoth", headings_mammoth, text_mammoth),
    ):
        if (only and not any(o.lower() in name.lower() for o in only)) or not available(module):
            continue
        found, started = 0, time.perf_counter()
        for path in docx_files:
            got = {squash(h) for h in headings(path)}
            found += sum(squash(h) in got for h in TOP_HEADINGS.get(path.name, []))
        ms = (time.perf_counter() - started) * 1000 / len(docx_files)
        merged = text(table).count("Målnummer") if table.exists() else "–"
        print(f"| {name} | {found} | {merged} | {ms:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="the office corpus folder (../shared/corpus/office)")
    parser.add_argument("--only", help="comma-separated parser names (substrings) to measure")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    bench_pdf(args.corpus, only)
    bench_docx(args.corpus, only)


if __name__ == "__main__":
    main()
