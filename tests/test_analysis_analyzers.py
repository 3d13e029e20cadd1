"""The public factories end to end, including whoosh indexing, parsing and pickling."""

import pickle

import pytest
from whoosh import fields, index, qparser

from kb.analysis import folded_analyzer, get_splitter, stock_analyzer, swedish_analyzer


def texts(analyzer, text, mode="index"):
    return [t.text for t in analyzer(text, mode=mode)]


def test_compound_parts_and_lemma():
    got = texts(swedish_analyzer(), "Kontorsmöbler")
    assert got[0] == "kontorsmöbler"  # original first
    assert {"kontor", "möbel", "kontorsmöbel"} <= set(got)


def test_positions_and_chars_for_highlighting():
    text = "Bygg- och rivningsavfall i 19 a kap."
    toks = [
        (t.text, t.pos, t.startchar, t.endchar)
        for t in swedish_analyzer()(text, positions=True, chars=True, mode="index")
    ]
    assert ("byggavfall", 0, 0, 4) in toks
    assert ("rivningsavfall", 1, 10, 24) in toks
    assert ("19a", 2, 27, 31) in toks
    for word, _, start, end in toks:
        if word in ("bygg", "rivningsavfall", "kap"):
            assert text[start:end].lower() == word


def test_folded_matches_exact_after_folding():
    fa = folded_analyzer()
    assert texts(fa, "aterbruk", "query")[0] in texts(fa, "återbruk")
    assert texts(swedish_analyzer(), "återbruk") == ["återbruk"]


def test_stock_analyzer_is_whoosh_snowball():
    assert texts(stock_analyzer(), "möblerna och kraven") == ["möbl", "krav"]


def test_deterministic_and_query_index_consistent():
    text = "Upphandlingskriterier för LCA-baserade möbelflöden"
    a, b = swedish_analyzer(), swedish_analyzer()
    assert texts(a, text) == texts(b, text)
    assert set(texts(a, text, "query")) <= set(texts(a, text, "index"))


def test_query_mode_one_token_per_word_unless_expanding():
    assert texts(swedish_analyzer(), "Kontorsmöbler och LCA-baserade", "query") == [
        "kontorsmöbel",
        "lca",
        "basera",
    ]
    expanded = texts(swedish_analyzer(expand_query=True), "Kontorsmöbler", "query")
    assert {"kontorsmöbler", "kontor", "möbel"} <= set(expanded)


@pytest.mark.parametrize("factory", [swedish_analyzer, folded_analyzer])
def test_pickle_roundtrip_is_small_and_equal(factory):
    ana = factory()
    texts(ana, "kontorsmöbler och klimatkravet")  # fill caches
    data = pickle.dumps(ana)
    assert len(data) < 5000
    clone = pickle.loads(data)
    assert clone == factory()
    assert texts(clone, "kontorsmöbler") == texts(ana, "kontorsmöbler")


def test_splitter_is_shared():
    assert get_splitter() is get_splitter()
    assert get_splitter(folded=True) is not get_splitter()


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    schema = fields.Schema(
        id=fields.ID(stored=True),
        body=fields.TEXT(analyzer=swedish_analyzer(), multitoken_query="or"),
        folded=fields.TEXT(analyzer=folded_analyzer(), multitoken_query="or"),
    )
    ix = index.create_in(str(tmp_path_factory.mktemp("ix")), schema)
    docs = {
        "a": "Återbruk av kontorsmöbler minskar klimatpåverkan.",
        "b": "Bygg- och rivningsavfall ska sorteras enligt 19 a kap.",
        "c": "Möbeln upphandlades med LCA-baserade upphandlingskriterier.",
        "d": "Klimatkravet i upphandlingen gällde transporter.",
    }
    with ix.writer() as w:
        for key, text in docs.items():
            w.add_document(id=key, body=text, folded=text)
    return ix


def search(ix, field, q):
    with ix.searcher() as s:
        parser = qparser.QueryParser(field, ix.schema)
        return [hit["id"] for hit in s.search(parser.parse(q))]


@pytest.mark.parametrize(
    "field, query, expected",
    [
        ("body", "möbler", {"a", "c"}),
        ("body", "möbel", {"a", "c"}),
        ("body", "upphandling", {"c", "d"}),
        ("body", '"bygg- och rivningsavfall"', {"b"}),
        ("body", "byggavfall", {"b"}),
        ("body", "klimatkrav", {"d"}),
        ("body", "19a", {"b"}),
        ("body", '"LCA-baserade upphandlingskriterier"', {"c"}),
        ("folded", "aterbruk mobler", {"a"}),
        ("folded", "kontorsmobler", {"a"}),
    ],
)
def test_whoosh_index_and_query(ix, field, query, expected):
    assert expected <= set(search(ix, field, query))


def test_compound_parts_are_downweighted_in_the_index(ix):
    with ix.searcher() as s:
        m = s.postings("body", "kontor")  # only from "kontorsmöbler" in doc a
        assert m.is_active() and m.weight() == 0.5
        m = s.postings("body", "kontorsmöbler")
        assert m.weight() == 1.0
