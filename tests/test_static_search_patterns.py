"""The site's static search reads queries with the Python definitions, run in Node.

``kb-search.js`` gets the tokenizer's ``TOKEN_RE``, the number pattern and the citation
patterns and statutes from ``sok-index/meta.json``, rewritten by ``kb.site.js_patterns``.
These tests run the shipped JavaScript in Node over a static index built here and hold its
tokens and matches equal to Python's on tricky Swedish strings, and check that a citation
puts the cited chapter first, as the API does. Node comes from ``scripts/setup-browser.sh``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from site_support import ensure_browser_tools
from static_search_support import NODE, run_node

from kb.analysis import SwedishTokenizer
from kb.analysis.tokenizer import TOKEN_RE
from kb.model import Block, Document, Section
from kb.search.citations import citation_patterns, find_citation
from kb.search.query import number_pattern
from kb.site.js_patterns import UntranslatablePattern, js_pattern
from kb.site.static_index import build_static_index

pytestmark = pytest.mark.browser

TRICKY = [
    "e-handel och it-system",
    "Enligt 2016:1145 och SFS 2020:614",
    "19 a kap. 3 § LOU",
    "19a kap och 13 kap. 3 a §",
    "bygg- och rivningsavfall",
    "LCA-baserade krav på CO2-utsläpp",
    "1,5 grader, 2,75 % och 3.5 ton",
    "återbruk av möbler, ÅTERVUNNET material",
    "café, crème brûlée och Müller",
    "§ 7 och §§ 8–9",
    "u\u0308ber (NFD) och Ærø",
    "19\u00a0a kap",
    "EU-kommissionen – 2024/25 – åtgärd_plan",
    "x-",
    "100-tal och 3d-skrivare",
    "kap. 4 a, 5 b, 12 f",
]


def lou() -> Document:
    return Document(
        id="related/sfs/sfs-2016-1145",
        title="Lag om offentlig upphandling",
        source="related/sfs/sfs-2016-1145.md",
        sections=[
            Section("kap1", ["1 kap. Lagens innehåll"], [
                Block("para", "1 §", "kap1-1"), Block("p", "Direktupphandling, handel och annat."),
            ]),
            Section("kap19a", ["19 a kap. Direktupphandling"], [
                Block("para", "1 §", "kap19a-1"), Block("p", "Gränsen för direktupphandling."),
                Block("para", "3 §", "kap19a-3"), Block("p", "Dokumentation."),
            ]),
            Section("kap20", ["20 kap. Överprövning"], [Block("para", "1 §", "kap20-1"), Block("p", "Se 19 a kap.")]),
        ],
        meta={"beteckning": "2016:1145", "type": "författning", "date": "2016-12-01"},
    )


def guide() -> Document:
    return Document(
        id="guide/direkt",
        title="Direktupphandling i praktiken",
        source="guide/direkt.md",
        sections=[Section("intro", ["Direktupphandling i praktiken"], [
            Block("p", "Direktupphandling 2025: gränsen är 700 000 kronor enligt 19 a kap. LOU och e-handel."),
        ])],
        meta={"type": "vägledning", "date": "2025-01-01"},
    )


def news() -> Document:
    return Document(
        id="news/2025",
        title="Nyheter 2025",
        source="news/2025.md",
        sections=[Section("nyheter-2025", ["Nyheter 2025"], [Block("p", "Året 2025 i korthet: zorbaxarna.")])],
        meta={"type": "nyhet", "date": "2025-12-31"},
    )


def near_and_far() -> list[Document]:
    """Two reports holding "slam" and "fosfor" once each, one of them in one sentence (and no shorter)."""
    filler = " ".join(["Övrigt om förvaltningens verksamhet och organisation."] * 6)
    far = f"Slam är en resurs. {filler} Fosfor finns också."
    near = f"Fosfor ur slam är en resurs. {filler} Det finns också."
    return [
        Document(id=f"report/{name}", title=f"Rapport {name}", source=f"report/{name}.md",
                 sections=[Section("text", [f"Rapport {name}"], [Block("p", text)])], meta={"type": "rapport"})
        for name, text in (("a", far), ("b", near))
    ]


def rare_and_common() -> list[Document]:
    """"zorbfilter" in one section; "anbud" and "leverantör" in nine, together in eight of them."""
    texts = {"rare": "Zorbfilter i ventilationen."} | {f"common{i}": "Anbud från leverantör." for i in range(8)}
    texts["anbud"] = "Anbud."
    return [
        Document(id=f"spec/{name}", title=f"Blad {name}", source=f"spec/{name}.md",
                 sections=[Section("text", [f"Blad {name}"], [Block("p", text)])], meta={"type": "blad"})
        for name, text in texts.items()
    ]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    ensure_browser_tools(NODE)
    root = tmp_path_factory.mktemp("static-index")
    for rel, text in build_static_index([lou(), guide(), news(), *near_and_far(), *rare_and_common()]).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "sok-index"


def test_browser_tokens_equal_the_index_tokenizer(index_dir: Path):
    tokenizer = SwedishTokenizer(lowercase=True)
    expected = [[t.text for t in tokenizer(text, mode="query")] for text in TRICKY]
    got = run_node(index_dir, "return data.map((t) => KB.tokens(meta, t).map((x) => x.text));", TRICKY)
    assert got == expected


def test_meta_carries_the_python_patterns(index_dir: Path):
    meta = json.loads((index_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["tokens"] == js_pattern(TOKEN_RE)
    assert {k: meta["number"][k] for k in ("source", "flags")} == js_pattern(number_pattern())
    assert meta["citations"]["patterns"] == {k: js_pattern(p) for k, p in citation_patterns().items()}
    assert [s[0] for s in meta["citations"]["statutes"]] == ["2016:1145"]


def test_translated_patterns_match_as_in_python(index_dir: Path):
    """Every pattern the browser gets finds the same spans and groups in JavaScript as in Python."""
    meta = json.loads((index_dir / "meta.json").read_text(encoding="utf-8"))
    patterns = {"tokens": (TOKEN_RE, meta["tokens"]), "number": (number_pattern(), meta["number"])}
    for name, pattern in citation_patterns().items():
        patterns[name] = (pattern, meta["citations"]["patterns"][name])
    texts = [*TRICKY, *(t.lower() for t in TRICKY), "lagen om offentlig upphandling 4 kap", "SFS2020:614, 2016:11456"]
    expected = {
        name: [[[m.start(), m.end(), *[g or None for g in m.groups()]] for m in py.finditer(t)] for t in texts]
        for name, (py, _) in patterns.items()
    }
    got = run_node(index_dir, """
      const out = {};
      for (const [name, p] of Object.entries(data.patterns)) {
        out[name] = data.texts.map((t) => Array.from(t.matchAll(new RegExp(p.source, p.flags)),
          (m) => [m.index, m.index + m[0].length, ...m.slice(1).map((g) => g || null)]));
      }
      return out;""", {"patterns": {k: js for k, (_, js) in patterns.items()}, "texts": texts})
    assert got == expected


def test_untranslatable_construct_is_refused():
    with pytest.raises(UntranslatablePattern):
        js_pattern(re.compile(r"\Aword"))


@pytest.mark.parametrize(("query", "url"), [
    ("19 a kap", "dok/related/sfs/sfs-2016-1145/#kap19a"),
    ("19a kap.", "dok/related/sfs/sfs-2016-1145/#kap19a"),
    ("19 a kap. 3 §", "dok/related/sfs/sfs-2016-1145/#kap19a-3"),
    ("LOU 19 a kap 3 §", "dok/related/sfs/sfs-2016-1145/#kap19a-3"),
    ("lagen om offentlig upphandling 20 kap", "dok/related/sfs/sfs-2016-1145/#kap20"),
    ("direktupphandling 2016:1145", "dok/related/sfs/sfs-2016-1145/#kap19a"),
])
def test_citation_puts_the_cited_place_first(index_dir: Path, query: str, url: str):
    assert find_citation(query)  # the API reads it as a citation too
    got = run_node(index_dir, "return KB.staticSearch(data, 10);", query)
    assert got["hits"][0]["url"] == url, [h["url"] for h in got["hits"]]
    assert got["notice"] is None


def test_citation_of_a_law_not_here_says_so(index_dir: Path):
    got = run_node(index_dir, "return KB.staticSearch(data, 10);", "SFS 2099:12 direktupphandling")
    assert got["notice"] == "Finns inte i kunskapsbanken: SFS 2099:12."
    got = run_node(index_dir, "return KB.staticSearch(data, 10);", "99 kap")
    assert got["notice"] == "Ingen författning i kunskapsbanken har ett 99 kap."


def test_year_beside_words_does_not_outweigh_them(index_dir: Path):
    """"2025" is in the news' title, "dokumentation" only in the body of 19 a kap.: the word decides."""
    got = run_node(index_dir, "return KB.staticSearch(data, 10);", "dokumentation 2025")
    assert got["hits"][0]["url"] == "dok/related/sfs/sfs-2016-1145/#kap19a"


def test_hyphenated_word_is_its_joined_word(index_dir: Path):
    """"e-handel" is not "handel" (which 1 kap. holds), as in the API."""
    got = run_node(index_dir, "return KB.staticSearch(data, 10);", "e-handel")
    assert [h["doc_id"] for h in got["hits"]] == ["guide/direkt"]


def test_unknown_inflection_finds_the_corpus_word(index_dir: Path):
    """"zorbax" is not in the corpus; "zorbaxarna" (a made-up word, so no lexicon ties them)
    is one ending away, too far for a spelling correction."""
    got = run_node(index_dir, "return KB.staticSearch(data, 10);", "zorbax")
    assert [h["doc_id"] for h in got["hits"]] == ["news/2025"]


def test_question_prefers_the_section_with_its_words_together(index_dir: Path):
    """As the API's proximity: the question is about the report that names both in one sentence; the
    one holding them far apart ("a", as short and analysed first, so first without proximity) is second."""
    got = run_node(index_dir, "return KB.staticSearch(data, 10);", "hur används slam och fosfor")
    assert [h["doc_id"] for h in got["hits"]][:2] == ["report/b", "report/a"]


def test_rare_word_counts_more_in_coordination(index_dir: Path):
    """As the API's specificity: the section holding the rare word that names the need ranks above
    those holding the two common words (which plain word counting would put first)."""
    got = run_node(index_dir, "return KB.staticSearch(data, 10);", "zorbfilter anbud leverantör")
    assert got["hits"][0]["doc_id"] == "spec/rare", [h["doc_id"] for h in got["hits"]]


def test_section_holding_only_the_year_comes_after_those_holding_a_word(index_dir: Path):
    """As the API: "2025" fills the news' title and heading; every section holding "anbud" comes first."""
    got = run_node(index_dir, "return KB.staticSearch(data, 20);", "anbud 2025")
    ids = [h["doc_id"] for h in got["hits"]]
    assert set(ids[-2:]) == {"news/2025", "guide/direkt"}, ids  # "2025" and no "anbud"
    scores = [h["score"] for h in got["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_pinned_hits_score_above_the_rest(index_dir: Path):
    got = run_node(index_dir, "return KB.staticSearch(data, 10);", "19 a kap")
    scores = [h["score"] for h in got["hits"]]
    assert len(scores) > 1 and scores == sorted(scores, reverse=True) and scores[-1] > 0, scores



@pytest.mark.parametrize(
    ("words", "content"),
    [
        (["vad", "ar", "en", "epd"], ["en", "epd"]),  # typed without å/ä/ö: "ar" is "är"
        (["vad", "ar", "kräva"], ["ar", "kräva"]),  # beside å/ä/ö "ar" is a word ("år" folded)
        (["ar", "2020"], ["ar", "2020"]),  # no question
    ],
)
def test_ar_is_a_filler_only_in_a_question_typed_without_swedish_letters(index_dir: Path, words, content):
    """As kb.search.query.mark_roles, from meta.foldedQuestionFillers."""
    from kb.search.query import QueryPart, mark_roles

    python = [p.text for p in mark_roles([QueryPart(w, "word") for w in words]) if p.role != "filler"]
    got = run_node(index_dir, "return KB.contentParts(meta, data.map((w) => ({ word: w }))).map((p) => p.word);", words)
    assert got == python == content
