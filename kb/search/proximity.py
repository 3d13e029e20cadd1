"""Proximity: a section where the query's content words stand near each other answers better.

A question names its need in a few content words ("förkasta anbud orimligt lågt"); a section
that holds them within a sentence or two is about that need, one that mentions them pages
apart is not. Each pooled section gets the largest number of distinct query words found in any
window of ``WINDOW`` body positions (stop words do not count as positions), and its score grows
with the share of the query's words gathered there.
"""

from __future__ import annotations

from itertools import repeat

import numpy as np
from whoosh.query import Query, Term

WINDOW = 10  # body positions (content words): about a sentence
PROXIMITY_GAIN = 0.6  # a section with every word in one window scores up to 1.6 times more
MAX_TERMS_PER_WORD = 3
PROXIMITY_POOL = 40  # the best pooled sections whose word positions are read (reading them costs)


def body_terms(q: Query) -> list[str]:
    """The body-field terms of one word's query (its whole forms), in query order."""
    out: list[str] = []
    stack = [q]
    while stack:
        node = stack.pop()
        if type(node) is Term:
            if node.fieldname == "body" and node.text not in out:
                out.append(node.text)
        else:
            stack.extend(reversed(getattr(node, "subqueries", [])))
    return out[:MAX_TERMS_PER_WORD]


def best_window(positions: list[tuple[int, int]], window: int = WINDOW, present: int | None = None) -> int:
    """Most distinct words (``(position, word index)`` pairs) inside any span of ``window`` positions.

    No window holds more words than the section does (``present``, counted here when not
    given): a section with one word needs no scan, and the scan stops at the first window
    holding all of them (the pooled sections are the best ones, which often gather their
    words early), so most of a long section is not read.
    """
    if present is None:
        present = len({word for _, word in positions})
    if present < 2:
        return present
    positions.sort()
    best, start = 0, 0
    counts: dict[int, int] = {}
    for pos, word in positions:
        counts[word] = counts.get(word, 0) + 1
        while pos - positions[start][0] >= window:
            old = positions[start][1]
            counts[old] -= 1
            if not counts[old]:
                del counts[old]
            start += 1
        if len(counts) > best:
            best = len(counts)
            if best == present:
                break
    return best


def proximity_factors(
    scorer,
    word_queries: list[Query],
    docnums: np.ndarray,
    scores: np.ndarray | None = None,
    known: dict[int, float] | None = None,
) -> np.ndarray:
    """Per docnum (any order), 1 + PROXIMITY_GAIN × (words together − 1) / (words − 1).

    ``known``: factors computed before for the same words (a question's second, expanded run),
    reused and added to.
    """
    n = len(word_queries)
    factors = np.ones(len(docnums), np.float64)
    if n < 2 or not len(docnums):
        return factors
    if scores is not None and len(docnums) > PROXIMITY_POOL:
        # only the best sections can reach the first page through proximity; the rest keep 1
        best = np.argsort(-scores, kind="stable")[:PROXIMITY_POOL]
        factors[best] = proximity_factors(scorer, word_queries, docnums[best], known=known)
        return factors
    if known is not None:
        todo = np.array([d not in known for d in docnums.tolist()], bool)
        if todo.any():
            factors[todo] = proximity_factors(scorer, word_queries, docnums[todo])
            known.update(zip(docnums[todo].tolist(), factors[todo].tolist(), strict=True))
        factors[~todo] = [known[d] for d in docnums[~todo].tolist()]
        return factors
    order = np.argsort(docnums)
    sorted_docs = docnums[order]
    hits: list[list[tuple[int, int]]] = [[] for _ in sorted_docs]
    words: list[set[int]] = [set() for _ in sorted_docs]  # which words each section holds
    scorer.prefetch_positions("body", [text for q in word_queries for text in body_terms(q)])
    for word, q in enumerate(word_queries):
        for text in body_terms(q):
            ids = scorer.postings("body", text).ids
            holding = np.intersect1d(sorted_docs, ids, assume_unique=True)
            if not len(holding):
                continue
            where = np.searchsorted(sorted_docs, holding)
            for slot, positions in zip(where.tolist(), scorer.positions("body", text, holding), strict=True):
                if positions:
                    hits[slot].extend(zip(positions, repeat(word)))
                    words[slot].add(word)
    together = np.array([best_window(h, present=len(w)) for h, w in zip(hits, words, strict=True)], np.float64)
    gain = 1 + PROXIMITY_GAIN * np.maximum(together - 1, 0) / (n - 1)
    factors[order] = gain
    return factors
