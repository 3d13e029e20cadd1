""""Se även": a few related documents per page, from the index (Whoosh's more-like-this)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from kb.config import Project
from kb.model import Document

log = logging.getLogger(__name__)

RELATED = 5


def related_documents(
    project: Project,
    documents: list[Document],
    site_url: str,
    limit: int = RELATED,
    progress: Callable[[str, int, int], None] | None = None,
    index_dir: Path | None = None,
) -> dict[str, list[tuple[str, str]]]:
    """doc id → [(doc id, title)], empty when there is no index (the pages then omit "Se även")."""
    try:
        from kb.search import Searcher

        searcher = Searcher(project.index_root, site_url, version_dir=index_dir)
    except Exception as e:  # noqa: BLE001 - the site must build without an index too
        log.warning("no related documents: %s", e)
        return {}
    known = {d.id for d in documents}
    out: dict[str, list[tuple[str, str]]] = {}
    failures = 0
    for i, doc in enumerate(documents):
        try:
            hits = searcher.more_like_this(doc.id, limit + 3)
        except Exception as e:  # noqa: BLE001
            failures += 1
            if failures == 1 or failures == len(documents):
                log.warning("no related documents for %s: %s", doc.id, e)
            if failures >= 3 and not out:
                log.warning("the index gives no related documents; pages will omit 'Se även'")
                return {}
            hits = []
        hits = [(rid, title) for rid, title in hits if rid in known and rid != doc.id]
        out[doc.id] = hits[:limit]
        if progress and (i % 50 == 0 or i + 1 == len(documents)):
            progress("site related", i + 1, len(documents))
    return out
