"""The Python twins ``benchmarks/native_savings.py`` times against the compiled functions give the
same results (the benchmark also checks this on its corpus): what it reports compares like work."""

from __future__ import annotations

import random
from array import array

from benchmarks.native_savings import latin1_tokens_python, word_ids_python, word_runs_python
from kb.analysis import native_text
from kb.analysis.fast import LATIN1_CLASSES, LATIN1_LOWER
from kb.engine import native
from kb.search.snippets import FOLD_BYTES, WORD_BYTES


def test_word_runs_twin_equals_the_compiled_runs():
    rng = random.Random(3)
    for _ in range(2000):
        raw = "".join(rng.choice("abmöÖB?-: .\n_x") for _ in range(rng.randint(0, 50))).encode("latin-1")
        needles = tuple(rng.sample([b"mo", b"ob", b"b", b"-x", b"ab"], rng.randint(0, 3)))
        extra = rng.sample(range(len(raw)), min(len(raw), rng.randint(0, 2)))
        args = (raw, FOLD_BYTES, WORD_BYTES, needles, extra)
        assert word_runs_python(*args) == native_text.word_runs(*args), args


def test_latin1_tokens_twin_equals_the_compiled_tokens():
    rng = random.Random(5)
    pieces = ["Möbler", "19 a", "1,5", "2016:1145", "bygg-", "och", "EU-", "x-y", " ", "\u00a0", ".", "Ω", "ß"]
    for _ in range(2000):
        value = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        args = (value, LATIN1_LOWER, LATIN1_CLASSES)
        assert latin1_tokens_python(*args) == native_text.latin1_tokens(*args), value


def test_word_ids_twin_equals_the_compiled_ids():
    table = {f"w{i}": i for i in range(50)}
    start = array("q", [0])
    for i in range(50):
        start.append(start[-1] + i % 3 + 1)
    spell, folded = array("i", range(50)), array("i", [i // 2 for i in range(50)])
    rng = random.Random(7)
    for _ in range(200):
        kept = [f"w{rng.randrange(50)}" for _ in range(rng.randint(0, 20))]
        for spelling in (spell, None):
            python = word_ids_python(table, kept, None, start, spelling, folded)
            compiled = native.word_ids(table, kept, None, start, spelling, folded)
            assert python[:2] == compiled[:2]
            assert sorted(python[2] or ()) == sorted(compiled[2] or ())
