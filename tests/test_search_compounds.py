"""A compound query word: sections holding the word itself first, then those holding all its
parts, then those holding only some of them (docs/search.md, "Ranking")."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb.config import Project
from kb.indexing.build import build
from kb.search import Searcher

FIXTURES = Path(__file__).parent / "fixtures" / "compounds"


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    root = tmp_path_factory.mktemp("compounds")
    shutil.copytree(FIXTURES, root / "sources")
    project = Project(root)
    build(project, site=False)
    return Searcher(project.index_root, "http://kb.example/")


def titles(searcher, query: str) -> list[str]:
    return [h.title for h in searcher.search(query, limit=10).hits]


def test_the_word_itself_ranks_above_sections_full_of_its_parts(searcher):
    """One "klimatkrav" in a long speech outranks short sections dense with klimat… and krav."""
    found = titles(searcher, "klimatkrav")
    assert found[0] == "Regeringsförklaring"
    assert set(found[1:]) >= {"Klimat och klimatpolitik", "Klimatanpassning"}


def test_all_parts_rank_above_one_part_when_no_section_holds_the_word(searcher):
    """No section says "kontorsmöbler": the one with kontor and möbler first, then kontor… or möbel… alone."""
    found = titles(searcher, "kontorsmöbler")
    assert found[0] == "Cirkulära möbelflöden"
    assert set(found[1:]) == {"Statskontoret", "Möbelbranschen"}


def test_all_parts_rank_above_one_part_for_a_word_typed_without_diacritics(searcher):
    found = titles(searcher, "kontorsmobler")
    assert found[0] == "Cirkulära möbelflöden"


def test_the_snippet_shows_the_word_itself_not_its_parts_apart():
    from kb.search.snippets import make_snippet

    text = (
        "Sverige ska pressa ned klimatutsläppen, och det krävs mycket arbete i hela landet. "
        + "Regeringen arbetar med bostäder, skolan och vården i alla delar av landet. " * 4
        + "Möjligheterna att ställa klimatkrav vid upphandling förbättras."
    )
    snippet = make_snippet(text, frozenset({"klimatkrav", "klimat", "krav"}))
    assert "ställa <mark>klimatkrav</mark> vid upphandling" in snippet
    assert "klimatutsläppen" not in snippet


def test_the_snippet_shows_the_word_in_search_results(searcher):
    hit = searcher.search("klimatkrav", limit=1).hits[0]
    assert "<mark>klimatkrav</mark>" in hit.snippet

