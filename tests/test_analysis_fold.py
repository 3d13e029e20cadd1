"""FoldFilter and the folded lexicon: diacritic-free input is lemmatized and split too."""

from kb.analysis import FoldFilter, SwedishTokenizer, fold, folded_analyzer


def texts(analyzer, text, **kw):
    return [t.text for t in analyzer(text, **kw)]


def test_fold_function():
    assert fold("Återbruk möbler café") == "Aterbruk mobler cafe"
    assert fold("Ångström ñ ø") == "Angstrom n o"


def test_filter_folds_and_dedupes_per_position():
    chain = SwedishTokenizer() | FoldFilter()
    assert texts(chain, "Möbler år") == ["Mobler", "ar"]


def test_undiacritic_query_lemmatized_via_folded_lexicon():
    ana = folded_analyzer()
    assert "mobel" in texts(ana, "mobler", mode="query")
    assert texts(ana, "mobler", mode="query") == texts(ana, "möbler", mode="query")


def test_undiacritic_compound_split():
    got = texts(folded_analyzer(), "kontorsmobler", mode="index")
    assert {"kontor", "mobel"} <= set(got)
    assert got == texts(folded_analyzer(), "kontorsmöbler", mode="index")
    assert texts(folded_analyzer(), "kontorsmobler", mode="query") == ["kontorsmobel"]


def test_one_folding_table_for_the_index_urls_snippets_and_the_browser() -> None:
    """kb.model.FOLD_TABLE is the only table: the index's fold, fold_ascii and the static
    index's meta.json (which kb-search.js folds with) agree on every Latin-1 letter."""
    from kb.analysis.lexicon import fold
    from kb.model import FOLD_LETTERS, fold_ascii
    from kb.site.static_index import build_static_index

    latin1 = "".join(chr(c) for c in range(0xC0, 0x100) if chr(c).isalpha())
    assert fold(latin1) == fold_ascii(latin1)
    assert fold_ascii("Øresund æble") == "Oresund able"  # NFKD alone leaves æ and ø
    import json

    from kb.model import Block, Document, Section

    doc = Document(id="d", title="Øresund", source="d.md", sections=[Section("s", ["Øresund"], [Block("p", "Text")])])
    meta = next(json.loads(text) for path, text in build_static_index([doc]).items() if path.endswith("meta.json"))
    assert meta["fold"] == dict(zip(*FOLD_LETTERS, strict=True))
