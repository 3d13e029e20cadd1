"""The knowledge base's contents as a maintainer checks them: every document with its metadata,
and every file under ``sources/`` that is not indexed, with the reason (``kb sources``).

It reads ``sources/`` as a build would (``discover`` and ``ingest``, the same rules), so it shows
what the next ``kb build`` indexes, also before the first build; it writes nothing. Files the last
build parsed and that have not changed since come from its cache (parsing every PDF is slow).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model import Document
from . import SkipSource, SourceFile, discover, ingest

# Metadata keys shown as table columns; the JSON carries every key.
SHOWN_KEYS = ("type", "publisher", "date")


@dataclass
class DocumentEntry:
    id: str
    source: str
    title: str
    sections: int
    tags: list[str]
    meta: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "title": self.title,
            "sections": self.sections,
            "tags": self.tags,
            "meta": self.meta,
        }


@dataclass
class Catalog:
    documents: list[DocumentEntry] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path under sources/, reason)

    def skipped_by_reason(self) -> list[tuple[str, int]]:
        """(reason, count), most common first; "unsupported format .rtf; supported: …" is one reason."""
        return Counter(reason for _, reason in self.skipped).most_common()

    def to_json(self) -> dict[str, Any]:
        return {
            "documents": [d.to_json() for d in self.documents],
            "skipped": [{"path": rel, "reason": reason} for rel, reason in self.skipped],
            "skipped_by_reason": dict(self.skipped_by_reason()),
        }


def catalog(sources: Path, cached: Callable[[SourceFile], list[Document] | None] | None = None) -> Catalog:
    """Every document the sources give (in source order) and every file skipped, with why.

    ``cached`` may give a file's documents from the last build (``kb.indexing.build.cached_documents``,
    which checks they still hold); any other file is parsed here."""
    files, skips = discover(sources)
    result = Catalog(skipped=list(skips))
    for source in files:
        try:
            docs = (cached(source) if cached else None) or ingest(source)
        except SkipSource as e:
            result.skipped.append((source.rel, e.reason))
            continue
        except Exception as e:  # noqa: BLE001 - as the build: one bad file is a skip, not a crash
            result.skipped.append((source.rel, f"could not be parsed ({type(e).__name__})"))
            continue
        for doc in docs:
            entry = DocumentEntry(doc.id, doc.source, doc.title, len(doc.sections), list(doc.tags), dict(doc.meta))
            result.documents.append(entry)
    result.skipped.sort()
    return result
