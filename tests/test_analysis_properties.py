"""No input crashes either analyzer, in index or query mode, and offsets stay in range."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.analysis import folded_analyzer, swedish_analyzer

ANALYZERS = [swedish_analyzer(), folded_analyzer(), swedish_analyzer(expand_query=True)]
TRICKY = st.sampled_from(
    [
        "- och ",
        "-",
        "bygg-",
        " 19 a",
        "2016:1145",
        "1 2 3 a b",
        "İ",
        "ß",
        "\x00",
        "\u200b",
        "é",
        "- , -",
        "bygg- och",
        "a-b-c-",
        "kontorsmöbler",
        "och och",
        "\n\t",
        "19 a-",
        "3 a §",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=30), TRICKY), max_size=40).map("".join)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, mode=st.sampled_from(["index", "query", ""]))
def test_never_crashes_and_offsets_in_range(text, mode):
    for ana in ANALYZERS:
        for t in ana(text, positions=True, chars=True, mode=mode):
            assert t.text
            assert 0 <= t.startchar <= t.endchar <= len(text)
            assert t.pos >= 0


HUGE = {"möbel": 1, "2016:1145": 1, "krav-": 1, "- och": 0, "19 a": 1}


@settings(max_examples=20, deadline=None)
@given(word=st.sampled_from(sorted(HUGE)), n=st.integers(1000, 20000))
def test_huge_inputs(word, n):
    text = (word + " ") * n
    for ana in ANALYZERS[:2]:
        words = sum(1 for t in ana(text, mode="index") if not t.derived)
        assert words == HUGE[word] * n
