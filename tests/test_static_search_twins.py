"""The site's static search leaves out the folded forms of a word whose folded spelling is another
word ("ändra" spelt "andra"), as the API's query builder does; "mobler" still finds "möbler".

``kb-search.js`` runs in Node over a static index built here (as in test_static_search_patterns.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from static_search_support import leaflets, search_ids, write_static_index

from kb.model import Document

pytestmark = pytest.mark.browser

TEXTS = {
    "andra": "De andra leverantörerna lämnade anbud i tid.",
    "andring": "Myndigheten får ändra kontraktet under avtalstiden.",
    "mobler": "Begagnade möbler till kontoret.",
    "skola": "Livsmedel från ekologisk odling serveras i skolan.",
}


def documents() -> list[Document]:
    return leaflets(TEXTS)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    return write_static_index(tmp_path_factory.mktemp("static-twins"), documents())


def search(index_dir: Path, query: str) -> list[str]:
    return search_ids(index_dir, query)


def test_word_whose_folded_spelling_is_another_word_does_not_find_it(index_dir: Path):
    assert search(index_dir, "ändra") == ["guide/andring"]


def test_word_typed_without_diacritics_finds_them(index_dir: Path):
    assert search(index_dir, "mobler") == ["guide/mobler"]
