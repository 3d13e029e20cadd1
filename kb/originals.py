"""Original files published beside their document page, and links to a page of them.

A PDF, Word or OpenDocument source is copied into the site as ``dok/<doc_id>/original.pdf``
(``.docx``, ``.odt``), so a link to it works on an intranet without internet. A hit or a section
of a PDF links to the page it is on: ``…/dok/<doc_id>/original.pdf#page=12`` (the ``#page=``
fragment of RFC 8118, which browsers' PDF viewers follow).

Which page a hit is on: a section records its first page, and each block the page it starts on;
the index keeps them as "page marks" (``"12,13@1520,14@3010"``: page 12 from the start of the
section's text, 13 from character 1520 …), so the page at the best snippet's offset is known
without loading the document.
"""

from __future__ import annotations

import functools
from pathlib import PurePosixPath

from kb.model import Section
from kb.urls import document_path

ORIGINAL_SUFFIXES = (".pdf", ".docx", ".odt")
ORIGINAL_NAME = "original"


def original_file(doc_id: str, source: str) -> str | None:
    """Site-relative path of the published original (``dok/<id>/original.pdf``), or None."""
    suffix = source_suffix(source)
    if suffix not in ORIGINAL_SUFFIXES:
        return None
    return f"{document_path(doc_id)}{ORIGINAL_NAME}{suffix}"


@functools.lru_cache(maxsize=4096)
def source_suffix(source: str) -> str:
    """The lower-cased suffix of a source path (".pdf"), kept per source: every hit asks for its
    document's, and a path object costs more than the rest of the hit's link."""
    return PurePosixPath(source).suffix.lower()


def original_url(site_url: str, doc_id: str, source: str, page: int | None = None) -> str:
    """Absolute link to the original, at ``page`` for a PDF; "" when the source has no original."""
    path = original_file(doc_id, source)
    if path is None:
        return ""
    url = site_url.rstrip("/") + "/" + path
    return f"{url}#page={page}" if page and path.endswith(".pdf") else url


def page_marks(section: Section) -> str:
    """The section's pages as marks for the index: "" when unknown, else "first[,page@offset…]"."""
    if section.page is None:
        return ""
    marks = [str(section.page)]
    current, offset = section.page, 0
    for block in section.blocks:
        if not block.text:
            continue
        if block.page is not None and block.page != current:
            marks.append(f"{block.page}@{offset}")
            current = block.page
        offset += len(block.text) + 2  # Section.text joins blocks with a blank line
    return ",".join(marks)


def page_at(marks: str, offset: int) -> int | None:
    """The page the character at ``offset`` of the section text is on, from its marks."""
    if not marks:
        return None
    page = None
    for i, mark in enumerate(marks.split(",")):
        number, _, start = mark.partition("@")
        if i and int(start or 0) > offset:
            break
        page = int(number)
    return page
