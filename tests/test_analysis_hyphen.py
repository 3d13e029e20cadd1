"""HyphenCoordinationFilter: "bygg- och rivningsavfall" also yields "byggavfall"."""

import pytest
from whoosh.analysis import LowercaseFilter

from kb.analysis import HyphenCoordinationFilter, SwedishTokenizer


def run(text, mode="index", **kw):
    chain = SwedishTokenizer() | LowercaseFilter() | HyphenCoordinationFilter(**kw)
    return [(t.text, t.pos, t.derived) for t in chain(text, positions=True, mode=mode)]


@pytest.mark.parametrize("conj", ["och", "eller", "samt", "respektive"])
def test_conjunctions(conj):
    assert run(f"bygg- {conj} rivningsavfall") == [
        ("bygg", 0, False),
        ("byggavfall", 0, True),
        (conj, 1, False),
        ("rivningsavfall", 2, False),
    ]


def test_comma_list():
    got = [t for t, _, d in run("bygg-, anläggnings- och fastighetsentreprenader") if d]
    assert got == ["byggentreprenader", "anläggningsentreprenader"]


def test_keeps_all_originals():
    got = [t for t, _, d in run("Bygg- och rivningsavfall") if not d]
    assert got == ["bygg", "och", "rivningsavfall"]


def test_no_expansion_without_a_splittable_head():
    assert [t for t, _, d in run("bygg- och xq") if d] == []


def test_no_expansion_without_conjunction():
    assert [t for t, _, d in run("bygg- rivningsavfall") if d] == []


def test_dangling_modifier_at_end_is_kept():
    assert run("text om bygg-") == [("text", 0, False), ("om", 1, False), ("bygg", 2, False)]
    assert run("bygg- och") == [("bygg", 0, False), ("och", 1, False)]


def test_query_mode_adds_nothing_unless_asked():
    assert [t for t, _, d in run("bygg- och rivningsavfall", mode="query") if d] == []
    got = run("bygg- och rivningsavfall", mode="query", expand_query=True)
    assert [t for t, _, d in got if d] == ["byggavfall"]
