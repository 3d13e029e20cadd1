"""The original files (PDF, Word, OpenDocument) published in the site beside their document page.

``dok/<doc_id>/original.pdf`` is what hits and section links point at (``#page=12``), so an
intranet without internet still opens the original. The bytes are read from ``sources/`` at each
site build; a source that has gone since it was indexed is left out (and logged), never fatal.
"""

from __future__ import annotations

import logging
from pathlib import Path

from kb.model import Document
from kb.originals import original_file

log = logging.getLogger(__name__)


def original_files(sources: Path, documents: list[Document]) -> dict[str, bytes]:
    """Site-relative path -> bytes of every document's original file."""
    files: dict[str, bytes] = {}
    for doc in documents:
        rel = original_file(doc.id, doc.source)
        if rel is None or rel in files:
            continue
        try:
            files[rel] = (sources / doc.source).read_bytes()
        except OSError as exc:
            log.warning("site: original of %s not published: %s", doc.source, exc)
    return files
