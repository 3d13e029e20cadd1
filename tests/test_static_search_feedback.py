"""The site's static search expands questions by pseudo-relevance feedback as the API does.

``kb-search.js`` runs in Node over a static index built here (as in test_static_search_patterns.py):
its feedback reads its numbers from meta.json (``feedback_settings()``), picks the same words as
``kb.search.feedback.feedback_terms`` from the same sections, and finds the section that uses the
answers' words but none of the question's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from static_search_support import leaflets, run_node, write_static_index

from kb.analysis import swedish_analyzer
from kb.model import Document
from kb.search.feedback import feedback_settings, feedback_terms, section_words

pytestmark = pytest.mark.browser

QUESTION = "hur får man zorbmöbler med lång livslängd och kvalitet"
ANSWERS = {  # the question's three content words, and the vocabulary the answers share
    "a": "Zorbmöbler med lång livslängd och god kvalitet. Leverantören lämnar garanti, reservdelar och reparation.",
    "b": "Kvalitet och livslängd för zorbmöbler: garanti i fem år, garanti för delar, "
         "reservdelar i tio år, reparation på plats.",
    "c": "Zorbmöbler av kvalitet håller. Livslängd förlängs genom reparation och reservdelar med garanti.",
}
ONLY_THE_ANSWERS_WORDS = "Avtalet kräver garanti, reservdelar och reparation av stolar och bord."
OTHERS = [
    "Transporter med el och biogas minskar utsläppen i staden.",
    "Livsmedel från ekologisk odling serveras i skolan.",
    "Städning med miljömärkta medel i förvaltningens lokaler.",
    "Avtalet gäller transporter av livsmedel till skolan.",
]


def documents() -> list[Document]:
    texts = {**{f"svar-{k}": v for k, v in ANSWERS.items()}, "avtal": ONLY_THE_ANSWERS_WORDS}
    texts |= {f"annat-{i}": t for i, t in enumerate(OTHERS)}
    return leaflets(texts)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    return write_static_index(tmp_path_factory.mktemp("static-feedback"), documents())


def test_meta_carries_the_feedback_settings(index_dir: Path):
    meta = json.loads((index_dir / "meta.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in meta["feedback"].items() if k in feedback_settings()} == feedback_settings()


def test_borrowed_words_equal_the_python(index_dir: Path):
    """The same sections and the same question words give the same words, weights and order as
    ``feedback_terms`` with the body frequencies and lemmas of the Python analysis."""
    analyzer = swedish_analyzer()
    bodies = [d.sections[0].text for d in documents()]
    analysed = [{t.text for t in analyzer(b)} for b in bodies]
    exclude = sorted({t.text for word in QUESTION.split() for t in analyzer(word)})
    chosen = [0, 1, 2, 3]  # the three answers and the contract: four sections, as a short pool gives
    expected = feedback_terms(
        [section_words(bodies[i]) for i in chosen],
        lambda w: sum(w in a for a in analysed), len(bodies), set(exclude),
        lambda w: [t.text for t in analyzer(w) if t.boost >= 1.0],
    )
    assert len(expected) >= 3
    got = run_node(index_dir, """
      const f = meta.feedback;
      return Promise.all(data.chosen.map((si) => Promise.all([
        fetch("sok-index/x/" + si + ".json").then((r) => r.json()).then((x) => x[0]),
        fetch("sok-index/" + f.dir + "/" + si + ".json").then((r) => r.json()),
      ]))).then((loaded) => KB.feedbackTerms(f, loaded, new Set(data.exclude)));""",
        {"chosen": chosen, "exclude": exclude})
    assert [w for w, _ in got] == [w for w, _ in expected]
    assert [round(x, 2) for _, x in got] == [round(x, 2) for _, x in expected]


def test_question_finds_the_section_with_only_the_answers_words(index_dir: Path):
    """The contract holds none of the question's words: only the borrowed words find it."""
    search = "KB.noFeedback = data.off; return KB.staticSearch(data.q, 10);"
    without = run_node(index_dir, search, {"q": QUESTION, "off": True})
    got = run_node(index_dir, search, {"q": QUESTION, "off": False})
    ids = [h["doc_id"] for h in got["hits"]]
    assert "guide/avtal" not in [h["doc_id"] for h in without["hits"]]
    assert "guide/avtal" in ids, ids
    assert set(ids[:3]) == {"guide/svar-a", "guide/svar-b", "guide/svar-c"}  # the question's own words first


def test_keywords_are_not_expanded(index_dir: Path):
    """Without question words the same three words borrow nothing, as in the API."""
    got = run_node(index_dir, "return KB.staticSearch(data, 10);", "zorbmöbler livslängd kvalitet")
    assert "guide/avtal" not in [h["doc_id"] for h in got["hits"]]


def test_missing_feedback_files_leave_the_question_unexpanded(index_dir: Path, tmp_path: Path):
    """A site whose feedback files are gone (a partial upload) still answers, as without feedback."""
    import shutil

    copy = tmp_path / "sok-index"
    shutil.copytree(index_dir, copy)
    shutil.rmtree(copy / "f")
    got = run_node(copy, "return KB.staticSearch(data, 10);", QUESTION)
    ids = [h["doc_id"] for h in got["hits"]]
    assert set(ids[:3]) == {"guide/svar-a", "guide/svar-b", "guide/svar-c"}
    assert "guide/avtal" not in ids
