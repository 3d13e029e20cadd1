"""Questions as officers type them: fillers, citations, proximity, and the judged question set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kb.analysis.question_words import QUESTION_FILLERS, is_filler
from kb.search.citations import find_citation, without_spans
from kb.search.evaluate import evaluate_project
from kb.search.feedback import feedback_settings, feedback_terms, section_words
from kb.search.proximity import best_window, proximity_factors
from kb.search.query import mark_roles, parse_query, query_years

QUESTIONS_JSON = Path(__file__).resolve().parent / "data" / "questions-dev.json"


def test_question_words_modal_and_generic_verbs_are_fillers():
    for word in ("hur", "Vad", "får", "far", "måste", "maste", "ställa", "gör", "egentligen"):
        assert is_filler(word), word
    for word in ("krav", "möbler", "anbud", "direktupphandla", "laga", "ar"):
        assert not is_filler(word), word  # "ar" is also "år" typed without the ring
    assert "kräva" not in QUESTION_FILLERS


def test_ar_is_a_filler_in_a_question_typed_without_swedish_letters():
    """ "vad ar en EPD": "är" typed without the dots; searched, it pulls in every "50 år"."""
    folded = mark_roles(parse_query("vad ar en EPD och nar ska jag krava det"))
    assert [p.text for p in folded if p.role == "content"] == ["en", "EPD", "och", "krava"]
    beside = mark_roles(parse_query("vad ar kräva"))  # with å/ä/ö typed, "ar" is a word of its own
    assert [p.text for p in beside if p.role == "content"] == ["ar", "kräva"]
    assert mark_roles(parse_query("ar 2020"))[0].role == "content"  # not a question


def test_fillers_are_marked_only_beside_content_words():
    parts = mark_roles(parse_query("hur ställer man klimatkrav på möbler"))
    assert [p.text for p in parts if p.role == "content"] == ["klimatkrav", "på", "möbler"]
    only = mark_roles(parse_query("hur får man"))
    assert all(p.role == "content" for p in only)


def test_numbers_and_years_are_marked_beside_words():
    parts = mark_roles(parse_query("direktupphandlingsgränsen 2025 700 000"))
    assert [p.role for p in parts] == ["content", "number", "number", "number"]
    assert query_years(parts) == {"2025"}
    assert mark_roles(parse_query("2045"))[0].role == "content"


@pytest.mark.parametrize(
    ("text", "chapter", "paragraph", "numbers", "rest"),
    [
        ("19 a kap", "19a", None, [], ""),
        ("19a kap.", "19a", None, [], ""),
        ("19 a kap. 3 §", "19a", "3", [], ""),
        ("LOU 19 kap 2 §", "19", "2", ["2016:1145"], ""),
        ("13 kap. 3 a § LOU uteslutning", "13", "3a", ["2016:1145"], "uteslutning"),
        ("SFS 2020:614", None, None, ["2020:614"], ""),
        ("2016:1145", None, None, ["2016:1145"], ""),
        ("prop. 2009/10:180 om rättsmedel", None, None, [], "prop. 2009/10:180 om rättsmedel"),
        ("återbruk möbler", None, None, [], "återbruk möbler"),
    ],
)
def test_citations_are_recognised(text, chapter, paragraph, numbers, rest):
    found = find_citation(text)
    assert (found.chapter, found.paragraph, found.numbers) == (chapter, paragraph, numbers)
    assert without_spans(text, found.spans) == rest


def test_best_window_counts_distinct_words_close_together():
    assert best_window([(0, 0), (50, 1), (100, 2)], window=10) == 1
    assert best_window([(0, 0), (3, 1), (5, 2), (40, 0)], window=10) == 3
    assert best_window([(0, 0), (1, 0), (2, 0)], window=10) == 1
    assert best_window([], window=10) == 0


def test_best_window_agrees_with_every_window_read_in_full():
    """The scan stops early once a window holds every word: it must still find the most."""
    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(1, 40))
        positions = [(int(p), int(w)) for p, w in zip(rng.integers(0, 80, n), rng.integers(0, 5, n), strict=True)]
        window = int(rng.integers(1, 20))
        most = max(len({w for p, w in positions if start <= p < start + window}) for start, _ in positions)
        assert best_window(list(positions), window=window) == most
        assert best_window(list(positions), window=window, present=len({w for _, w in positions})) == most


@pytest.mark.parametrize("query", ["19 a kap", "19a kap.", "lagen om offentlig upphandling 19 a kap"])
def test_chapter_citation_finds_the_chapter_first(default_searcher, query):
    hit = default_searcher.search(query, limit=3).hits[0]
    assert hit.section.startswith("19 a kap.") and "sfs-2016-114" in hit.source


def test_paragraph_citation_links_to_the_paragraph(default_searcher):
    hit = default_searcher.search("LOU 19 a kap. 3 §", limit=3).hits[0]
    assert hit.source.endswith("sfs-2016-1145.md") and hit.anchor == "kap19a-3"
    assert hit.url.endswith("#kap19a-3")
    assert hit.snippet.startswith("3 § Direktupphandling får användas")  # the cited paragraph, unmarked numbers


def test_sfs_number_and_law_name_find_the_statute(default_searcher):
    assert default_searcher.search("SFS 2020:614").hits[0].title == "Avfallsförordning"
    hit = default_searcher.search("lagen om offentlig upphandling 4 kap").hits[0]
    assert hit.title == "Lag om offentlig upphandling" and hit.anchor == "kap4"


def test_citing_a_law_not_in_the_knowledge_base_says_so(default_searcher):
    result = default_searcher.search("SFS 2099:12")
    assert result.hits == [] and result.notice.text == "Not in the knowledge base: SFS 2099:12."
    # the English text, and beside it a form a Swedish page can word itself (kb/site/assets/kb.js)
    data = result.to_json()
    assert data["notice"] == result.notice.text
    assert data["notice_detail"] == {"code": "not_in_knowledge_base", "cited": ["SFS 2099:12"]}
    chapter = default_searcher.search("LOU 99 kap").notice
    assert chapter.to_json() == {"code": "no_such_chapter", "cited": ["99 kap."]}
    assert chapter.text == "No cited statute in the knowledge base has chapter 99 (99 kap.)."
    assert default_searcher.search("återbruk").notice is None


def test_relevance_on_question_set_does_not_regress(default_kb):
    kb = evaluate_project(default_kb, QUESTIONS_JSON, baseline=False)["kb"]
    assert kb.ndcg >= 0.75, kb.to_json()


def test_snippet_prefers_the_passage_with_most_concepts_over_an_enumeration():
    from kb.search.snippets import make_snippet

    text = (
        "Partner: Albin, Allies, Rekomo, Centigo, Swedese Möbler, Offecct, Gärsnäs, Möbler AB och Kinnarps. "
        + "Fyllnad utan något av orden. " * 12
        + "Projektet visar att återbruk av möbler minskar klimatpåverkan. Sista meningen."
    )
    snippet = make_snippet(text, frozenset({"aterbruk", "mobler", "mobel"}))
    assert "<mark>återbruk</mark>" in snippet and "Kinnarps" not in snippet
    # Whole sentences: it starts where the sentence starts.
    assert snippet.startswith("…Projektet visar")


def test_corrected_word_is_marked_in_snippets(default_searcher):
    result = default_searcher.search("återanvändnig av byggmaterial", limit=3)
    assert result.fuzzy and result.suggestion
    assert any("<mark>återanvändning</mark>" in h.snippet for h in result.hits)


def test_question_words_do_not_pull_sections_in(default_searcher):
    """"ställer" must not bring in courses on "ställa om"; "kräva" in "kräva ersättning" is not EPD."""
    hits = default_searcher.search("hur ställer man klimatkrav på möbler", limit=5).hits
    assert not any("ställa om" in h.snippet.lower() for h in hits)
    assert not any("<mark>ställ" in h.snippet.lower() for h in hits)  # fillers are not marked either


def test_base_form_finds_forms_the_lexicon_does_not_know(default_searcher):
    """"textil" / "textilier" and "återbruk" / "återbrukade": one stem, another Swedish ending."""
    builder = default_searcher._current().builder
    assert "textilier" in builder.inflections("textil")
    assert "textil" in builder.inflections("textilier")
    assert "återbrukade" in builder.inflections("återbruk")
    assert builder.inflections("krav") == []  # short stems are left alone
    hits = default_searcher.search("textilier", limit=10).hits
    assert any(h.title == "Uppdrag att genomföra producentansvaret för textil" for h in hits)


def test_short_first_part_of_a_hyphenated_word_is_not_dropped(default_searcher):
    """"e-handel" is about e-handel, not about every text that says "handel"."""
    hits = default_searcher.search("e-handel", limit=2).hits
    assert hits and all("e-handel" in h.snippet.lower().replace("<mark>", "").replace("</mark>", "") for h in hits)


def test_a_question_verb_finds_the_act_the_statute_names(default_searcher):
    """"får man direktupphandla": the statutes speak of "direktupphandling"; a keyword query keeps the verb."""
    builder = default_searcher._current().builder
    question, _, _ = builder.word_clauses("direktupphandla", question=True)
    keyword, _, _ = builder.word_clauses("direktupphandla")
    assert "direktupphandling" in str(question) and "direktupphandling" not in str(keyword)
    hits = default_searcher.search("får man direktupphandla", limit=3).hits
    assert any(h.section.startswith("19 a kap.") for h in hits)


def test_feedback_words_are_shared_by_the_first_sections_and_rare_elsewhere():
    bodies = [
        ["arbetsvillkor", "sysselsättning", "upphandling", "jobb", "lokal"],
        ["arbetsvillkor", "sysselsättning", "upphandling", "kontrakt"],
        ["arbetsvillkor", "upphandling", "avfall"],
    ]
    frequency = {"arbetsvillkor": 5, "sysselsättning": 20, "upphandling": 800, "kontrakt": 50, "avfall": 40}
    terms = feedback_terms(bodies, lambda w: frequency.get(w, 0), 1000, exclude={"jobb"})
    words = [w for w, _ in terms]
    assert words[:2] == ["arbetsvillkor", "sysselsättning"]  # in several sections, and rare
    assert "kontrakt" not in words and "avfall" not in words  # one section only
    assert "jobb" not in words  # the question's own word
    assert terms[0][1] == 1.0 and all(0 < w <= 1 for _, w in terms)
    assert feedback_terms([["ordet"]], lambda w: 1, 1000, set()) == []


def test_feedback_skips_inflections_of_the_questions_words_and_of_words_taken():
    bodies = [["avtalet", "kontrakt", "kontraktet", "ändring"], ["avtalet", "kontrakt", "kontraktet", "ändring"]]
    lemmas = {"avtalet": ["avtalet", "avtal"], "kontraktet": ["kontraktet", "kontrakt"]}
    terms = feedback_terms(bodies, lambda w: 10, 1000, {"avtal"}, lambda w: lemmas.get(w, [w]))
    assert sorted(w for w, _ in terms) in (["kontrakt", "ändring"], ["kontraktet", "ändring"])


def test_proximity_factors_are_reused_for_the_same_words(default_searcher):
    """A question run again with feedback words reads the positions of sections it has seen once only."""
    state = default_searcher._current()
    _, groups, _ = state.build_query(mark_roles(parse_query("orimligt lågt anbud")))
    words = [strict for strict, _, _, content in groups if content]
    docnums = np.flatnonzero(state.scorer.evaluate(words[0]).mask)[:30]
    fresh = proximity_factors(state.scorer, words, docnums)
    known: dict[int, float] = {}
    assert np.allclose(proximity_factors(state.scorer, words, docnums, known=known), fresh)
    assert set(known) == set(docnums.tolist()) and max(known.values()) > 1
    known[int(docnums[0])] = 7.0  # a remembered factor is used as it is
    assert proximity_factors(state.scorer, words, docnums, known=known)[0] == 7.0


def test_a_long_question_finds_sections_in_the_words_of_its_first_hits(default_searcher):
    """The statute says "leverantörer" and "kontrakt" where the officer says "små lokala företag"."""
    query = (
        "vi vill att små lokala företag ska kunna lämna anbud, till exempel genom att dela upp "
        "kontraktet och inte ställa för höga omsättningskrav"
    )
    hits = default_searcher.search(query, limit=3).hits
    assert any(h.title == "Lag om offentlig upphandling" and h.section.startswith("4 kap.") for h in hits)
    assert section_words("Små företag, 4 kap. 12 §: Anbud") == ["små", "företag", "kap", "anbud"]


def test_feedback_settings_name_the_numbers_the_static_search_needs():
    settings = feedback_settings()
    assert settings["sections"] >= settings["min_shared"] >= 2
    assert settings["weight"] > 0 and settings["terms"] > 0 and settings["min_content_words"] >= 3


def test_keyword_queries_and_short_questions_are_not_expanded(default_searcher, monkeypatch):
    """Feedback is for questions of three or more content words; it would cost keywords 0.03 nDCG@10."""
    calls = []
    state = default_searcher._current()
    original = state.feedback
    monkeypatch.setattr(state, "feedback", lambda hits, parts: calls.append(parts) or original(hits, parts))
    default_searcher.search("återbruk kontorsmöbler offentlig upphandling")
    default_searcher.search("vad är återbruk av möbler")  # two content words: "av" is a stop word
    assert calls == []
    default_searcher.search("hur gör vi för att upphandla återbrukade kontorsmöbler i stället för nya")
    assert len(calls) == 1


def test_a_word_typed_with_diacritics_does_not_find_its_folded_twin(default_searcher):
    """"ändra" spelt without the dots is "andra" (other), "rätt" is "ratt": those twins are other words."""
    builder = default_searcher._current().builder
    changed, _, _ = builder.word_clauses("ändra")
    assert "ändra" in str(changed) and "andra" not in str(changed).replace("ändra", "")
    right, _, _ = builder.word_clauses("rätt")
    assert "ratt" not in str(right)
    claim, _, _ = builder.word_clauses("kräva")  # "krava" is no word: the folded forms still help
    assert "krava" in str(claim)
    typed, _, _ = builder.word_clauses("andra")
    assert "andra" in str(typed)


def test_ar_typed_without_dots_is_not_marked_in_a_question(default_searcher):
    """"vad ar en EPD": "ar" is "är"; it is still searched (it is also "år"), but not marked."""
    assert is_filler("ar", question=True) and not is_filler("ar")
    hits = default_searcher.search("vad ar en EPD och nar ska jag krava det", limit=5).hits
    assert hits and any("<mark>EPD</mark>" in h.snippet for h in hits)
    assert not any("<mark>är</mark>" in h.snippet.lower() or "<mark>år</mark>" in h.snippet.lower() for h in hits)


def test_a_year_does_not_carry_a_hit_past_the_words(default_searcher):
    """Sections holding "2025" and only the short part "upphandling" of the query's word rank below
    the statute that holds "direktupphandling" (issue 18)."""
    hits = default_searcher.search("direktupphandlingsgräns 2025", limit=10).hits
    statute = next(i for i, h in enumerate(hits) if h.section.startswith("19 a kap."))
    assert statute <= 2
    assert all("2025" not in h.snippet for h in hits[:statute])


def test_sections_holding_only_the_number_come_after_those_holding_a_word(default_searcher):
    words = default_searcher.search("vildsvinskött", limit=50).hits
    both = default_searcher.search("vildsvinskött 2025", limit=50).hits
    assert both[: len(words)] and {h.url for h in both[: len(words)]} == {h.url for h in words}
    assert [h.score for h in both] == sorted((h.score for h in both), reverse=True)


def test_scores_follow_the_order_when_a_citation_pins_hits(default_searcher):
    hits = default_searcher.search("19 a kap", limit=10).hits
    assert hits[0].section.startswith("19 a kap.")
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
