"""The site's static search marks in its snippets every form a query word matched (issue 18).

``kb-search.js`` runs in Node over a static index built here (as in test_static_search_patterns.py).
As the API's snippets (``kb.search.snippets.concepts_of``), a compound the user typed stands
for its parts too, so "direktupphandling" is marked for "direktupphandlingsgräns", and the
words are cut by the index's tokenizer from meta.json ("e-handel" is the word ehandel, "1,5" one number).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from static_search_support import leaflets, run_node, write_static_index

from kb.model import Document

pytestmark = pytest.mark.browser

FILLER = " ".join(["Kapitlet gäller myndigheter, kommuner och regioner i hela landet."] * 3)
TEXTS = {
    "gransen": "Beloppet kallas direktupphandlingsgräns och räknas utan moms.",
    "kapitel": f"{FILLER} Direktupphandling får användas under gränsen år 2025.",
    "ehandel": "Ramavtal för e-handel sänker utsläppen med 1,5 ton.",
    "begransa": "Kommunen vill begränsa kostnaden för ett nytt gränssnitt enligt SFS 2025:631.",
    "annat": "Transporter med el och biogas minskar utsläppen i staden.",
}


def documents() -> list[Document]:
    return leaflets(TEXTS)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    return write_static_index(tmp_path_factory.mktemp("static-marks"), documents())


def marked(index_dir: Path, query: str) -> dict[str, list[str]]:
    """Each hit's marked words, by document."""
    got = run_node(index_dir, "return KB.staticSearch(data, 10);", query)
    return {h["doc_id"]: re.findall(r"<mark>(.*?)</mark>", h["snippetHtml"]) for h in got["hits"]}


def test_compound_parts_are_marked_where_they_matched(index_dir: Path):
    marks = marked(index_dir, "direktupphandlingsgräns 2025")
    assert marks["guide/gransen"] == ["direktupphandlingsgräns"], marks
    # The section matched by the compound's parts shows the sentence holding them, all marked.
    assert marks["guide/kapitel"] == ["Direktupphandling", "gränsen", "2025"], marks
    assert "guide/annat" not in marks


def test_words_are_cut_as_the_index_cuts_them(index_dir: Path):
    marks = marked(index_dir, "e-handel 1,5 ton")
    assert marks["guide/ehandel"] == ["e-handel", "1,5", "ton"], marks


def test_a_form_is_marked_where_it_is_a_part_not_inside_another_word(index_dir: Path):
    """As the API's analysis splits words: "gräns" is a part of gränssnitt, not of begränsa."""
    marks = marked(index_dir, "gränsen 2025")
    assert marks["guide/begransa"] == ["gränssnitt"], marks
    assert marks["guide/kapitel"] == ["gränsen", "2025"], marks
