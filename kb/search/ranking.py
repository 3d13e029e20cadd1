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
    numbers_only: frozenset[int] = frozenset()  # docnums that match none of the query's words, only its numbers


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
    doc_ids: list[str],
    scores: list[float],
    docnums: list[int],
    decay: float = 0.55,
    keep: int | None = None,
    numbers_only: frozenset[int] = frozenset(),
) -> list[RawHit]:
    """Re-rank the pool (parallel lists, best first) so each further section of the same document
    counts for less; hits for the best ``keep`` only.

    The n-th section of a document (0-based) keeps ``decay**n`` of its score: a document
    with one very strong section and many weak ones no longer fills the first page.
    Sections in ``numbers_only`` (they hold the query's year, none of its words) come after
    every other section, in their own order, their scores scaled below the others'.
    """
    seen: dict[str, int] = {}
    decayed = []
    for doc_id, score in zip(doc_ids, scores, strict=True):
        n = seen.get(doc_id, 0)
        seen[doc_id] = n + 1
        decayed.append(score * decay**n if n else score)
    if numbers_only:
        _below_the_rest(decayed, [d in numbers_only for d in docnums])
    order = sorted(range(len(decayed)), key=decayed.__getitem__, reverse=True)  # stable: ties keep pool order
    return [RawHit(doc_ids[i], decayed[i], docnums[i]) for i in order[:keep]]


def above(pinned: list[RawHit], next_score: float) -> list[RawHit]:
    """The pinned hits (best first) with scores that follow their order and stay above
    ``next_score``, the first hit after them: a cited section found by its citation alone has no
    score of its own, and ``score`` must still read as the order of one answer."""
    out: list[RawHit] = []
    floor = next_score
    for hit in reversed(pinned):
        floor = max(hit.score, floor * 1.01 + 0.01)
        out.append(RawHit(hit.doc_id, floor, hit.docnum))
    return out[::-1]


def _below_the_rest(scores: list[float], demoted: list[bool]) -> None:
    """Scale the demoted scores (in place) to below the lowest of the others, keeping their order."""
    others = [s for s, d in zip(scores, demoted, strict=True) if not d]
    top = max((s for s, d in zip(scores, demoted, strict=True) if d), default=0.0)
    if not others or top <= 0 or top < min(others):
        return
    scale = 0.5 * min(others) / top
    for i, d in enumerate(demoted):
        if d:
            scores[i] *= scale


_UNREAD = object()  # a lazily read attribute not read yet
