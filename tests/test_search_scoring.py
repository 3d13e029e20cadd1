"""Array scoring (kb.engine.scoring) gives Whoosh's own scores; its term cache stays bounded; snippets find words."""

from __future__ import annotations

import re

import numpy as np
import pytest
from whoosh import fields, index
from whoosh.collectors import UnlimitedCollector
from whoosh.query import And, Or, Phrase, Prefix, Term
from whoosh.scoring import BM25F

from kb.engine.scoring import ArrayScorer, Postings, TermCache
from kb.search.snippets import find_matches, make_snippet

B, K1 = 0.75, 1.2
TEXTS = [
    "återbruk av möbler i offentlig upphandling",
    "lag om offentlig upphandling och upphandling av möbler",
    "möbler möbler möbler",
    "cirkulär ekonomi och återbruk",
    "offentlig upphandling",
    "ekonomi cirkulär",  # the words, not the phrase
    "upphandling av möbler, återbruk och cirkulär ekonomi i offentlig sektor",
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    """Three segments (no merging), one deleted document: the cases the array path must honour."""
    folder = tmp_path_factory.mktemp("ix")
    schema = fields.Schema(
        key=fields.ID(stored=True, unique=True), body=fields.TEXT(phrase=True), title=fields.TEXT(phrase=True)
    )
    ix = index.create_in(str(folder), schema)
    for start in range(0, len(TEXTS), 3):
        writer = ix.writer()
        for n, text in enumerate(TEXTS[start : start + 3], start=start):
            writer.add_document(key=str(n), body=text, title=text.split()[0])
        writer.commit(merge=False)
    writer = ix.writer()
    writer.delete_by_term("key", "2")
    writer.commit(merge=False)
    s = ix.searcher(weighting=BM25F(B=B, K1=K1))
    assert len(s.leaf_searchers()) > 1 and s.reader().has_deletions()
    yield s
    s.close()


def whoosh_scores(s, q) -> dict[int, float]:
    collector = UnlimitedCollector()
    s.search_with_collector(q, collector)
    return {hit.docnum: hit.score for hit in collector.results()}


QUERIES = {
    "term": Term("body", "möbler"),
    "boosted term": Term("body", "möbler", boost=2.5),
    "missing term": Term("body", "saknas"),
    "or with boosts": Or([Term("body", "möbler", boost=1.5), Term("title", "upphandling", boost=2.0)], boost=0.7),
    "and": And([Term("body", "offentlig"), Or([Term("body", "möbler"), Term("body", "ekonomi")])]),
    "one-child or drops its boost": Or([Term("body", "återbruk")], boost=3.0),
    "empty or": Or([]),
    "phrase": Phrase("body", ["offentlig", "upphandling"], boost=1.3),
    "phrase needs order": Phrase("body", ["cirkulär", "ekonomi"]),
    "prefix": Prefix("body", "upph"),
    "nested": Or([
        Or([Term("body", "möbler"), Phrase("body", ["cirkulär", "ekonomi"])], boost=0.8),
        And([Term("body", "återbruk"), Term("body", "cirkulär")], boost=1.2),
    ]),
}


@pytest.mark.parametrize("name", list(QUERIES))
def test_array_scores_equal_whoosh_scores(searcher, name):
    q = QUERIES[name]
    expected = whoosh_scores(searcher, q)
    scorer = ArrayScorer(searcher, B, K1)
    scorer.start(10.0)
    result = scorer.evaluate(q)
    live = np.array([not searcher.reader().is_deleted(d) for d in range(searcher.doc_count_all())])
    got = {int(d): float(result.scores[d]) for d in np.flatnonzero(result.mask & live)}
    assert got.keys() == expected.keys()
    for docnum, score in expected.items():
        assert got[docnum] == pytest.approx(score, rel=1e-12)


def test_matches_agree_with_evaluate(searcher):
    q = QUERIES["nested"]
    scorer = ArrayScorer(searcher, B, K1)
    memo: dict = {}
    mask = scorer.evaluate(q, memo).mask
    docnums = np.arange(searcher.doc_count_all())
    assert (scorer.matches(q, docnums, memo) == mask).all()


def test_phrase_is_cached_and_repeats_the_same_answer(searcher):
    cache = TermCache()
    scorer = ArrayScorer(searcher, B, K1, cache)
    q = Phrase("body", ["offentlig", "upphandling"])
    first = scorer.evaluate(q)
    assert ("phrase:body", "offentlig\tupphandling") in cache._items
    again = ArrayScorer(searcher, B, K1, cache).evaluate(q)
    assert (first.scores == again.scores).all() and (first.mask == again.mask).all()


def whoosh_positions(searcher, fieldname: str, btext: bytes) -> dict[int, list[int]]:
    """Every live docnum's positions of a term, read posting by posting by Whoosh's own matchers."""
    out: dict[int, list[int]] = {}
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if (fieldname, btext) not in reader:
            continue
        m = reader.postings(fieldname, btext)
        while m.is_active():
            out[m.id() + offset] = m.value_as("positions")
            m.next()
    return out


def assert_positions_equal_whoosh(searcher, scorer, fieldname: str, terms) -> int:
    """All of each term's documents at once, then every other one (a pool), equal Whoosh's positions."""
    checked = 0
    for btext in terms:
        text = btext.decode("utf-8")
        expected = whoosh_positions(searcher, fieldname, btext)
        docnums = np.array(sorted(expected), np.int64)
        assert docnums.tolist() == scorer.postings(fieldname, text).ids.tolist()
        assert scorer.positions(fieldname, text, docnums) == [expected[d] for d in docnums.tolist()]
        pool = docnums[1::2]
        assert scorer.positions(fieldname, text, pool) == [expected[d] for d in pool.tolist()]
        checked += len(docnums)
    return checked


def test_positions_equal_whoosh_matcher_positions_for_every_term(searcher):
    """Segments with and without deletions: the deleted document's positions are never returned."""
    scorer = ArrayScorer(searcher, B, K1, TermCache())
    terms = list(searcher.reader().lexicon("body"))
    assert assert_positions_equal_whoosh(searcher, scorer, "body", terms) > len(terms)
    deleted = {d for d in range(searcher.doc_count_all()) if searcher.reader().is_deleted(d)}
    assert deleted and not deleted & set(scorer.postings("body", "möbler").ids.tolist())


def test_positions_equal_whoosh_with_a_cache_too_small_to_keep_them(searcher):
    scorer = ArrayScorer(searcher, B, K1, TermCache(max_bytes=64))
    assert assert_positions_equal_whoosh(searcher, scorer, "body", [b"upphandling", b"m\xc3\xb6bler"]) > 0


def test_positions_equal_whoosh_on_the_default_knowledge_base(default_kb):
    """Terms of many postings blocks and of one posting, over the built index."""
    from kb.engine import current_version_dir, open_scored

    searcher, scorer = open_scored(current_version_dir(default_kb.index_root))
    try:
        reader = searcher.reader()
        by_frequency = sorted(reader.lexicon("body"), key=lambda t: -reader.doc_frequency("body", t))
        sample = by_frequency[:40] + by_frequency[-40:] + by_frequency[:: max(1, len(by_frequency) // 80)]
        assert reader.doc_frequency("body", by_frequency[0]) > 128  # more than one block
        assert assert_positions_equal_whoosh(searcher, scorer, "body", sample) > 1000
    finally:
        searcher.close()


def postings(n: int) -> Postings:
    return Postings(np.arange(n, dtype=np.int64), np.ones(n, np.float64))


def test_term_cache_is_bounded_in_bytes_and_evicts_least_recently_used():
    cache = TermCache(max_bytes=720)  # four items of 10 postings (160 bytes each)
    for key in "abcd":
        cache.put(("body", key), postings(10))
    assert cache.get(("body", "a")) is not None  # now "b" is the least recently used
    cache.put(("body", "e"), postings(10))
    assert cache.bytes <= cache.max_bytes
    assert cache.get(("body", "b")) is None
    assert all(cache.get(("body", key)) is not None for key in "acde")
    cache.put(("body", "huge"), postings(100))  # more than a quarter of the budget: not kept
    assert cache.get(("body", "huge")) is None
    cache.clear()
    assert len(cache) == 0 and cache.bytes == 0


def test_clearing_caches_does_not_change_results(default_searcher):
    before = default_searcher.search("återbruk möbler", facets=True)
    default_searcher.clear_caches()
    after = default_searcher.search("återbruk möbler", facets=True)
    assert [h.to_json() for h in before.hits] == [h.to_json() for h in after.hits]
    assert before.total == after.total and before.facets == after.facets


def marked(text: str, terms: set[str]) -> list[str]:
    return [text[s:e] for s, e in find_matches(text, terms)]


def test_snippet_words_match_through_case_folding_and_compounds():
    text = "ÅTERBRUK av möbler: kontorsmöbler och 2016:1145-återbruk\nMöbeln står kvar"
    assert marked(text, {"aterbruk", "mobel", "mobler"}) == [
        "ÅTERBRUK", "möbler", "kontorsmöbler", "2016:1145-återbruk", "Möbeln",
    ]


def test_snippet_words_are_whole_words_even_with_letters_outside_latin1():
    # "Łmöbler" is one word (not "möbler"); "–" and quotes separate words.
    assert marked("Łmöbler – “möbler”", {"mobler"}) == ["möbler"]


def test_snippet_prefix_terms_and_html_escaping():
    assert marked("möblering <möbler>", {"mob*"}) == ["möblering", "möbler"]
    assert make_snippet("<b>möbler</b>", {"mobler"}) == "&lt;b&gt;<mark>möbler</mark>&lt;/b&gt;"


def test_snippet_stops_after_enough_matches_at_the_end_of_a_paragraph():
    text = " ".join(["möbler"] * 70) + "\n" + "möbler"
    assert len(find_matches(text, {"mobler"})) == 70


def test_snippet_word_verdicts_are_shared_across_texts_and_bounded(monkeypatch):
    from kb.search.snippets import MatchPlan, match_plan

    terms = frozenset({"kontor", "mobel"})
    plan = match_plan(terms)
    plan.matches.clear()
    assert marked("Kontorsmöbler och stolar", terms) == ["Kontorsmöbler"]
    assert plan.matches == {"Kontorsmöbler": True}  # only words holding a term's first letters
    plan.matches["Kontorsmöbler"] = False  # the next text takes the kept verdict, not a new analysis
    assert marked("Kontorsmöbler och kontorsmöbler", terms) == ["kontorsmöbler"]
    monkeypatch.setattr(MatchPlan, "MAX_WORDS", 2)
    plan.matches.clear()
    assert marked("kontorsmöbler kontor möbler mobler", terms) == ["kontorsmöbler", "kontor", "möbler", "mobler"]
    assert len(plan.matches) <= 2


def test_snippets_mark_one_word_synonyms_but_not_the_words_of_synonym_phrases(default_searcher):
    hits = default_searcher.search("återbruk möbler", limit=20).hits
    marked_words = {m.lower() for h in hits for m in re.findall(r"<mark>([^<]*)</mark>", h.snippet)}
    assert "återanvändning" in marked_words  # återbruk = återanvändning
    assert all("<mark>" in h.snippet for h in hits[:10])  # each hit of the first page shows why it is there
    lou = default_searcher.search("LOU", limit=10).hits
    lou_marked = {m.lower() for h in lou for m in re.findall(r"<mark>([^<]*)</mark>", h.snippet)}
    assert not lou_marked & {"lag", "lagen", "offentlig", "upphandling"}  # LOU = lag om offentlig upphandling
