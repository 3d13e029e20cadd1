"""Pseudo-relevance feedback: a long question borrows the words of the sections it finds first.

Officers describe a need in their own words ("jobb", "innovationsupphandling"); the texts that
answer it use the law's ("arbetsvillkor", "innovationspartnerskap"). When a question has enough
content words to find a few right sections on its own, the words those sections share are added
to it at a low weight, so the sections that use the texts' vocabulary but not the question's
are found too. Short queries are left alone: two words find too little to learn from.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from itertools import chain

from whoosh.query import Or, Query, Term

from kb.analysis.question_words import is_filler
from kb.analysis.stop import STOP_WORDS

MIN_CONTENT_WORDS = 3  # questions with fewer content words are not expanded
FEEDBACK_SECTIONS = 5  # the best-scored sections the new words come from
FEEDBACK_TERMS = 10  # words added
MIN_SHARED = 2  # a word must stand in this many of those sections (one section's quirk is noise)
FEEDBACK_WEIGHT = 2.0  # the strongest added word's weight against a query word's 1; the others by their share
MIN_LENGTH = 4
MAX_CHARS = 20_000  # read of each section, about 3,000 words: the longest statute chapters are far longer
# Body only: the added words are evidence from the texts' prose; at the title and heading boosts
# a generic one ("kontrakt" of "Fullgörande av kontrakt") outweighed the question's own words.
FIELDS = {"body": 1.0}


def feedback_settings() -> dict[str, float]:
    """The numbers above by name, for the site's static search to expand questions the same way."""
    return {
        "min_content_words": MIN_CONTENT_WORDS,
        "sections": FEEDBACK_SECTIONS,
        "terms": FEEDBACK_TERMS,
        "min_shared": MIN_SHARED,
        "weight": FEEDBACK_WEIGHT,
        "min_length": MIN_LENGTH,
        "max_chars": MAX_CHARS,
    }


def feedback_terms(
    bodies: list[list[str]], doc_frequency, doc_count: int, exclude: set[str], forms=None
) -> list[tuple[str, float]]:
    """(word, weight in 0..1) of the words most typical of the feedback sections, best first.

    ``bodies``: each section's words (``section_words``); a word scores by its share of each section it
    stands in, times its IDF, summed over the sections: frequent in these and rare elsewhere.
    ``exclude``: the question's own words and their lemmas; ``forms(word)``: a word's lemmas, so an
    inflection of a question word ("avtalet" of "avtal") or of a word taken already is not added again.
    """
    counts = [(Counter(words), len(words)) for words in bodies if words]
    scored = []
    for word in feedback_candidates(bodies, exclude):
        df = doc_frequency(word)
        if not df:
            continue
        share = sum(count[word] / length for count, length in counts)
        scored.append((share * math.log(1 + doc_count / df), word))
    scored.sort(reverse=True)
    best = []
    taken = set(exclude)
    for score, word in scored:
        lemmas = set(forms(word)) if forms else {word}
        if lemmas & taken:
            continue
        taken |= lemmas
        best.append((score, word))
        if len(best) == FEEDBACK_TERMS:
            break
    if not best:
        return []
    top = best[0][0]
    return [(word, score / top) for score, word in best]


def feedback_candidates(bodies: list[list[str]], exclude: set[str]) -> list[str]:
    """The words ``feedback_terms`` weighs (and asks the document frequency of), in the order it does."""
    holders = Counter(chain.from_iterable(map(dict.fromkeys, bodies)))  # each word once per section
    return [w for w, n in holders.items() if n >= MIN_SHARED and w not in exclude and is_candidate(w)]


def feedback_query(terms: list[tuple[str, float]], weight: float | None = None) -> Query | None:
    """The added words as one clause over the section fields, each weighted by its share of the strongest."""
    weight = FEEDBACK_WEIGHT if weight is None else weight
    clauses = [Term(f, word, boost=boost * weight * w) for word, w in terms for f, boost in FIELDS.items()]
    return Or(clauses) if clauses else None


SECTION_WORD_RE = re.compile(r"[^\W\d_]+")  # also the site's static search (kb.site.static_feedback)


def section_words(body: str) -> list[str]:
    """A section's words as the index holds them, lower-cased: the surface forms only (no lemmas or
    compound parts), which is all feedback needs and cheap enough to run on every long question."""
    return SECTION_WORD_RE.findall(body[:MAX_CHARS].lower())


def is_candidate(word: str) -> bool:
    """A word feedback may borrow: long enough, neither a stop word nor a question filler."""
    return len(word) >= MIN_LENGTH and word not in STOP_WORDS and not is_filler(word)
