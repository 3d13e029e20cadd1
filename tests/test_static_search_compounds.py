"""The site's static search reads a compound the corpus does not hold as the API does.

``kb-search.js`` runs in Node over a static index built here (as in test_static_search_patterns.py).
An unknown compound ("direktupphandlingsgränserna") finds its inflected form the corpus holds
first, and also, weakly, the sections holding its longest indexed parts ("direktupphandling"),
as ``kb.search.builder``'s analysed parts and ``joined_parts`` do; a compound of indexed words
with no inflected form in the corpus ("direktupphandlingsbeloppet") finds its parts; so does a
compound the texts hold only inflected ("upphandlingsannons": the base form is indexed, as a
lemma, and kb build writes its parts).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from static_search_support import leaflets, search_ids, write_static_index

from kb.model import Document

pytestmark = pytest.mark.browser

TEXTS = {
    "gransen": "Beloppet kallas direktupphandlingsgräns och räknas utan moms.",
    "kapitel": "Direktupphandling får användas när kontraktets värde är lågt.",
    "moms": "Fakturor ska visa beloppet med och utan moms.",
    "annat": "Transporter med el och biogas minskar utsläppen i staden.",
    "skola": "Livsmedel från ekologisk odling serveras i skolan.",
    "annonser": "Nya regler för upphandlingsannonser i EU.",
    "annons": "Varje annons publiceras i databasen.",
}


def documents() -> list[Document]:
    return leaflets(TEXTS)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    return write_static_index(tmp_path_factory.mktemp("static-compounds"), documents())


def search(index_dir: Path, query: str) -> list[str]:
    return search_ids(index_dir, query)


def test_unknown_inflection_finds_its_form_first_then_its_parts(index_dir: Path):
    ids = search(index_dir, "direktupphandlingsgränserna")
    assert ids[0] == "guide/gransen", ids
    assert "guide/kapitel" in ids, ids  # only "direktupphandling": the compound's longest head
    assert "guide/annat" not in ids


def test_unknown_compound_of_indexed_words_finds_its_parts(index_dir: Path):
    ids = search(index_dir, "direktupphandlingsbeloppet")
    assert {"guide/kapitel", "guide/moms"} <= set(ids), ids
    assert "guide/skola" not in ids


def test_compound_of_three_indexed_words_finds_its_parts(index_dir: Path):
    """No two of moms, belopp and gräns are indexed joined: the split goes on past the first head."""
    ids = search(index_dir, "momsbeloppsgränsen")
    assert {"guide/gransen", "guide/moms"} <= set(ids), ids
    assert "guide/skola" not in ids


def test_compound_indexed_only_as_a_lemma_finds_its_parts(index_dir: Path):
    ids = search(index_dir, "upphandlingsannons")
    assert ids[0] == "guide/annonser", ids
    assert "guide/annons" in ids, ids
