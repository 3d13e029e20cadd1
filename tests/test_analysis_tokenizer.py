"""SwedishTokenizer: words, statute numbers, "19 a", hyphens, offsets, whoosh contract."""

from kb.analysis import SwedishTokenizer


def toks(text, **kw):
    return [
        (t.text, t.pos, t.startchar, t.endchar, t.derived)
        for t in SwedishTokenizer()(text, positions=True, chars=True, **kw)
    ]


def texts(text, **kw):
    return [t.text for t in SwedishTokenizer()(text, **kw)]


def test_keeps_swedish_letters_and_digits():
    assert texts("Återbruk av möbler, café och CO2") == ["Återbruk", "av", "möbler", "café", "och", "CO2"]


def test_statute_number_is_one_token():
    assert texts("lag (2016:1145) om offentlig upphandling") == [
        "lag",
        "2016:1145",
        "om",
        "offentlig",
        "upphandling",
    ]


def test_number_space_letter_becomes_one_token():
    assert texts("19 a kap. 3 a § LOU") == ["19a", "kap", "3a", "LOU"]
    assert toks("19 a kap.")[0] == ("19a", 0, 0, 4, False)


def test_number_before_a_word_is_not_merged():
    assert texts("2 i lagen, 5 av dem, 3 ab") == ["2", "i", "lagen", "5", "av", "dem", "3", "ab"]


def test_char_offsets_point_at_the_text():
    text = "Kontorsmöbler  och\nmöbelflöden"
    for word, _, start, end, _ in toks(text):
        assert text[start:end] == word


def test_start_pos_and_start_char_shift_everything():
    got = [
        (t.pos, t.startchar)
        for t in SwedishTokenizer()("a bc", positions=True, chars=True, start_pos=10, start_char=100)
    ]
    assert got == [(10, 100), (11, 102)]


def test_hyphenated_word_parts_at_consecutive_positions_plus_joined_in_index_mode():
    assert toks("LCA-baserade krav", mode="index") == [
        ("LCA", 0, 0, 3, False),
        ("baserade", 1, 4, 12, False),
        ("LCAbaserade", 1, 0, 12, True),
        ("krav", 2, 13, 17, False),
    ]


def test_query_mode_never_adds_the_joined_form():
    assert texts("LCA-baserade krav", mode="query") == ["LCA", "baserade", "krav"]


def test_trailing_hyphen_marks_open_modifier():
    flags = [(t.text, t.open_hyphen) for t in SwedishTokenizer()("bygg- och rivningsavfall")]
    assert flags == [("bygg", True), ("och", False), ("rivningsavfall", False)]


def test_lone_hyphens_and_punctuation_yield_nothing():
    assert texts(" - -- – , . § ") == []


def test_lowercase_option_keeps_offsets():
    text = "İSTANBUL Möbler"  # "İ".lower() is two characters
    got = [(t.text, t.startchar, t.endchar) for t in SwedishTokenizer(lowercase=True)(text, chars=True)]
    assert got == [("i̇stanbul", 0, 8), ("möbler", 9, 15)]


def test_tokenize_false_yields_whole_value():
    assert texts("Bygg- och rivningsavfall", tokenize=False) == ["Bygg- och rivningsavfall"]


def test_tokenizer_reuses_one_token_object_like_whoosh():
    ids = {id(t) for t in SwedishTokenizer()("ett två tre")}
    assert len(ids) == 1
