"""The site's static search leaves out the folded forms of a word whose folded spelling is another
word ("ändra" spelt "andra"), as the API's query builder does; "mobler" still finds "möbler".

``kb-search.js`` runs in Node over a static index built here (as in test_static_search_patterns.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from site_support import ensure_browser_tools
from test_static_search_patterns import NODE, run_node

from kb.model import Block, Document, Section
from kb.site.static_index import build_static_index

pytestmark = pytest.mark.browser

TEXTS = {
    "andra": "De andra leverantörerna lämnade anbud i tid.",
    "andring": "Myndigheten får ändra kontraktet under avtalstiden.",
    "mobler": "Begagnade möbler till kontoret.",
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
    root = tmp_path_factory.mktemp("static-twins")
    for rel, text in build_static_index(documents()).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "sok-index"


def search(index_dir: Path, query: str) -> list[str]:
    got = run_node(index_dir, "return KB.staticSearch(data, 10);", query)
    return [h["doc_id"] for h in got["hits"]]


def test_word_whose_folded_spelling_is_another_word_does_not_find_it(index_dir: Path):
    assert search(index_dir, "ändra") == ["guide/andring"]


def test_word_typed_without_diacritics_finds_them(index_dir: Path):
    assert search(index_dir, "mobler") == ["guide/mobler"]
