"""Ingestion: source files (text, Markdown, HTML) -> normalized ``Document`` objects.

``discover`` finds files and their metadata; ``ingest`` parses one file. Both report problems
as data (skips with reasons) rather than exceptions, so a build can list what it left out.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from ..model import Document, content_hash
from .base import SkipSource, SourceFile
from .decode import decode
from .discover import SUFFIXES, discover
from .html import ingest_html
from .markdown import ingest_markdown
from .text import ingest_text

__all__ = ["SkipSource", "SourceFile", "discover", "ingest", "SUFFIXES"]


def ingest(source: SourceFile) -> list[Document]:
    """Parse one file into one or more Documents, or raise ``SkipSource`` with a one-line reason.

    ``content_hash`` covers the file bytes and its metadata, so a manifest edit also counts as
    a change for incremental rebuilds.
    """
    try:
        data = Path(source.path).read_bytes()
    except OSError as exc:
        raise SkipSource(f"unreadable: {exc.strerror or exc}") from exc
    suffix = PurePosixPath(source.rel).suffix.lower()
    text = decode(data, suffix)
    fallback = str(source.meta.get("title") or PurePosixPath(source.rel).stem)
    if suffix in (".md", ".markdown"):
        docs = ingest_markdown(source.rel, text, source.meta, fallback)
    elif suffix in (".html", ".htm"):
        docs = ingest_html(source.rel, text, source.meta, fallback)
    else:
        docs = ingest_text(source.rel, text, source.meta, fallback)
    if not any(s.blocks for d in docs for s in d.sections):
        raise SkipSource("no text content")
    digest = content_hash(data + json.dumps(source.meta, sort_keys=True, default=str).encode())
    for doc in docs:
        doc.content_hash = digest
    return docs
