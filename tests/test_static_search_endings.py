"""The site's static search finds a known word's other endings as ``QueryBuilder.inflections`` does.

``kb-search.js`` runs in Node over a static index built here (as in test_static_search_patterns.py),
with the endings ``kb build`` writes into meta.json from kb.search.builder: a question's verb also
finds its action noun ("verifiera" → "verifiering"), a keyword not (it means its word class).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from site_support import ensure_browser_tools
from test_static_search_patterns import NODE, run_node

from kb.model import Block, Document, Section
from kb.search.builder import INFLECTION_ENDINGS, INFLECTION_WEIGHT
from kb.site.static_index import build_static_index

pytestmark = pytest.mark.browser

TEXTS = {
    "intyg": "Verifiering sker med intyg från leverantören.",
    "verifiera": "Leverantören ska verifiera uppgifterna.",
    "textil": "Krav på textilier i vården och kläder av återvunnen fiber.",
    "annat": "Transporter med el och biogas minskar utsläppen i staden.",
    "skola": "Livsmedel från ekologisk odling serveras i skolan.",
}


def documents() -> list[Document]:
    return [
        Document(id=f"guide/{name}", title=f"Blad {name}", source=f"guide/{name}.md",
                 sections=[Section("text", [f"Blad {name}"], [Block("p", text)])], meta={"type": "vägledning"})
        for name, text in TEXTS.items()
    ]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    ensure_browser_tools(NODE)
    root = tmp_path_factory.mktemp("static-endings")
    for rel, text in build_static_index(documents()).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "sok-index"


def search(index_dir: Path, query: str) -> list[str]:
    got = run_node(index_dir, "return KB.staticSearch(data, 10);", query)
    return [h["doc_id"] for h in got["hits"]]


def test_meta_carries_the_query_builders_endings(index_dir: Path):
    meta = json.loads((index_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["inflection"]["endings"] == list(INFLECTION_ENDINGS)
    assert meta["inflection"]["weight"] == INFLECTION_WEIGHT


def test_question_verb_finds_its_action_noun_below_the_verb(index_dir: Path):
    ids = search(index_dir, "hur kan vi verifiera")
    assert ids[:2] == ["guide/verifiera", "guide/intyg"], ids


def test_keyword_verb_keeps_its_word_class(index_dir: Path):
    assert search(index_dir, "verifiera") == ["guide/verifiera"]

