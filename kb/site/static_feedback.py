"""What the site's static search needs to expand a question by pseudo-relevance feedback.

``kb.search.feedback`` adds to a long question the words its best sections share, weighted by
how rare they are in the knowledge base and kept apart from the question's own words by their
lemmas. The browser has the texts of those sections already (proximity loads them) but neither
how rare a word is nor its lemmas; looking each word up in the term shards would load dozens of
shards. So each section gets one small file, ``f/<section>.json``, holding for each word it
could lend (``is_candidate``, counted in the bodies) the word's IDF, and its lemmas where it
has others than itself: ``{"avtalet": [2.31, "avtal"], "leverantör": 1.87}``.
The API adds the borrowed words in the body field only, where the static index's postings add
up all fields (a generic word of a heading outweighed the question's own words), so
``f/p<shard>.json`` holds the body-only postings of every word a section could lend, sharded as
the term postings (``fnv1a(word) % shards``).

``meta.json`` carries ``feedback_meta()``: the numbers of ``feedback_settings()`` and the pattern
that cuts a section into words, so ``kb-search.js`` applies the same rule (never copied by hand).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

from kb.engine import BM25_K1
from kb.search.feedback import SECTION_WORD_RE, feedback_settings, is_candidate, section_words
from kb.site.js_patterns import js_pattern

FEEDBACK_DIR = "f"
IDF_DECIMALS = 3  # ties between borrowed words are rare at this precision, and the files stay small
SCORE_SCALE = 100  # as kb.site.static_index's: scores are integers, meta.scale per point
# The borrowed words' weight against a question word, as the API's (``FEEDBACK_WEIGHT``), times
# this: the static index saturates a word's fields together (boosts inside BM25) where the API
# adds each field's score times its boost, and the API adds its And clause again for a section
# holding every word, so a question word weighs less here against a body-only word. Without
# it the same weight put generic borrowed words ("katalog", "auktionen") above the answers;
# docs/site.md gives the figures across scales.
WEIGHT_SCALE = 0.25


def feedback_meta() -> dict:
    """The ``feedback`` entry of meta.json."""
    return {**feedback_settings(), "word": js_pattern(SECTION_WORD_RE), "dir": FEEDBACK_DIR, "scale": SCORE_SCALE,
            "weightScale": WEIGHT_SCALE}


def feedback_files(
    bodies: list[str],
    postings: dict[str, list],
    body_norms: dict[int, float],
    whole_forms: Callable[[str], list[str]],
    shard_of: Callable[[str], int],
) -> dict[str, str]:
    """Site-relative path → JSON of each section's feedback file and of the body postings shards.

    ``bodies``: the sections' body texts in section order; ``postings``: term → flat (section,
    field, weighted tf) triples as ``build_static_index`` gathers them; ``body_norms``: section →
    the body's BM25 length normalisation; ``whole_forms(word)``: the word and its lemmas, as the
    API's ``lemmas``; ``shard_of(word)``: the shard of a word's body postings.
    """
    n = max(1, len(bodies))
    body_df = {
        term: sum(1 for i in range(1, len(flat), 3) if flat[i] == "body")
        for term, flat in postings.items()
        if not term.startswith("~")
    }
    files: dict[str, str] = {}
    lendable: dict[str, object] = {}  # word → its entry (IDF, lemmas), None when it cannot be lent
    for si, body in enumerate(bodies):
        entry: dict[str, object] = {}
        for word in dict.fromkeys(section_words(body)):
            if word not in lendable:
                lendable[word] = _entry(word, body_df.get(word, 0), n, whole_forms)
            if lendable[word] is not None:
                entry[word] = lendable[word]
        files[f"{FEEDBACK_DIR}/{si}.json"] = _dump(entry)
    shards: dict[int, dict[str, list[int]]] = {}
    for word in sorted(w for w, e in lendable.items() if e is not None):
        encoded = _body_postings(postings[word], body_df[word], n, body_norms)
        if encoded:
            shards.setdefault(shard_of(word), {})[word] = encoded
    for shard, words in shards.items():
        files[f"{FEEDBACK_DIR}/p{shard}.json"] = _dump(words)
    return files


def _entry(word: str, df: int, n: int, whole_forms: Callable[[str], list[str]]) -> object:
    """A word's entry in a section's feedback file: its IDF, or [IDF, lemmas …] when it has lemmas
    other than itself; None for a word feedback may not borrow."""
    if not df or not is_candidate(word):
        return None
    idf = round(math.log(1 + n / df), IDF_DECIMALS)
    lemmas = [f for f in dict.fromkeys(whole_forms(word)) if f != word]  # the word is a form of itself
    return [idf, *lemmas] if lemmas else idf


def _body_postings(flat: list, df: int, n: int, body_norms: dict[int, float]) -> list[int]:
    """[section deltas…, scores…] of a word in the body field alone, BM25 as ``build_static_index``
    scores the fields together (its ``SCORE_SCALE``): the API adds the borrowed words in the body only."""
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    ids, scores, last = [], [], 0
    for i in range(0, len(flat), 3):
        si, field, tf = flat[i], flat[i + 1], flat[i + 2]
        if field != "body":
            continue
        tfw = tf / body_norms[si]
        score = round(idf * tfw * (BM25_K1 + 1) / (tfw + BM25_K1) * SCORE_SCALE)
        if score > 0:
            ids.append(si - last)
            last = si
            scores.append(score)
    return ids + scores


def _dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
