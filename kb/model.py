"""Normalized documents: the one shape every stage after ingestion reads.

Ingestion turns any source file into ``Document`` objects; indexing, the site and the API
only ever see these. Ids and anchors are derived from stable things (the source path,
statute chapter numbers, headings) so links survive rebuilds.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

BlockKind = Literal["p", "li", "h", "para"]


@dataclass
class Block:
    """One piece of a section's body.

    ``p``: a paragraph; ``li``: a list item; ``h``: a minor heading inside a section (for
    example "Lagens innehåll" inside a statute chapter); ``para``: a statute paragraph
    marker ("3 §") whose ``anchor`` is linkable (e.g. ``kap19a-3``), followed by its ``p``s.
    """

    kind: BlockKind
    text: str
    anchor: str | None = None
    page: int | None = None  # the page of the original (PDF) the block starts on, when known


@dataclass
class Section:
    """A searchable, linkable unit: one heading and the body under it.

    ``path`` is the heading path inside the document, outermost first, e.g.
    ``["Upphandla cirkulärt i praktiken", "Erfarenheter från praktiken"]``.
    ``anchor`` is unique within the document. ``page``: the page of the original file the
    section starts on (1-based; PDFs only, else None), for links to ``original.pdf#page=N``.
    """

    anchor: str
    path: list[str]
    blocks: list[Block] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    page: int | None = None

    @property
    def heading(self) -> str:
        return self.path[-1] if self.path else ""

    @property
    def level(self) -> int:
        return len(self.path)

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks if b.text)


@dataclass
class Document:
    """A normalized document.

    ``id`` is derived from the source path (see ``doc_id``), never from the title, so
    that URLs survive edits. ``source`` is the path relative to ``sources/`` with ``/``
    separators. Several documents may share one source (the IVL page yields one
    document per project, with ``parent`` set to the page's id).
    ``meta`` holds ``publisher``, ``type``, ``date`` (ISO), ``reviewed`` (ISO, "Senast
    granskad"), ``url``, ``license`` and anything else the source provided (``beteckning``…).
    """

    id: str
    title: str
    source: str
    sections: list[Section]
    meta: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    parent: str | None = None
    content_hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The document as JSON-ready data; pages only where known (PDFs), so other documents'
        cached and indexed forms stay as they were."""
        data = asdict(self)
        for section in data["sections"]:
            if section["page"] is None:
                del section["page"]
            for block in section["blocks"]:
                if block["page"] is None:
                    del block["page"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        sections = [
            Section(
                anchor=s["anchor"],
                path=list(s["path"]),
                blocks=[Block(**b) for b in s["blocks"]],
                tags=list(s.get("tags", [])),
                page=s.get("page"),
            )
            for s in data["sections"]
        ]
        return cls(
            id=data["id"],
            title=data["title"],
            source=data["source"],
            sections=sections,
            meta=dict(data.get("meta", {})),
            tags=list(data.get("tags", [])),
            parent=data.get("parent"),
            content_hash=data.get("content_hash", ""),
        )


# The one folding table: the index's folded field, URLs, snippets (and, through the static index's
# meta.json, the browser's search) fold these letters so; any other letter by NFKD without its
# combining marks. æ and ø, which NFKD leaves alone, fold to a and o.
FOLD_LETTERS = ("åäöéèêëüáàâæøÅÄÖÉÈÜÁÀÆØ", "aaoeeeeuaaaaoAAOEEUAAAO")
FOLD_TABLE = str.maketrans(*FOLD_LETTERS)


class FoldMap(dict):
    """``str.translate`` table: code point -> that character folded (``table``, else NFKD
    without combining marks), filled on first sight. NFKD decomposes character by character and
    only reorders combining marks, which are all dropped, so folding each character alone gives
    what folding the whole text gave, in one C-level pass instead of a per-character generator."""

    LIMIT = 20_000  # distinct characters remembered; hostile text cannot grow it without bound

    def __init__(self, table: dict[int, int]) -> None:
        super().__init__((code, chr(code)) for code in range(128))  # the tables map only non-ASCII
        self.table = table

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = char.translate(self.table)
        if not folded.isascii():
            decomposed = unicodedata.normalize("NFKD", folded)
            folded = "".join(c for c in decomposed if not unicodedata.combining(c))
        if len(self) < self.LIMIT:
            self[code] = folded
        return folded


_FOLD_MAP = FoldMap(FOLD_TABLE)


def fold_ascii(text: str) -> str:
    """'Återbruk Möbler' -> 'Aterbruk Mobler' (strip diacritics, keep case).

    A translation table handles Swedish letters quickly; NFKD covers the rest.
    """
    if text.isascii():  # FOLD_TABLE maps only non-ASCII letters
        return text
    return text.translate(_FOLD_MAP)


_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def slugify(text: str, max_length: int = 80) -> str:
    """A stable, ASCII, URL-safe slug: 'Cirkulära Göteborg' -> 'cirkulara-goteborg'."""
    if len(text) <= max_length and _SLUG.fullmatch(text):
        return text  # already a slug (most path segments): the steps below would return it unchanged
    slug = _NOT_SLUG.sub("-", fold_ascii(text).lower()).strip("-")
    return slug[:max_length].rstrip("-") or "x"


def doc_id(source: str) -> str:
    """Document id from a source path: 'related/sfs/sfs-2016-1145.md' -> 'related/sfs/sfs-2016-1145'.

    Each path segment is slugified, the extension dropped; the result is usable in URLs.
    """
    stem = _EXTENSION.sub("", source)
    return "/".join(slugify(part, 120) for part in stem.split("/") if part)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def unique_anchor(base: str, taken: set[str]) -> str:
    """Return ``base`` or ``base-2``, ``base-3``… whichever is free, and mark it taken."""
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    taken.add(anchor)
    return anchor


def dedupe_ids(documents: list[Document]) -> list[Document]:
    """Keep the first document of each id (two sources could slugify alike: a.md and a.txt)."""
    for doc, final in zip(documents, dedupe_id_list([(d.id, d.source) for d in documents]), strict=True):
        doc.id = final
    return documents


def dedupe_id_list(pairs: list[tuple[str, str]]) -> list[str]:
    """Final ids for (id, source) pairs in document order: a repeated id gets its source's hash."""
    seen: set[str] = set()
    out = []
    for doc_id, source in pairs:
        if doc_id in seen:
            doc_id = f"{doc_id}-{hashlib.sha1(source.encode()).hexdigest()[:6]}"
        seen.add(doc_id)
        out.append(doc_id)
    return out
