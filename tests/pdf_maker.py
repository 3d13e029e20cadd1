"""Small PDFs written by hand for tests: text placed where a test wants it, in the order it wants.

Real PDFs from the office corpus are large; these are a few kB and say exactly what they hold:
two columns whose lines are drawn interleaved (so only a layout-aware reader gets the order
right), a running header and page numbers, headings set larger, an outline, document info, and
the hostile variants (a damaged cross-reference table, no pages, a password, a stream that
inflates to a gigabyte). Text uses the standard Helvetica fonts in WinAnsiEncoding (å, ä, ö).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

A4 = (595.0, 842.0)


@dataclass
class Text:
    x: float
    y: float  # from the top of the page, to the baseline
    text: str
    size: float = 10.0
    bold: bool = False


@dataclass
class Page:
    items: list[Text] = field(default_factory=list)

    def add(self, x: float, y: float, text: str, size: float = 10.0, bold: bool = False) -> Page:
        self.items.append(Text(x, y, text, size, bold))
        return self


def _literal(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _content(page: Page, height: float) -> bytes:
    ops = []
    for item in page.items:
        font = b"/F2" if item.bold else b"/F1"
        place = b" %.1f Tf %.1f %.1f Td " % (item.size, item.x, height - item.y)
        ops.append(b"BT " + font + place + _literal(item.text) + b" Tj ET")
    return b"\n".join(ops)


def _bomb(stream: bytes, megabytes: int) -> bytes:
    """``stream`` then ``megabytes`` MB of spaces, deflated: after a full flush every further MB
    compresses to the same ~1 kB, so a gigabyte is written in milliseconds."""
    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    head = packer.compress(stream + b"\n") + packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    repeat = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    return head + repeat * (megabytes - 1) + packer.flush()


def make_pdf(
    pages: list[Page],
    *,
    title: str = "",
    author: str = "",
    created: str = "",
    outline: list[tuple[str, int]] | None = None,
    size: tuple[float, float] = A4,
    break_xref: bool = False,
    password: bool = False,
    bomb_mb: int = 0,
) -> bytes:
    """A PDF of ``pages``; ``outline``: (title, 0-based page) bookmarks at the top level.

    ``break_xref``: every cross-reference offset points to the wrong place (readers must repair).
    ``password``: a Standard security handler whose user password is not empty (not openable).
    ``bomb_mb``: the first page's content stream inflates to this many MB of spaces.
    """
    width, height = size
    objects: dict[int, bytes] = {}
    n_pages = len(pages)
    first_page = 5
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(n_pages))
    outline_ref = ""
    if outline:
        outline_ref = f" /Outlines {first_page + 2 * n_pages} 0 R"
    objects[1] = f"<< /Type /Catalog /Pages 2 0 R{outline_ref} >>".encode()
    objects[2] = f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode()
    objects[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objects[4] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    for i, page in enumerate(pages):
        page_obj, content_obj = first_page + 2 * i, first_page + 2 * i + 1
        objects[page_obj] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width:.0f} {height:.0f}] "
            f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {content_obj} 0 R >>"
        ).encode()
        stream = _content(page, height)
        if bomb_mb and i == 0:
            data = _bomb(stream, bomb_mb)
        else:
            data = zlib.compress(stream)
        objects[content_obj] = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    next_obj = first_page + 2 * n_pages
    if outline:
        root, items = next_obj, list(range(next_obj + 1, next_obj + 1 + len(outline)))
        objects[root] = f"<< /Type /Outlines /First {items[0]} 0 R /Last {items[-1]} 0 R /Count {len(items)} >>".encode(
        )
        for k, ((label, page_index), obj) in enumerate(zip(outline, items, strict=True)):
            links = f" /Prev {items[k - 1]} 0 R" if k else ""
            links += f" /Next {items[k + 1]} 0 R" if k + 1 < len(items) else ""
            objects[obj] = (
                b"<< /Title " + _literal(label) + f" /Parent {root} 0 R{links} "
                f"/Dest [{first_page + 2 * page_index} 0 R /XYZ 0 {height:.0f} 0] >>".encode()
            )
        next_obj = items[-1] + 1
    info_obj = next_obj
    info = b"<< /Producer (tests.pdf_maker)"
    for key, value in (("Title", title), ("Author", author)):
        if value:
            info += b" /" + key.encode() + b" " + _literal(value)
    if created:
        info += b" /CreationDate (" + created.encode() + b")"
    objects[info_obj] = info + b" >>"
    encrypt = ""
    if password:
        objects[info_obj + 1] = (
            b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -4 "
            b"/O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> >>"
        )
        encrypt = f" /Encrypt {info_obj + 1} 0 R /ID [<{'ab' * 16}> <{'ab' * 16}>]"
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + objects[number] + b"\nendobj\n"
    xref_at = len(out)
    size_ = max(objects) + 1
    out += f"xref\n0 {size_}\n0000000000 65535 f \n".encode()
    for number in range(1, size_):
        offset = offsets.get(number, 0)
        if break_xref:
            offset = (offset * 7 + 13) % max(len(out), 1)
        out += f"{offset:010d} 00000 n \n".encode()
    trailer = f"<< /Size {size_} /Root 1 0 R /Info {info_obj} 0 R{encrypt} >>"
    out += f"trailer\n{trailer}\nstartxref\n{xref_at}\n%%EOF\n".encode()
    return bytes(out)


LEFT = [
    "Vänster spalt börjar här med en mening",
    "som fortsätter på nästa rad utan att",
    "byta spalt, och ordet upphandlings-",
    "kriterier är avstavat vid radslutet.",
    "Här slutar den vänstra spalten helt.",
    "Ännu en rad i vänster spalt om möbler",
]
RIGHT = [
    "Höger spalt tar vid efter den vänstra",
    "och handlar om återbruk av kontors-",
    "möbler i kommunens lokaler, där stolar",
    "och bord lagas i stället för att köpas",
    "nya. Detta är höger spalts sista mening",
    "som också avslutar sidan för läsaren.",
]


def two_column_page(header: str = "Kommunens riktlinjer", number: int = 1) -> Page:
    """A page with a running header, a page number, a heading across both columns, and two columns
    whose lines are drawn row by row (left, right, left, …): the order a naive reader prints."""
    page = Page()
    page.add(60, 40, header, 8)
    page.add(60, 90, "Återbruk i två spalter", 18, bold=True)
    for i, (left, right) in enumerate(zip(LEFT, RIGHT, strict=True)):
        y = 130 + 14 * i
        page.add(60, y, left, 10)
        page.add(320, y, right, 10)
    for i in range(len(LEFT), 40):  # more body so the page is typical (and the body size clear)
        y = 130 + 14 * i
        page.add(60, y, f"Rad {i} i vänster spalt om inköp av möbler.", 10)
        page.add(320, y, f"Rad {i} i höger spalt om inköp av lampor.", 10)
    page.add(290, 810, str(number), 9)
    return page
