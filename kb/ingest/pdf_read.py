"""Reading a PDF with PDFium (pypdfium2): its text as lines in reading order, its outline and metadata.

This is the part that touches the file; it runs in a sandboxed child process (``kb.ingest.sandbox``)
because PDFium is C++ parsing untrusted bytes. What it returns is plain data (``PdfContent``), and
everything that turns lines into sections (``kb.ingest.pdf``) is ordinary Python that tests can
feed with made-up lines.

Why PDFium: it was the fastest of the candidates measured on the office corpus and opens the
AES-encrypted file with an empty password without help; see ``docs/ingest-office.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .base import SkipSource

# Characters PDFium reports for a line-end hyphen it recognised ("genera-/tioner"), besides "-".
SOFT_HYPHENS = ("\ufffe", "\u00ad", "\u2010")
BOLD_WEIGHT = 600


@dataclass
class Line:
    """One line of text on a page, in top-down page coordinates (points from the top-left)."""

    text: str
    page: int  # 0-based
    x0: float
    x1: float
    top: float
    bottom: float
    size: float  # the font size most of its characters have
    bold: bool
    hyphen: bool = False  # ends with a hyphen PDFium marked as a line-end hyphenation

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)


@dataclass
class OutlineEntry:
    level: int  # 0 = top
    title: str
    page: int | None  # 0-based, None when the bookmark points nowhere


@dataclass
class PdfContent:
    pages: list[list[Line]]
    page_sizes: list[tuple[float, float]]
    outline: list[OutlineEntry] = field(default_factory=list)
    info: dict[str, str] = field(default_factory=dict)


def read_pdf(data: bytes, max_pages: int = 2000) -> PdfContent:
    """The lines of every page in reading order, the outline and the document info of ``data``."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise SkipSource(_open_problem(data)) from exc
    try:
        count = len(pdf)
        if count == 0:
            raise SkipSource("PDF has no pages")
        if count > max_pages:
            raise SkipSource(f"PDF has {count} pages (limit {max_pages})")
        content = PdfContent(pages=[], page_sizes=[])
        for index in range(count):
            page = pdf[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            lines = _page_lines(textpage, index, height)
            textpage.close()
            page.close()
            content.pages.append(reading_order(lines, width))
            content.page_sizes.append((width, height))
        content.outline = _outline(pdf)
        content.info = {k: v for k, v in pdf.get_metadata_dict(skip_empty=True).items() if isinstance(v, str)}
    finally:
        pdf.close()
    return content


def _open_problem(data: bytes) -> str:
    """Why PDFium refused the file, from the file itself: PDFium's last-error code is process-wide
    and can be left over from an earlier document."""
    if re.search(rb"/Encrypt\s", data[-65536:]) or re.search(rb"/Encrypt\s+\d+\s+\d+\s+R", data):
        return "encrypted PDF: it needs a password to open"
    if re.search(rb"/Type\s*/Pages\b[^>]*/Count\s+0\b", data) and not re.search(rb"/Type\s*/Page\b", data):
        return "PDF has no pages"
    return "damaged PDF: its structure could not be read"


def _outline(pdf) -> list[OutlineEntry]:
    entries = []
    for item in pdf.get_toc(max_depth=8):
        title = " ".join((item.get_title() or "").split())
        if not title:
            continue
        dest = item.get_dest()
        page = dest.get_index() if dest is not None else None
        if page is not None and page < 0:
            page = None
        entries.append(OutlineEntry(level=item.level, title=title, page=page))
        if len(entries) >= 5000:
            break
    return entries


def _page_lines(textpage, index: int, page_height: float) -> list[Line]:
    """Lines from PDFium's characters: a line ends at a generated line break, a
    line-end hyphen, a character placed below and left of the last one, or a horizontal gap wider
    than two line heights (a gutter between columns, a gap between table cells).

    The characters come in one call (``get_text_range``, whose text lines up with the character
    indices when its length is the character count); per character only the box is asked for,
    and the weight of every fourth visible one: this loop is most of the time a PDF takes."""
    import pypdfium2.raw as raw

    handle = textpage.raw
    count = textpage.count_chars()
    text = textpage.get_text_range()
    if len(text) != count:  # surrogate pairs or a PDFium quirk: ask character by character
        text = "".join(chr(c) if 0 < (c := raw.FPDFText_GetUnicode(handle, i)) < 0x110000 else "\x00"
                       for i in range(count))
    box = raw.FS_RECTF()
    loose_box, weight = raw.FPDFText_GetLooseCharBox, raw.FPDFText_GetFontWeight
    lines: list[Line] = []
    chars: list[list] = []  # [text, left, right, bottom, top, size, bold or None]
    last: list | None = None  # the last visible character of the line

    def finish() -> None:
        nonlocal last
        if chars:
            line = _make_line(chars, index, page_height)
            if line is not None:
                lines.append(line)
            chars.clear()
        last = None

    for i, char in enumerate(text):
        if char in "\r\n":
            finish()
            continue
        if char in "\x00\ufeff":
            continue
        if char.isspace() or not loose_box(handle, i, box) or box.right <= box.left:
            if last is not None and not chars[-1][0].isspace():
                chars.append([" ", last[2], last[2], last[3], last[4], last[5], None])
            continue
        left, right, bottom, top = box.left, box.right, box.bottom, box.top
        if last is not None:
            line_height = max(last[4] - last[3], 1.0)
            below = top <= last[3] + 0.1 * line_height and left < last[1]
            apart = left - last[2] > 2 * line_height  # a gutter or a table's column gap
            jump = abs(bottom - last[3]) > 1.5 * line_height and abs(top - last[4]) > 1.5 * line_height
            if below or apart or jump:
                finish()
        # The loose box spans the font's ascent to descent: its height is the size as printed
        # (FPDFText_GetFontSize gives 1 when a text matrix does the scaling).
        bold = weight(handle, i) >= BOLD_WEIGHT if len(chars) % 4 == 0 else None
        last = [char, left, right, bottom, top, abs(top - bottom), bold]
        chars.append(last)
        if char in SOFT_HYPHENS:  # PDFium marks a line-end hyphen so, and emits no line break after it
            finish()
    finish()
    return lines


def _make_line(chars, index: int, page_height: float) -> Line | None:
    visible = [c for c in chars if not c[0].isspace()]
    if not visible:
        return None
    text = "".join(c[0] for c in chars).strip()
    if _letter_spaced(text):
        text = _respace(visible)
    hyphen = text.endswith(SOFT_HYPHENS)
    sizes: dict[float, int] = {}
    for c in visible:
        sizes[round(c[5], 1)] = sizes.get(round(c[5], 1), 0) + 1
    return Line(
        text=text,
        page=index,
        x0=min(c[1] for c in visible),
        x1=max(c[2] for c in visible),
        top=page_height - max(c[4] for c in visible),
        bottom=page_height - min(c[3] for c in visible),
        size=max(sizes, key=sizes.__getitem__),
        bold=_mostly_bold([c[6] for c in visible if c[6] is not None]),
        hyphen=hyphen,
    )


def _mostly_bold(samples: list[bool]) -> bool:
    return bool(samples) and sum(samples) >= 0.6 * len(samples)


def _letter_spaced(text: str) -> bool:
    """'V a r f ö r e n k l i m a tst r a t e g i ?': most words one or two letters long."""
    words = text.split()
    return len(words) >= 5 and sum(len(w) <= 2 for w in words) >= 0.6 * len(words)


def _respace(visible) -> str:
    """Letter-spaced text rebuilt from the gaps: only a gap clearly wider than the usual one is a space."""
    gaps = sorted(max(b[1] - a[2], 0.0) for a, b in zip(visible, visible[1:], strict=False))
    usual = gaps[len(gaps) // 2] if gaps else 0.0
    size = max(visible[0][5], 1.0)
    out = [visible[0][0]]
    for a, b in zip(visible, visible[1:], strict=False):
        if b[1] - a[2] > usual + 0.2 * size:
            out.append(" ")
        out.append(b[0])
    return "".join(out)


def reading_order(lines: list[Line], page_width: float) -> list[Line]:
    """Two-column pages read left column, then right, band by band; other pages as PDFium gives them.

    A gutter is a vertical strip in the middle 30-70 % of the page that at least five lines on
    each side keep clear of and few lines cross (a full-width heading, a picture caption). Short
    lines side by side across it are a table's cells, read row by row as PDFium gives them; long
    ones are columns of text. Lines crossing the gutter split the page into bands read one after
    the other.
    """
    if len(lines) < 10:
        return merge_rows(lines)
    best: tuple[int, float] | None = None
    for percent in range(30, 71, 2):
        x = page_width * percent / 100
        left = sum(1 for ln in lines if ln.x1 <= x)
        right = sum(1 for ln in lines if ln.x0 >= x)
        crossing = len(lines) - left - right
        if min(left, right) >= 5 and crossing <= 0.2 * len(lines):
            if best is None or crossing < best[0]:
                best = (crossing, x)
    if best is None:
        return merge_rows(lines)
    gutter = best[1]
    left_lines = [ln for ln in lines if ln.x1 <= gutter]
    right_lines = [ln for ln in lines if ln.x0 >= gutter]
    side_by_side = sum(1 for a in left_lines if any(abs(a.top - b.top) < 0.5 * a.height for b in right_lines))
    widths = sorted(ln.x1 - ln.x0 for ln in left_lines)
    column = gutter - min(ln.x0 for ln in left_lines)
    if side_by_side > 0.3 * len(left_lines) and widths[len(widths) // 2] < 0.6 * column:
        return merge_rows(lines)  # short cells side by side: a table
    crossing = sorted((ln for ln in lines if ln.x0 < gutter < ln.x1), key=lambda ln: ln.top)
    ordered: list[Line] = []
    upper = float("-inf")
    for separator in [*crossing, None]:
        lower = separator.top if separator is not None else float("inf")
        band = [ln for ln in lines if upper <= ln.top < lower and not (ln.x0 < gutter < ln.x1)]
        ordered += merge_rows(sorted((ln for ln in band if ln.x1 <= gutter), key=lambda ln: ln.top))
        ordered += merge_rows(sorted((ln for ln in band if ln.x0 >= gutter), key=lambda ln: ln.top))
        if separator is not None:
            ordered.append(separator)
            upper = separator.top
    return ordered


def merge_rows(lines: list[Line]) -> list[Line]:
    """Pieces of one row that follow each other left to right become one line again ("1" and
    "Inledning" set apart by a tab; a table's label and value), once columns are known apart."""
    out: list[Line] = []
    for ln in lines:
        prev = out[-1] if out else None
        if prev is not None and not prev.hyphen and abs(prev.top - ln.top) < 0.3 * prev.height and ln.x0 > prev.x1:
            longer = prev if len(prev.text) >= len(ln.text) else ln
            out[-1] = Line(
                text=f"{prev.text} {ln.text}",
                page=prev.page,
                x0=prev.x0,
                x1=ln.x1,
                top=min(prev.top, ln.top),
                bottom=max(prev.bottom, ln.bottom),
                size=longer.size,
                bold=prev.bold and ln.bold,
                hyphen=ln.hyphen,
            )
        else:
            out.append(ln)
    return out
