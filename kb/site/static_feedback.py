"""What the site's static search needs to expand a question by pseudo-relevance feedback.

``kb.search.feedback`` adds to a long question the words its best sections share, weighted by
how rare they are in the knowledge base and kept apart from the question's own words by their
lemmas. The browser has the texts of those sections already (proximity loads them) but neither
how rare a word is nor its lemmas; looking each word up in the term shards would load dozens of
shards. So each section gets one small file, ``f/<section>.json``, holding for each word it
could lend (``is_candidate``, counted in the bodies) the word's IDF, and its whole forms where
they are not just the word: ``{"avtalet": [2.31, "avtal", "avtalet"], "leverantör": 1.87}``.

``meta.json`` carries ``feedback_meta()``: the numbers of ``feedback_settings()`` and the pattern
that cuts a section into words, so ``kb-search.js`` applies the same rule (never copied by hand).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

from kb.search.feedback import SECTION_WORD_RE, feedback_settings, is_candidate, section_words
from kb.site.js_patterns import js_pattern

FEEDBACK_DIR = "f"
IDF_DECIMALS = 3  # ties between borrowed words are rare at this precision, and the files stay small


def feedback_meta() -> dict:
    """The ``feedback`` entry of meta.json."""
    return {**feedback_settings(), "word": js_pattern(SECTION_WORD_RE), "dir": FEEDBACK_DIR}


def body_frequencies(postings: dict[str, list]) -> dict[str, int]:
    """Term → how many sections hold it in their body, from the flat (section, field, weight)
    postings ``build_static_index`` gathers (the API's ``doc_frequency("body", term)``)."""
    return {
        term: sum(1 for i in range(1, len(flat), 3) if flat[i] == "body")
        for term, flat in postings.items()
        if not term.startswith("~")
    }


def feedback_files(
    bodies: list[str], body_df: dict[str, int], whole_forms: Callable[[str], list[str]]
) -> dict[str, str]:
    """Site-relative path → JSON of each section's feedback file (``bodies``: the sections' body
    texts in section order; ``whole_forms(word)``: the word and its lemmas, as the API's
    ``lemmas``)."""
    n = max(1, len(bodies))
    files = {}
    for si, body in enumerate(bodies):
        entry: dict[str, object] = {}
        for word in dict.fromkeys(section_words(body)):
            df = body_df.get(word, 0)
            if not df or not is_candidate(word):
                continue
            idf = round(math.log(1 + n / df), IDF_DECIMALS)
            forms = list(dict.fromkeys(whole_forms(word)))
            entry[word] = idf if forms == [word] else [idf, *forms]
        files[f"{FEEDBACK_DIR}/{si}.json"] = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    return files
