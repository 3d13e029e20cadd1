"""Ingestion: source files (text, Markdown, HTML, PDF, Word, OpenDocument) -> ``Document`` objects.

``discover`` finds files and their metadata; ``ingest`` parses one file. Both report problems
as data (skips with reasons) rather than exceptions, so a build can list what it left out.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path, PurePosixPath

from ..model import Document, content_hash
from .base import SkipSource, SourceFile
from .discover import SUFFIXES, accepted_formats, discover, nonblocking, supported, unsupported_reason
from .limits import max_source_bytes, too_large

__all__ = [
    "SkipSource", "SourceFile", "accepted_formats", "discover", "ingest", "SUFFIXES", "supported", "unsupported_reason",
]


def ingest(source: SourceFile) -> list[Document]:
    """Parse one file into one or more Documents, or raise ``SkipSource`` with a one-line reason.

    ``content_hash`` covers the file bytes and its metadata, so a manifest edit also counts as
    a change for incremental rebuilds.
    """
    from .decode import decode  # each parser is imported when a file needs it (BeautifulSoup: 0.4 s)
    from .formats import DOCUMENT_SUFFIXES, check_signature

    if not supported(source.rel):  # `kb ingest` calls this too: both accept exactly SUFFIXES
        raise SkipSource(unsupported_reason(source.rel))
    data = read_source(Path(source.path))
    suffix = PurePosixPath(source.rel).suffix.lower()
    check_signature(data, suffix)
    fallback = str(source.meta.get("title") or PurePosixPath(source.rel).stem)
    if suffix in DOCUMENT_SUFFIXES:
        from .documents import ingest_document

        docs = ingest_document(source.rel, suffix, data, source.meta, fallback)
    elif suffix in (".md", ".markdown"):
        text = decode(data, suffix)
        from .markdown import ingest_markdown

        docs = ingest_markdown(source.rel, text, source.meta, fallback)
    elif suffix in (".html", ".htm"):
        from .html import ingest_html

        docs = ingest_html(source.rel, decode(data, suffix), source.meta, fallback)
    else:
        from .text import ingest_text

        docs = ingest_text(source.rel, decode(data, suffix), source.meta, fallback)
    if not any(s.blocks for d in docs for s in d.sections):
        raise SkipSource("no text content")
    digest = source_hash(data, source.meta)
    path_date = date_from_path(source.rel)
    # Tags a maintainer set (front matter, sidecar, manifest) hold for every document of the file;
    # several documents of one file may share one meta dict, so read them all before popping.
    given = next((d.meta["tags"] for d in docs if d.meta.get("tags")), [])
    for doc in docs:
        doc.content_hash = digest
        doc.meta.pop("tags", None)
        doc.tags.extend(tag for tag in given if tag not in doc.tags)
        if path_date and not doc.meta.get("date"):
            doc.meta["date"] = path_date
    return docs


def source_hash(data: bytes, meta: dict) -> str:
    """The documents' ``content_hash``: the file's bytes and its metadata."""
    return content_hash(data + json.dumps(meta, sort_keys=True, default=str).encode())


_PATH_DATE = re.compile(r"(?:^|/)((?:19|20)\d\d)/(0[1-9]|1[0-2])/")


def date_from_path(rel: str) -> str | None:
    """'regeringen/artiklar/2014/12/x.md' -> '2014-12': archives file texts by year and month.

    Used only when neither the manifest nor the text gives a date, so the site can still
    order and show them.
    """
    m = _PATH_DATE.search(rel)
    return f"{m.group(1)}-{m.group(2)}" if m else None


def read_source(path: Path) -> bytes:
    """The file's bytes, never more than the size limit; only regular files (no FIFO, no device)."""
    limit = max_source_bytes()
    try:
        handle = open(path, "rb", opener=nonblocking)
    except OSError as exc:
        raise SkipSource(f"unreadable: {exc.strerror or exc}") from exc
    with handle:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise SkipSource("not a regular file")
        if st.st_size > limit:
            raise SkipSource(too_large(st.st_size))
        try:
            data = handle.read(limit + 1)
        except OSError as exc:
            raise SkipSource(f"unreadable: {exc.strerror or exc}") from exc
    if len(data) > limit:  # the file grew after fstat
        raise SkipSource(too_large(len(data)))
    return data
