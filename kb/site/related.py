""""Se även": a few related documents per page, from the index (``kb.search.similar``).

The same lists as ``kb.search.searcher.Searcher.more_like_this`` (one implementation, ``kb.search.similar``),
computed again on every site build, where the new index may have moved every score. The
analysed words of each document's text (its "vector") are kept between builds in
``build/site-related.json``, keyed by the text and the analysis code, so only changed documents
are analysed again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from pathlib import Path

from kb.config import Project
from kb.model import Document
from kb.search.similar import mlt_text
from kb.util.atomic_files import write_atomically
from kb.util.fingerprint import code_fingerprint

log = logging.getLogger(__name__)

RELATED = 5
VECTORS_NAME = "site-related.json"


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
        finder = _RelatedFinder(project, index_dir)
    except Exception as e:  # noqa: BLE001 - the site must build without an index too
        log.warning("no related documents: %s", e)
        return {}
    titles = {d.id: d.title for d in documents}
    out: dict[str, list[tuple[str, str]]] = {}
    failures = 0
    try:
        for i, doc in enumerate(documents):
            try:
                hits = finder.more_like_this(doc, limit + 3)
            except Exception as e:  # noqa: BLE001
                failures += 1
                if failures == 1 or failures == len(documents):
                    log.warning("no related documents for %s: %s", doc.id, e)
                if failures >= 3 and not out:
                    log.warning("the index gives no related documents; pages will omit 'Se även'")
                    return {}
                hits = []
            out[doc.id] = [(rid, titles[rid]) for rid in hits if rid in titles and rid != doc.id][:limit]
            if progress and (i % 50 == 0 or i + 1 == len(documents)):
                progress("site related", i + 1, len(documents))
    finally:
        finder.close()
    return out


class _RelatedFinder:
    def __init__(self, project: Project, index_dir: Path | None) -> None:
        from kb.engine import current_version_dir
        from kb.search.similar import SimilarDocuments

        version_dir = index_dir or current_version_dir(project.index_root)
        if version_dir is None:
            raise FileNotFoundError(f"no index in {project.index_root}")
        self.similar = SimilarDocuments.open(version_dir, preload=True)
        self.cache_path = project.build / VECTORS_NAME
        self.code = code_fingerprint()
        self.vectors, self.used = self._load(), {}

    def vector(self, text: str) -> tuple[dict[str, float], float]:
        """The text's analysed words (``SimilarDocuments.vector``), remembered between builds."""
        key = hashlib.sha256(text.encode()).hexdigest()[:32]
        got = self.vectors.get(key)
        if got is None:
            got = list(self.similar.vector(text))
        self.used[key] = got
        return got[0], got[1]

    def more_like_this(self, doc: Document, limit: int) -> list[str]:
        weights, total = self.vector(mlt_text(doc))
        return self.similar.like(weights, total, doc.id, limit)

    def _load(self) -> dict[str, list]:
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
            return data["vectors"] if data.get("key") == self.code else {}
        except (OSError, ValueError, KeyError, AttributeError):
            return {}

    def close(self) -> None:
        """Keep the vectors of this build's documents for the next one."""
        self.similar.close()
        if self.used.keys() != self.vectors.keys():
            data = json.dumps({"key": self.code, "vectors": self.used}, ensure_ascii=False)
            try:
                write_atomically(self.cache_path, data, parents=True)
            except OSError as e:
                log.warning("could not keep the related-documents cache: %s", e)
