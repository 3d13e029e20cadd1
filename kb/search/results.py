"""What a search returns: hits (one section each, with its snippet) and the result page around them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from kb.engine import (
    HEADING_SEPARATOR,
)
from kb.search.citations import Notice
from kb.search.filters import UnknownFilterValue


class SearchError(Exception):
    """A query that cannot be run; the message is meant for the user."""


class IndexMissing(SearchError):
    pass


class SearchUnavailable(SearchError):
    """The engine's database cannot be reached; the same query may work shortly (the API: 503
    with ``Retry-After: retry_after``)."""

    def __init__(self, message: str, retry_after: int = 5):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class Hit:
    title: str
    section: str
    source: str
    url: str
    anchor: str
    snippet: str
    score: float
    publisher: str
    type: str
    date: str
    tags: list[str]
    doc_id: str
    original: str = ""  # the published original file (PDF, Word), at the hit's page for a PDF
    page: int | None = None  # the page of the original the snippet is on (PDFs)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchResult:
    query: str
    total: int
    took_ms: float
    suggestion: str | None
    hits: list[Hit]
    offset: int = 0
    limit: int = 10
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    fuzzy: bool = False
    timed_out: bool = False
    unknown_filter: UnknownFilterValue | None = None  # why there are no hits: a value no section has
    notice: Notice | None = None  # e.g. a cited law that is not in the knowledge base

    def to_json(self, facets: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "query": self.query,
            "total": self.total,
            "took_ms": round(self.took_ms, 2),
            "suggestion": self.suggestion,
            "hits": [h.to_json() for h in self.hits],
        }
        if self.notice:
            out["notice"] = self.notice.text
            out["notice_detail"] = self.notice.to_json()
        if facets:
            out["facets"] = self.facets
        return out


# ---------------------------------------------------------------- query parsing


def section_label(title: str, heading: str) -> str:
    """'Title › Section' for display, without repeating a title that is also the heading."""
    if not heading or heading == title:
        return title
    if heading.startswith(title + HEADING_SEPARATOR):
        heading = heading[len(title) + len(HEADING_SEPARATOR) :]
    return f"{title}{HEADING_SEPARATOR}{heading}"
