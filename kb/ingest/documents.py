"""PDF, Word and OpenDocument files: checked, read in a sandbox, turned into a Document.

Office files are ZIP archives: before a parser sees one, its table of contents is checked so that
a ZIP bomb (a few kB that inflate to gigabytes) or a macro-enabled document renamed ``.docx`` is
skipped with its reason instead of being unpacked.
"""

from __future__ import annotations

import io
import zipfile

from ..model import Document
from .base import SkipSource

MAX_UNPACKED_MB = 200  # all members together, inflated
MAX_RATIO = 200  # inflated / compressed size of any member above 1 MB (text XML compresses ~10-30x)


def ingest_document(rel: str, suffix: str, data: bytes, raw_meta: dict, fallback_title: str) -> list[Document]:
    """One Document from a .pdf, .docx or .odt (the signature was checked by the caller)."""
    from .sandbox import run_sandboxed

    if suffix == ".pdf":
        from .pdf import ingest_pdf

        return [ingest_pdf(rel, data, raw_meta, fallback_title)]
    from .office import office_document, read_docx, read_odt

    check_archive(data)
    content = run_sandboxed(read_docx if suffix == ".docx" else read_odt, data)
    return [office_document(rel, content, raw_meta, fallback_title)]


def check_archive(data: bytes) -> None:
    """Raise ``SkipSource`` for a damaged archive, a ZIP bomb, or a document carrying macros."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise SkipSource(f"damaged document: not a readable ZIP archive ({exc})") from exc
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1024 * 1024 and ratio > MAX_RATIO:
            raise SkipSource(f"ZIP bomb? {member.filename} inflates {ratio:.0f} times (limit {MAX_RATIO})")
        name = member.filename.lower()
        if name.endswith("vbaproject.bin") or name.startswith("basic/") and name.endswith(".xml"):
            raise SkipSource("document with macros (a .docm renamed?): save it without macros as .docx or .odt")
    if total > MAX_UNPACKED_MB * 1024 * 1024:
        raise SkipSource(f"ZIP bomb? it inflates to {total / 1024 / 1024:.0f} MB (limit {MAX_UNPACKED_MB} MB)")
