"""Statutes (se-lex Markdown): one document, a section per chapter, linkable paragraphs.

Anchors follow the statute's own numbering so links look like citations and survive rebuilds:
chapter "19 a kap." -> ``kap19a``, its "3 a §" -> ``kap19a-3a``; chapterless statutes use ``p3``.
"""

from __future__ import annotations

import re
from typing import Any

from ..model import Document, doc_id, slugify
from .base import SkipSource
from .build import Sections, clean
from .markdown_blocks import parse_blocks, scalar_text

_CHAPTER = re.compile(r"^(\d+)\s*([a-z])?\s*kap\b\.?", re.I)
# The paragraph label is the trailing "N [a] §"; anything before it is converter debris.
_PARAGRAPH = re.compile(r"^(.*?)(\d+)\s*([a-z])?\s*§\s*$", re.I)


def chapter_anchor(heading: str) -> str | None:
    match = _CHAPTER.match(heading.strip())
    return f"kap{match.group(1)}{(match.group(2) or '').lower()}" if match else None


def ingest_statute(
    rel: str, front: dict[str, Any], body: str, meta: dict, fallback_title: str
) -> list[Document]:
    """Build the statute document; a statute with metadata only is skipped ("metadata but no body")."""
    blocks = parse_blocks(body)
    title = clean(scalar_text(front.get("rubrik"))) or next(
        (b.text for b in blocks if b.kind == "heading" and b.level == 1), fallback_title
    )
    blocks = [b for b in blocks if not (b.kind == "heading" and b.level == 1)]
    if not any(b.kind != "heading" for b in blocks):
        raise SkipSource("metadata but no body")
    sections = Sections()
    sections.start([title], anchor="inledning")
    chapter: str | None = None  # anchor of the current chapter
    prefix = "p"  # paragraph anchor prefix in the current section
    for block in blocks:
        if block.kind == "heading" and block.level <= 2:
            chapter = chapter_anchor(block.text)
            section = sections.start([block.text], anchor=chapter or slugify(block.text))
            prefix = f"{chapter}-" if chapter else f"{section.anchor}-p"
        elif block.kind == "heading" and (para := _PARAGRAPH.match(block.text)):
            debris, number, letter = para.group(1).strip(), para.group(2), (para.group(3) or "").lower()
            label = f"{number} {letter} §" if letter else f"{number} §"
            sections.add_clean("para", label, anchor=sections.anchor(f"{prefix}{number}{letter}"))
            if debris:
                sections.add_clean("p", debris)
        elif block.kind == "heading":
            sections.add_clean("h", block.text)
        else:
            sections.add_clean(block.kind, block.text)  # type: ignore[arg-type]
    return [Document(id=doc_id(rel), title=title, source=rel, sections=sections.result(), meta=meta)]
