"""The compiled run finder of snippets (``kb.analysis.native_text.word_runs``) against its definition.

A run is a maximal stretch of word characters; it is listed when a needle occurs in the
folded text at one of its positions (or just after it: the run before a separator), or an
extra position falls there. ``find_matches`` tests in ``test_search_scoring`` cover the
words and marks built on it.
"""

from __future__ import annotations

import random

import pytest

from kb.analysis import native_text
from kb.search.snippets import FOLD_BYTES, WORD_BYTES, find_matches


def runs_by_definition(raw: bytes, needles: tuple[bytes, ...], extra: list[int]) -> list[tuple[int, int]]:
    folded = raw.translate(FOLD_BYTES)
    starts = {p for needle in needles for p in range(len(raw)) if folded.startswith(needle, p)} | set(extra)
    found = set()
    for at in starts:
        start, end = at, at
        while start > 0 and WORD_BYTES[raw[start - 1]]:
            start -= 1
        while end < len(raw) and WORD_BYTES[raw[end]]:
            end += 1
        found.add((start, end))
    return sorted(found)


def test_runs_hold_a_needle_in_the_folded_text():
    raw = "Möbler och KONTORSMÖBLER, möb-x; omöblerad".encode("latin-1")
    runs = native_text.word_runs(raw, FOLD_BYTES, WORD_BYTES, (b"mob",), [])
    assert [raw[s:e].decode("latin-1") for s, e in runs] == ["Möbler", "KONTORSMÖBLER", "möb-x", "omöblerad"]


def test_runs_match_their_definition_on_random_texts():
    rng = random.Random(7)
    alphabet = "abmöÖB?-: .\n_x"
    for _ in range(3000):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))).encode("latin-1")
        needles = tuple(rng.sample([b"mo", b"ob", b"b", b"a?", b"-x", b" m", b"ab"], rng.randint(0, 3)))
        extra = rng.sample(range(len(raw)), min(len(raw), rng.randint(0, 2)))
        assert native_text.word_runs(raw, FOLD_BYTES, WORD_BYTES, needles, extra) == runs_by_definition(
            raw, needles, extra
        ), (raw, needles, extra)


def test_an_empty_run_is_kept_for_widening_over_letters_outside_latin1():
    # "Ω" reads as "?" (no word character); its prefix is found in the text, not the bytes.
    assert native_text.word_runs(b"a ?b", FOLD_BYTES, WORD_BYTES, (), [2]) == [(2, 2)]
    assert find_matches("a Ωb", {"ωb"}) == [(2, 4)]


@pytest.mark.parametrize(
    "args, error",
    [
        ((b"abc", b"short", WORD_BYTES, (b"a",), []), ValueError),
        ((b"abc", FOLD_BYTES, WORD_BYTES, (b"",), []), TypeError),
        ((b"abc", FOLD_BYTES, WORD_BYTES, ("a",), []), TypeError),
        ((b"abc", FOLD_BYTES, WORD_BYTES, (), [3]), ValueError),
        ((b"abc", FOLD_BYTES, WORD_BYTES, (), [-1]), ValueError),
        ((b"abc", FOLD_BYTES, WORD_BYTES, (), ["1"]), TypeError),
    ],
)
def test_bad_arguments_are_refused(args, error):
    with pytest.raises(error):
        native_text.word_runs(*args)
