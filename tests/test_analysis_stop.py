"""SwedishStopFilter: the list, domain words kept, positions renumbered, removestops."""

from whoosh.analysis import LowercaseFilter

from kb.analysis import STOP_WORDS, SwedishStopFilter, SwedishTokenizer
from kb.analysis.stop import FOLDED_STOP_WORDS


def run(text, **kw):
    chain = SwedishTokenizer() | LowercaseFilter() | SwedishStopFilter()
    return [(t.text, t.pos) for t in chain(text, positions=True, **kw)]


def test_function_words_are_stop_words():
    assert {"och", "att", "det", "som", "för", "är", "samt"} <= STOP_WORDS


def test_domain_words_are_not_stop_words():
    assert not {"lag", "krav", "avtal", "ansvar", "miljö"} & STOP_WORDS
    assert not {"lag", "krav"} & FOLDED_STOP_WORDS


def test_folded_list_stops_undiacritic_forms_but_keeps_ar():
    assert {"for", "nar", "sa"} <= FOLDED_STOP_WORDS
    assert "ar" not in FOLDED_STOP_WORDS  # "år" typed without the ring


def test_removes_and_renumbers():
    assert run("Lag om offentlig upphandling och krav") == [
        ("lag", 0),
        ("offentlig", 1),
        ("upphandling", 2),
        ("krav", 3),
    ]


def test_removestops_false_keeps_marked_tokens():
    chain = SwedishTokenizer() | SwedishStopFilter()
    got = [(t.text, t.stopped) for t in chain("krav och lag", removestops=False)]
    assert got == [("krav", False), ("och", True), ("lag", False)]


def test_derived_tokens_keep_their_words_position():
    chain = SwedishTokenizer() | SwedishStopFilter()
    got = [(t.text, t.pos) for t in chain("och e-post", positions=True, mode="index")]
    # like whoosh's StopFilter: the first kept token keeps its number, later ones close up
    assert got == [("e", 1), ("post", 2), ("epost", 2)]
