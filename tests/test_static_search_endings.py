"""The site's static search finds a known word's other endings as ``QueryBuilder.inflections`` does.

``kb-search.js`` runs in Node over a static index built here (as in test_static_search_patterns.py),
with the endings ``kb build`` writes into meta.json from kb.search.builder: a question's verb also
finds its action noun ("verifiera" → "verifiering"), a keyword not (it means its word class).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from static_search_support import leaflets, search_ids, write_static_index

from kb.model import Document
from kb.search.builder import INFLECTION_ENDINGS, INFLECTION_WEIGHT

pytestmark = pytest.mark.browser

TEXTS = {
    "intyg": "Verifiering sker med intyg från leverantören.",
    "verifiera": "Leverantören ska verifiera uppgifterna.",
    "textil": "Krav på textilier i vården och kläder av återvunnen fiber.",
    "annat": "Transporter med el och biogas minskar utsläppen i staden.",
    "skola": "Livsmedel från ekologisk odling serveras i skolan.",
}


def documents() -> list[Document]:
    return leaflets(TEXTS)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    return write_static_index(tmp_path_factory.mktemp("static-endings"), documents())


def search(index_dir: Path, query: str) -> list[str]:
    return search_ids(index_dir, query)


def test_meta_carries_the_query_builders_endings(index_dir: Path):
    meta = json.loads((index_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["inflection"]["endings"] == list(INFLECTION_ENDINGS)
    assert meta["inflection"]["weight"] == INFLECTION_WEIGHT


def test_question_verb_finds_its_action_noun_below_the_verb(index_dir: Path):
    ids = search(index_dir, "hur kan vi verifiera")
    assert ids[:2] == ["guide/verifiera", "guide/intyg"], ids


def test_keyword_verb_keeps_its_word_class(index_dir: Path):
    assert search(index_dir, "verifiera") == ["guide/verifiera"]

