"""Word (.docx) and OpenDocument text (.odt) -> one Document, sections from heading styles.

Headings are paragraphs styled "Heading N" or the Swedish "Rubrik N" (any style whose name says
so, "Rubrik 4 utan numrering" included) or, in OpenDocument, ``text:h`` with its outline level.
List paragraphs become list items; a table becomes one block per row with its cells joined
("Målnummer: T 3592-13"), merged cells once. Text inside content controls (``w:sdt``: the values
of a filled-in form) is read too, which python-docx's ``text`` leaves out. Generated tables of
contents ("toc 1" styles) are left out: they repeat the headings. Title and dates come from the
core properties when the text bears the title out, else from a title-styled or the first short
paragraph.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from ..model import Document, doc_id
from .build import Sections, clean
from .meta import normalize
from .pdf_meta import plausible_title

_HEADING_STYLE = re.compile(r"^(?:heading|rubrik)\s*(\d)", re.I)
_TITLE_STYLE = re.compile(r"^(?:title|rubrik|titel|.*huvudrubrik)$", re.I)
_LIST_STYLE = re.compile(r"list|lista|punkt|bullet|numrering", re.I)
_TOC_STYLE = re.compile(r"^(?:toc\s*\d|innehåll\s*\d|innehållsförteckning|table of contents)", re.I)


@dataclass
class Piece:
    """A paragraph-level unit in document order: ``h`` (with ``level``), ``title``, ``p`` or ``li``."""

    kind: str
    text: str
    level: int = 0


@dataclass
class OfficeContent:
    pieces: list[Piece] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)  # title, author, date, modified, keywords


def read_docx(data: bytes) -> OfficeContent:
    """The pieces and core properties of a .docx (python-docx; runs in the sandbox)."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    content = OfficeContent()
    body = document.element.body
    pending = list(body.iterchildren())
    while pending:  # the body's paragraphs and tables, also those inside content controls (w:sdt)
        element = pending.pop(0)
        tag = element.tag.rpartition("}")[2]
        if tag == "p":
            piece = _docx_paragraph(Paragraph(element, document))
            if piece is not None:
                content.pieces.append(piece)
        elif tag == "tbl":
            content.pieces += [Piece("p", row) for row in _docx_rows(Table(element, document), depth=0)]
        elif tag in ("sdt", "sdtContent", "customXml"):
            pending[:0] = [child for child in element.iterchildren() if child.tag.rpartition("}")[2] != "sdtPr"]
    props = document.core_properties
    for key, value in (("title", props.title), ("author", props.author), ("keywords", props.keywords)):
        if value and value.strip():
            content.meta[key] = clean(value)
    for key, value in (("date", props.created), ("modified", props.modified)):
        if value is not None:
            content.meta[key] = value.date().isoformat()
    return content


def _paragraph_text(p) -> str:
    """The text of a ``w:p``, with what python-docx's ``text`` leaves out: runs inside content
    controls (a filled-in form's values) and fields; deleted revisions and field codes excluded."""
    parts = []
    for node in p.iter("{*}t", "{*}tab", "{*}br", "{*}cr", "{*}delText", "{*}instrText"):
        name = node.tag.rpartition("}")[2]
        if name == "t":
            parts.append(node.text or "")
        elif name in ("tab", "br", "cr"):
            parts.append(" ")
    return "".join(parts)


def _docx_paragraph(paragraph) -> Piece | None:
    text = clean(_paragraph_text(paragraph._p))
    if not text:
        return None
    style = paragraph.style.name if paragraph.style is not None else ""
    if _TOC_STYLE.match(style):
        return None
    heading = _HEADING_STYLE.match(style)
    if heading:
        return Piece("h", text, int(heading.group(1)))
    if _TITLE_STYLE.match(style):
        return Piece("title", text)
    numbered = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
    return Piece("li" if numbered or _LIST_STYLE.search(style) else "p", text)


def _docx_rows(table, depth: int) -> list[str]:
    """One line per row: its distinct cells' text (a merged cell appears once), nested tables after."""
    rows: list[str] = []
    nested: list = []
    for row in table.rows:
        seen: set[int] = set()
        cells = []
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            own = (p for p in cell._tc.iter("{*}p") if not _in_nested_table(p, cell._tc))
            text = clean(" ".join(_paragraph_text(p) for p in own))
            if text and (not cells or cells[-1] != text):
                cells.append(text)
            if depth < 3:
                nested.extend(cell.tables)
        if cells:
            rows.append(_row_text(cells))
    for inner in nested:
        rows += _docx_rows(inner, depth + 1)
    return rows


def _in_nested_table(p, cell) -> bool:
    """Whether paragraph ``p`` of ``cell`` sits in a table inside the cell (read separately)."""
    parent = p.getparent()
    while parent is not None and parent is not cell:
        if parent.tag.rpartition("}")[2] == "tbl":
            return True
        parent = parent.getparent()
    return False


def _row_text(cells: list[str]) -> str:
    """'Målnummer' + 'T 3592-13' -> 'Målnummer: T 3592-13'. In longer rows a label ending in ":"
    takes the cell after it ("Kontaktperson: Daniel Ek | Telefonnummer: 08-541 708 00") and the
    rest are joined with ' | '."""
    if len(cells) == 2 and len(cells[0]) <= 60:
        label = cells[0] if cells[0].endswith(":") else cells[0] + ":"
        return f"{label} {cells[1]}"
    out, i = [], 0
    while i < len(cells):
        if cells[i].endswith(":") and i + 1 < len(cells) and not cells[i + 1].endswith(":"):
            out.append(f"{cells[i]} {cells[i + 1]}")
            i += 2
        else:
            out.append(cells[i])
            i += 1
    return " | ".join(out)


def read_odt(data: bytes) -> OfficeContent:
    """The pieces and metadata of an .odt (odfpy; runs in the sandbox)."""
    from odf import teletype
    from odf.namespaces import DCNS, METANS, TABLENS, TEXTNS
    from odf.opendocument import load

    document = load(io.BytesIO(data))
    content = OfficeContent()

    def walk(element, in_list: bool, depth: int) -> None:
        for child in element.childNodes:
            qname = getattr(child, "qname", None)
            if qname is None:
                continue
            if qname == (TEXTNS, "h"):
                text = clean(teletype.extractText(child))
                if text:
                    level = child.getAttrNS(TEXTNS, "outline-level") or "1"
                    content.pieces.append(Piece("h", text, int(level) if str(level).isdigit() else 1))
            elif qname == (TEXTNS, "p"):
                text = clean(teletype.extractText(child))
                style = (child.getAttrNS(TEXTNS, "style-name") or "").lower()
                if text:
                    kind = "li" if in_list else ("title" if style in ("title", "rubrik") else "p")
                    content.pieces.append(Piece(kind, text))
            elif qname == (TEXTNS, "list"):
                walk(child, True, depth)
            elif qname in ((TEXTNS, "list-item"), (TEXTNS, "section")):
                walk(child, in_list, depth)
            elif qname == (TABLENS, "table") and depth < 3:
                for row in _odt_rows(child):
                    content.pieces.append(Piece("p", row))
            elif qname == (TEXTNS, "table-of-content"):
                continue

    walk(document.text, False, 0)
    for element in document.meta.childNodes:
        qname = getattr(element, "qname", None)
        text = clean(teletype.extractText(element)) if qname else ""
        if not text:
            continue
        if qname == (DCNS, "title"):
            content.meta["title"] = text
        elif qname in ((DCNS, "creator"), (METANS, "initial-creator")):
            content.meta.setdefault("author", text)
        elif qname == (METANS, "creation-date"):
            content.meta["date"] = text[:10]
        elif qname == (DCNS, "date"):
            content.meta["modified"] = text[:10]
        elif qname == (METANS, "keyword"):
            content.meta["keywords"] = f"{content.meta['keywords']}, {text}" if "keywords" in content.meta else text
    return content


def _odt_rows(table) -> list[str]:
    from odf import teletype
    from odf.namespaces import TABLENS

    rows = []
    for row in table.getElementsByType(_odt_class(TABLENS, "table-row")):
        cells = []
        for cell in row.childNodes:
            if getattr(cell, "qname", None) == (TABLENS, "table-cell"):
                text = clean(teletype.extractText(cell))
                if text:
                    cells.append(text)
        if cells:
            rows.append(_row_text(cells))
    return rows


def _odt_class(namespace: str, name: str):
    from odf.element import Element

    class _Match(Element):  # getElementsByType compares qnames of a class's instances
        pass

    _Match.qname = (namespace, name)  # type: ignore[attr-defined]
    return _Match


def office_document(rel: str, content: OfficeContent, raw_meta: dict, fallback_title: str) -> Document:
    """The Document of read Word/OpenDocument content: sections by heading level, title chosen."""
    pieces = content.pieces
    file_meta = dict(content.meta)
    candidate = file_meta.pop("title", "")
    opening = " ".join(p.text for p in pieces[:40])
    title = str(raw_meta.get("title") or "")
    if not title and candidate and plausible_title(candidate, opening):
        title = candidate
    titled = [p for p in pieces[:20] if p.kind == "title"]
    if not title and titled:
        title = clean(" ".join(p.text for p in titled))[:200]
    first = next((p for p in pieces if p.kind in ("p", "h") and len(p.text) <= 150), None)
    if not title and first is not None and first is pieces[0] and len(pieces) > 1:
        title = first.text
        pieces = pieces[1:]
    title = title or fallback_title
    while len(pieces) > 1 and pieces[0].text == title:  # the title as the first line of the text
        pieces = pieces[1:]
    sections = Sections()
    sections.start([title])
    stack: list[tuple[int, str]] = []
    for piece in pieces:
        if piece.kind == "h":
            stack = [(lv, h) for lv, h in stack if lv < piece.level] + [(piece.level, piece.text)]
            sections.start([h for _, h in stack])
        elif piece.kind == "title" and piece.text in title:
            continue
        else:
            sections.add("li" if piece.kind == "li" else "p", piece.text)
    meta = normalize(raw_meta, file_meta)
    return Document(id=doc_id(rel), title=title, source=rel, sections=sections.result(), meta=meta)
