"""Ranking helpers: filters, the scored pool and diversification (one document cannot fill a page)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from whoosh.query import And, Query, Term


def filter_query(tags, publisher, type_) -> Query | None:
    clauses: list[Query] = [Term("tags", t) for t in tags if t]
    if publisher:
        clauses.append(Term("publisher", publisher))
    if type_:
        clauses.append(Term("type", type_))
    return And(clauses) if clauses else None


def elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


@dataclass
class Pool:
    """The best-scored sections of a query, best first, as parallel lists."""

    doc_ids: list[str]
    scores: list[float]
    docnums: list[int]


@dataclass
class RunMemo:
    """What the runs of one query's words share (a question run again with feedback words): the
    scorer's sub-query results and the sections' proximity factors."""

    queries: dict = field(default_factory=dict)
    proximity: dict[int, float] = field(default_factory=dict)


@dataclass
class RawHit:
    doc_id: str
    score: float
    docnum: int = -1


def diversify(
    doc_ids: list[str], scores: list[float], docnums: list[int], decay: float = 0.55, keep: int | None = None
) -> list[RawHit]:
    """Re-rank the pool (parallel lists, best first) so each further section of the same document
    counts for less; hits for the best ``keep`` only.

    The n-th section of a document (0-based) keeps ``decay**n`` of its score: a document
    with one very strong section and many weak ones no longer fills the first page.
    """
    seen: dict[str, int] = {}
    decayed = []
    for doc_id, score in zip(doc_ids, scores, strict=True):
        n = seen.get(doc_id, 0)
        seen[doc_id] = n + 1
        decayed.append(score * decay**n if n else score)
    order = sorted(range(len(decayed)), key=decayed.__getitem__, reverse=True)  # stable: ties keep pool order
    return [RawHit(doc_ids[i], decayed[i], docnums[i]) for i in order[:keep]]


_UNREAD = object()  # a lazily read attribute not read yet
