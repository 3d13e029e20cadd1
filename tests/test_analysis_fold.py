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
