"""PDF files -> one Document whose sections know the page they start on.

The lines come from ``kb.ingest.pdf_read`` (in reading order, two-column pages included). Here:
running headers, footers and page numbers are dropped (text that repeats at the same place on
many pages), printed tables of contents are read and dropped, words hyphenated at line ends are
joined, and sections are cut at headings: the PDF's outline (bookmarks) where it has one, else a
printed table of contents with dot leaders, else lines set larger or bolder than the body text.
"""

from __future__ import annotations

import re
from collections import Counter

from ..model import Document, doc_id
from .base import SkipSource
from .build import Sections, clean
from .meta import normalize
from .pdf_meta import document_meta, plausible_title
from .pdf_read import SOFT_HYPHENS, Line, OutlineEntry, PdfContent

MIN_CHARS_PER_PAGE = 20  # below this on average the PDF is taken for a scan without a text layer
_PAGE_NUMBER = re.compile(
    r"^(?:sid(?:a|an)?\.?\s*)?[-–(]?\s*\d{1,4}\s*(?:(?:\(|av|/|of)\s*\d{1,4}\s*\)?)?[-–)]?$", re.I
)
_TOC_LINE = re.compile(
    r"^(?P<title>\S.*?)\s*(?:\.\s?){4,}\.?\s*(?P<page>\d{1,4})$|^(?P<t2>\S.*?)\s*…{2,}\s*(?P<p2>\d{1,4})$"
)
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,4})\.?(?:\s+|(?=[A-ZÅÄÖ]))\S")
_NUMBER = re.compile(r"^\d{1,2}(?:\.\d{1,2}){0,4}\.?\s*")
_BULLET = re.compile(r"^\s*([•▪◦‣●○■□–\-*]|\uf0b7|\uf0a7|o)\s+(\S.*)$")
_NO_JOIN = {"och", "eller", "samt", "respektive", "resp", "som", "till", "med", "men", "både"}
_SENTENCE_END = ".:;!?"


def ingest_pdf(rel: str, data: bytes, raw_meta: dict, fallback_title: str) -> Document:
    """Parse one PDF (in a sandboxed child process) into one Document; a scan is read by OCR
    when ``KB_OCR`` asks for it (``kb.ingest.ocr``), else skipped with its reason."""
    from .pdf_read import read_pdf
    from .sandbox import run_sandboxed

    content = run_sandboxed(read_pdf, data)
    if _scanned(content):
        from .ocr import OCR_SECONDS_PER_PAGE, ocr_pdf, ocr_requested

        if ocr_requested():
            ocr = run_sandboxed(ocr_pdf, data, seconds=OCR_SECONDS_PER_PAGE * len(content.pages))
            doc = pdf_document(rel, ocr, data, raw_meta, fallback_title, source="OCR")
            doc.meta["ocr"] = "tesseract (swe)"
            return doc
    return pdf_document(rel, content, data, raw_meta, fallback_title)


def _scanned(content: PdfContent) -> bool:
    chars = sum(len(ln.text.strip()) for page in content.pages for ln in page)
    return chars < MIN_CHARS_PER_PAGE * len(content.pages)


def pdf_document(
    rel: str, content: PdfContent, data: bytes, raw_meta: dict, fallback_title: str, source: str = "text layer"
) -> Document:
    """The Document of an already read PDF (``data``: its bytes, for the XMP metadata)."""
    pages = len(content.pages)
    chars = sum(len(ln.text.strip()) for page in content.pages for ln in page)
    if _scanned(content):
        if source == "OCR":
            raise SkipSource(f"no text found by OCR ({pages} pages, {chars} characters)")
        raise SkipSource(f"no text layer: scanned? ({pages} pages, {chars} characters of text; KB_OCR=1 reads scans)")
    lines = drop_running_lines(content)
    lines, toc = split_toc(lines)
    file_meta = document_meta(content.info, data)
    title = str(raw_meta.get("title") or "") or _title(file_meta.pop("title", ""), lines) or fallback_title
    headings = outline_headings(content.outline, lines)
    if not headings and len(toc) >= 3:
        headings = outline_headings(toc, lines, min_found=len(toc) // 2)
    if not headings:
        headings = font_headings(lines, title, scanned=source == "OCR")
    sections = build_sections(lines, headings, title)
    file_meta["pages"] = pages
    meta = normalize(raw_meta, file_meta)
    return Document(id=doc_id(rel), title=title, source=rel, sections=sections, meta=meta)


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", " ", text.lower()).strip()


def _line_key(line: Line) -> str:
    return re.sub(r"\d+", "#", _norm(line.text))


def drop_running_lines(content: PdfContent) -> list[Line]:
    """Every line but running headers and footers (in the top or bottom sixth of the page, the same
    text, digits aside, at about the same height on at least half of the pages, three at least)
    and page numbers there. Body text that repeats (a form's labels) is kept."""
    pages = content.pages
    larger = 1.15 * _body_size([ln for page in pages for ln in page])  # headings are not running lines
    seen: Counter[tuple[str, int]] = Counter()
    for page, (_, height) in zip(pages, content.page_sizes, strict=True):
        seen.update({(_line_key(ln), round(ln.top / 20)) for ln in page if _in_margin(ln, height) and ln.size < larger})
    running = {key for key, n in seen.items() if n >= 3 and n >= 0.5 * len(pages) and key[0]}
    out = []
    for page, (_, height) in zip(pages, content.page_sizes, strict=True):
        for ln in page:
            if _in_margin(ln, height) and (
                (_line_key(ln), round(ln.top / 20)) in running or _PAGE_NUMBER.match(ln.text.strip())
            ):
                continue
            out.append(ln)
    return out


def _in_margin(ln: Line, height: float) -> bool:
    return len(ln.text) <= 150 and (ln.top < height / 6 or ln.bottom > height * 5 / 6)


def split_toc(lines: list[Line]) -> tuple[list[Line], list[OutlineEntry]]:
    """Lines without the printed table of contents, and its entries (title, level from numbering)."""
    kept, toc = [], []
    for ln in lines:
        match = _TOC_LINE.match(ln.text.strip().replace("\ufffe", ""))
        if match:
            title = clean(match.group("title") or match.group("t2") or "")
            numbered = _NUMBERED.match(title)
            level = numbered.group(1).count(".") if numbered else 0
            if title and not title.isdigit():
                toc.append(OutlineEntry(level=level, title=title, page=None))
            continue
        kept.append(ln)
    return kept, toc


def _title(candidate: str, lines: list[Line]) -> str:
    """The metadata title if the first pages bear it out, else the largest text on the first page
    (not a numbered chapter heading: "1. Inbjudan och allmän information" is not a title)."""
    first_pages = " ".join(ln.text for ln in lines if ln.page < 2)
    if candidate and plausible_title(candidate, first_pages):
        return candidate
    first = [ln for ln in lines if ln.page == 0 and len(ln.text) > 1 and not _NUMBERED.match(ln.text)]
    if not first:
        return ""
    biggest = max(ln.size for ln in first)
    body = _body_size(lines)
    if biggest < 1.15 * body:
        return ""
    parts: list[Line] = []
    for ln in first:
        apart = parts and (_NUMBERED.match(ln.text) or ln.top - parts[-1].bottom > ln.height)
        if abs(ln.size - biggest) < 0.5 and not apart:
            parts.append(ln)
        elif parts:
            break
    return clean(join_lines(parts))[:200]


def _body_size(lines: list[Line]) -> float:
    sizes: Counter[float] = Counter()
    for ln in lines:
        sizes[round(ln.size)] += len(ln.text)
    return float(sizes.most_common(1)[0][0]) if sizes else 10.0


def outline_headings(
    outline: list[OutlineEntry], lines: list[Line], min_found: int = 1
) -> dict[int, tuple[int, str]]:
    """Line index -> (level, heading) for each outline entry found in the text, in order.

    An entry is looked for from the last one found on (from its page when it has one): the first
    line that starts with its words, or that its words start with (a heading set over two lines).
    Levels come from the entry's numbering ("4.2" is level 2) where it has one, since outlines are
    often flat; else from the outline's own depth.
    """
    found: dict[int, tuple[int, str]] = {}
    cursor = 0
    for entry in outline:
        wanted = _norm(entry.title)
        if not wanted:
            continue
        unnumbered = _norm(_NUMBER.sub("", entry.title)) if _NUMBERED.match(entry.title) else ""
        start = cursor
        if entry.page is not None:
            start = next((i for i in range(cursor, len(lines)) if lines[i].page >= entry.page), len(lines))
        for i in range(start, min(len(lines), start + 400)):
            if entry.page is not None and lines[i].page > entry.page + 1:
                break
            got = _norm(lines[i].text)
            if len(got) >= 2 and (got.startswith(wanted[:60]) or (len(got) >= 6 and wanted.startswith(got))):
                found[i] = (_level(entry), entry.title)
                cursor = i + 1
                break
            if unnumbered and len(got) >= 8 and got.startswith(unnumbered[:60]):  # the number set apart
                found[i] = (_level(entry), entry.title)
                cursor = i + 1
                break
                found[i] = (_level(entry), entry.title)
                cursor = i + 1
                break
    return found if len(found) >= min_found else {}


def _level(entry: OutlineEntry) -> int:
    numbered = _NUMBERED.match(entry.title)
    if numbered:
        return min(numbered.group(1).count(".") + 1, 4)
    return min(entry.level + 1, 4)


def font_headings(lines: list[Line], title: str, scanned: bool = False) -> dict[int, tuple[int, str]]:
    """Headings by their look: a short line, set at least 15 % larger than the body text or in bold
    (when the body is not; a bold line repeated three times or more is a table's header row),
    starting with a capital or a number, not ending like a sentence.

    Levels rank the heading sizes (larger is higher); numbered headings ("2.3 Pris") take the
    depth of their numbering. Consecutive lines of the same heading style are one heading.
    """
    body = _body_size(lines)
    bold_share = sum(len(ln.text) for ln in lines if ln.bold) / max(1, sum(len(ln.text) for ln in lines))
    repeated = Counter(_norm(ln.text) for ln in lines)  # a table's header row on every table
    candidates: list[int] = []
    for i, ln in enumerate(lines):
        text = ln.text.strip()
        starts_well = text[:1].isupper() or text[:1].isdigit()
        if not (2 <= len(text) <= 120) or sum(c.isalpha() for c in text) < 2 or text[-1] in ",;" or not starts_well:
            continue
        if len(text.split()) > (8 if scanned else 14) or _norm(text) == _norm(title) or _PAGE_NUMBER.match(text):
            continue
        larger = ln.size >= (1.3 if scanned else 1.15) * body  # OCR's line heights vary more
        bolder = ln.bold and bold_share < 0.5 and ln.size >= 0.95 * body and repeated[_norm(text)] < 3
        if larger or bolder:
            candidates.append(i)
    sizes = sorted({round(lines[i].size) for i in candidates}, reverse=True)
    found: dict[int, tuple[int, str]] = {}
    previous = -2
    for i in candidates:
        ln = lines[i]
        if previous == i - 1 and previous in found and _same_heading(lines[previous], ln):
            level, text = found[previous]
            del found[previous]
            found[i] = (level, clean(join_lines([_with_text(lines[previous], text), ln])))
            previous = i
            continue
        numbered = _NUMBERED.match(ln.text)
        level = numbered.group(1).count(".") + 1 if numbered else sizes.index(round(ln.size)) + 1
        found[i] = (min(level, 4), clean(ln.text.replace("\ufffe", "-")))
        previous = i
    return found


def _same_heading(a: Line, b: Line) -> bool:
    return a.page == b.page and abs(a.size - b.size) < 0.5 and a.bold == b.bold and b.top - a.bottom < a.height


def build_sections(lines: list[Line], headings: dict[int, tuple[int, str]], title: str):
    """Sections from the lines: each heading starts one (its path from the levels above it), the
    rest are joined into paragraphs and list items. Each section records its first page."""
    sections = Sections()
    intro = sections.start([title])
    intro.page = lines[0].page + 1 if lines else 1
    stack: list[tuple[int, str]] = []
    paragraph: list[Line] = []
    kind = "p"

    def flush() -> None:
        nonlocal kind
        if paragraph:
            blocks = sections.sections[-1].blocks
            before = len(blocks)
            sections.add(kind, join_lines(paragraph))  # type: ignore[arg-type]
            for block in blocks[before:]:
                block.page = paragraph[0].page + 1
            paragraph.clear()
        kind = "p"

    previous: Line | None = None
    for i, ln in enumerate(lines):
        heading = headings.get(i)
        if heading is not None:
            flush()
            level, text = heading
            stack = [(lv, h) for lv, h in stack if lv < level] + [(level, text)]
            section = sections.start([h for _, h in stack])
            section.page = ln.page + 1
            previous = None
            continue
        bullet = _BULLET.match(ln.text)
        if bullet or previous is None or _new_paragraph(previous, ln):
            flush()
            if bullet:
                kind = "li"
        paragraph.append(ln if not bullet else _with_text(ln, bullet.group(2)))
        previous = ln
    flush()
    return sections.result()


def _with_text(ln: Line, text: str) -> Line:
    return Line(text, ln.page, ln.x0, ln.x1, ln.top, ln.bottom, ln.size, ln.bold, ln.hyphen)


def _new_paragraph(previous: Line, ln: Line) -> bool:
    """A gap wider than a line, a change of size or weight, a new page (unless a word was split
    over it: each block knows its page), or a move to the next column after a line that ended a
    sentence; but a short label ending in ":" stays with the value beside or below it."""
    label = previous.text.rstrip().endswith(":") and len(previous.text) <= 60
    if label and ln.page == previous.page and -0.5 * previous.height <= ln.top - previous.top < 3 * previous.height:
        return False  # a form's "Kontaktperson:" and its value
    if abs(previous.size - ln.size) > 0.1 * max(previous.size, 1) or previous.bold != ln.bold:
        return True
    if ln.page != previous.page:
        return not (previous.hyphen or previous.text.endswith("-"))
    gap = ln.top - previous.bottom
    if 0 <= gap <= 0.8 * previous.height:
        return False
    ended = previous.text.rstrip()[-1:] in _SENTENCE_END
    return gap > 0.8 * previous.height or ended


def join_lines(lines: list[Line]) -> str:
    """One paragraph from its lines: line-end hyphenation is undone ("upphandlings-/kriterier" ->
    "upphandlingskriterier") unless the next word is a conjunction ("Klimat- och energistrategi");
    before a capital the hyphen stays, without a space ("Göteborgs-/Posten" -> "Göteborgs-Posten")."""
    out = ""
    for ln in lines:
        text = ln.text.strip()
        if not out:
            out = text
            continue
        if out.endswith(SOFT_HYPHENS) or out.endswith("-"):
            stem = out.rstrip("".join(SOFT_HYPHENS) + "-")
            word = text.split(" ", 1)[0]
            letters = re.search(r"\w\w$", stem) is not None
            if letters and word[:1].islower() and word.strip(".,;:").lower() not in _NO_JOIN:
                out = stem + text
                continue
            if letters and word[:1].isupper():  # a hyphenated name: "Göteborgs-/Posten"
                out = stem + "-" + text
                continue
            out = (stem + "-" if out.endswith(SOFT_HYPHENS) else out) + " " + text
            continue
        out += " " + text
    return out.replace("\ufffe", "-")
