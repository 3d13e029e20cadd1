"""CompoundSplitter/CompoundFilter: the split table, negatives, corpus words, the filter."""

import pickle

import pytest
from whoosh.analysis import LowercaseFilter

from kb.analysis import CompoundFilter, CompoundSplitter, SwedishTokenizer, get_splitter

SPLITS = [
    ("kontorsmöbler", ["kontor", "möbel"]),
    ("rivavfall", ["riva", "avfall"]),  # a verb stem as modifier
    ("möbelflöden", ["möbel", "flöde"]),
    ("upphandlingskriterier", ["upphandling", "kriterium"]),
    ("textilavfall", ["textil", "avfall"]),
    ("rivningsavfall", ["rivning", "avfall"]),
    ("möbelupphandling", ["möbel", "upphandling"]),
    ("klimatkompensation", ["klimat", "kompensation"]),
    ("byggprodukter", ["bygg", "produkt"]),
    ("livscykelanalys", ["livscykel", "analys"]),
    ("livscykelanalysen", ["livscykel", "analys"]),
    ("klimatkravet", ["klimat", "krav"]),
    ("miljökrav", ["miljö", "krav"]),
    ("byggavfall", ["bygg", "avfall"]),
    ("fastighetsentreprenader", ["fastighet", "entreprenad"]),
    ("återbruksaktörer", ["återbruk", "aktör"]),
    ("upphandlingsmyndigheten", ["upphandling", "myndighet"]),
    ("gatubelysning", ["gata", "belysning"]),  # linking -u- for gata
    ("arbetsmiljö", ["arbete", "miljö"]),  # arbete + s
    ("hållbarhetskrav", ["hållbarhet", "krav"]),
    ("avfallshantering", ["avfall", "hantering"]),
    ("försörjningssektorerna", ["försörjning", "sektor"]),
    ("tjänstekoncession", ["tjänst", "koncession"]),
]
WHOLE = [
    "kontor",
    "reparation",  # not repa + ration
    "byggnation",  # not bygg + nation
    "möbel",
    "avfall",
    "hållbar",
    "material",
    "ansvar",
    "upphandling",
    "hållbarhet",
    "regeringen",
    "återvinning",
    "förordning",
    "information",
    "kommunen",
    "leverantör",
    "ombyggnad",
    "krav",
    "ab",
    "",
]


@pytest.fixture(scope="module")
def splitter():
    return get_splitter()


@pytest.mark.parametrize("word, parts", SPLITS)
def test_splits(splitter, word, parts):
    assert splitter.parts(word) == parts


@pytest.mark.parametrize("word", WHOLE)
def test_does_not_split(splitter, word):
    assert splitter.split(word) == ()


def test_split_keeps_surface_forms(splitter):
    assert splitter.split("kontorsmöbler") == (("kontors", "kontor"), ("möbler", "möbel"))
    assert splitter.head("rivningsavfall") == "avfall"


def test_three_parts_when_needed():
    s = CompoundSplitter({"miljö", "bil", "park", "bilpark"} - {"bilpark"})
    assert s.parts("miljöbilpark") == ["miljö", "bil", "park"]


def test_fewest_parts_win():
    s = CompoundSplitter({"miljö", "bil", "park", "bilpark"})
    assert s.parts("miljöbilpark") == ["miljö", "bilpark"]


def test_add_words_teaches_corpus_vocabulary():
    s = CompoundSplitter({"möbel"})
    assert s.split("möbelxyzflöde") == ()
    assert s.add_words(["xyzflöde", "ab"]) == 1
    assert s.parts("möbelxyzflöde") == ["möbel", "xyzflöde"]


def test_filter_emits_parts_after_word_at_same_position():
    chain = SwedishTokenizer() | LowercaseFilter() | CompoundFilter()
    got = [(t.text, t.pos, t.derived, t.boost) for t in chain("Kontorsmöbler nu", positions=True)]
    assert got == [
        ("kontorsmöbler", 0, False, 1.0),
        ("kontor", 0, True, 0.5),
        ("möbel", 0, True, 0.5),
        ("nu", 1, False, 1.0),
    ]


def test_filter_pickles_without_the_shared_splitter():
    data = pickle.dumps(CompoundFilter())
    assert len(data) < 1000
    assert pickle.loads(data) == CompoundFilter()


def test_folded_splitter():
    assert get_splitter(folded=True).parts("kontorsmobler") == ["kontor", "mobel"]
