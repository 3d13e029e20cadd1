"""In the site's static search a word the texts do not spell so counts in coordination by how rare
its folded form ("lange" for "länge") or its compound parts are, as the API's specificity counts
its coordination query, not as a word no section holds.

``kb-search.js`` runs in Node over a static index built here (as in test_static_search_patterns.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from static_search_support import leaflets, run_node, write_static_index

from kb.model import Document

pytestmark = pytest.mark.browser

TEXTS = {
    "lange": "Avtalet gäller så länge behovet finns.",
    "stolar": "Stolar och bord till kontoret.",
    "mobler": "Ramavtal för möbler och ramavtal för textilier.",
    "livsmedel": "Ramavtal för livsmedel och ramavtal för transporter.",
    "leverantor": "Ramavtal med en leverantör och ramavtal med flera.",
    "skola": "Livsmedel från ekologisk odling serveras i skolan.",
    "stad": "Transporter med el och biogas minskar utsläppen i staden.",
}


def documents() -> list[Document]:
    return leaflets(TEXTS)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    return write_static_index(tmp_path_factory.mktemp("static-specificity"), documents())


def test_unknown_compound_counts_by_its_parts_rarity(index_dir: Path):
    """"kontorsstolar" is in no text; its parts are in one section, "ramavtal" in three: the
    compound's section leads clearly, as when the word were spelt so (not as a word of no weight)."""
    got = run_node(index_dir, "return KB.staticSearch(data, 10);", "kontorsstolar ramavtal")
    scores = {h["doc_id"]: h["score"] for h in got["hits"]}
    assert max(scores, key=scores.get) == "guide/stolar", scores
    assert scores["guide/stolar"] > 2 * scores["guide/mobler"], scores
