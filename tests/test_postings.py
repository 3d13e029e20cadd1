"""kb.engine.postings: a text field's postings columns must hold exactly what ``FieldAnalysis.analyze`` gives."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from whoosh.formats import Positions

from kb.analysis import index_analyzer
from kb.analysis.fast import FieldAnalysis
from kb.engine import postings
from kb.engine.postings import TextPostings
from kb.engine.segment import position_values

VALUES = [
    "bygg- och rivningsavfall samt LCA-baserade krav",
    "Miljö- och energidepartementet, jordförvärvs- och arrendelagstiftningen",
    "Återbruk av möbler i kontorsmöblerna; återvinning, återbrukade möbler och möbler",
    "İstanbul och 19 a kap. 3 § 2016:1145, 1,5 procent",  # lower() changes its length: the analyze path
    "EU-rätt och EU- och EES-avtalet",
    "och det är",  # only stop words
    "",
    "upphandling upphandlingen upphandlande myndighet, upphandling av byggentreprenader",
    "1-3 §§ och 4 a-5 b §§",
]


def _postings_by_value(text: TextPostings) -> dict[int, dict[str, list]]:
    tid, doc, weight, npos, positions = text.take_columns()
    assert list(doc) == sorted(doc), "columns come in document order"
    out: dict[int, dict[str, list]] = {}
    at = 0
    for t, d, w, n in zip(tid.tolist(), doc.tolist(), weight.tolist(), npos.tolist(), strict=True):
        out.setdefault(d, {})[text.term_names[t]] = [w, positions[at : at + n].tolist()]
        at += n
    return out


@pytest.mark.parametrize("batch", [1, 7, 1 << 16])
def test_columns_equal_analyze(batch, monkeypatch):
    monkeypatch.setattr(postings, "BATCH_ENTRIES", batch)  # several flushes, or one
    fast = FieldAnalysis(index_analyzer())
    text = TextPostings(fast, spelling=True)
    values = VALUES * 2  # words seen before take the known-word path
    expected_spelling: Counter[str] = Counter()
    added = 0
    for docnum, value in enumerate(values):
        terms, spell = fast.analyze(value)
        expected_spelling.update(spell)
        prepared = text.prepare(value)
        assert text.add(docnum, prepared) == sum(len(p) for _, p in terms.values())  # the field length
        added += len(terms)
        assert text.postings >= added  # an upper bound before the batch is flushed
    text.flush()
    assert text.count == added  # exact once flushed
    got = _postings_by_value(text)
    for docnum, value in enumerate(values):
        terms, _ = fast.analyze(value)
        assert got.get(docnum, {}) == terms, value
    assert text.spelling_counts() == dict(expected_spelling)


def test_repeated_prepared_value_adds_again():
    """A repeated title is prepared once and added for each section."""
    fast = FieldAnalysis(index_analyzer())
    text = TextPostings(fast, spelling=True)
    prepared = text.prepare(VALUES[0])
    for docnum in range(3):
        text.add(docnum, prepared)
    got = _postings_by_value(text)
    terms, spell = fast.analyze(VALUES[0])
    assert got == {0: terms, 1: terms, 2: terms}
    assert text.spelling_counts() == dict.fromkeys(spell, 3)


def test_field_boost_scales_weights():
    fast = FieldAnalysis(index_analyzer())
    text = TextPostings(fast, field_boost=2.0)
    text.add(0, text.prepare(VALUES[7]))
    terms, _ = fast.analyze(VALUES[7])
    assert _postings_by_value(text)[0] == {t: [w * 2.0, p] for t, (w, p) in terms.items()}


def test_position_values_equal_positions_encode():
    encode = Positions().encode
    lists = [[0], [5], [0], [3, 4, 90000], [7, 9], [5], [2, 300, 70000]]
    npos = np.array([len(p) for p in lists], np.int32)
    flat = np.array([p for ps in lists for p in ps], np.int32)
    starts = np.cumsum(npos) - npos
    values = position_values(npos, starts, flat)
    assert values == [encode(p) for p in lists]
    assert values[0] is values[2] and values[1] is values[5]  # one object per single position (pickle memo)
    assert values[4] is not position_values(npos, starts, flat)[4]


def test_column_widens_to_hold_every_value_exactly():
    ints = postings.Column(np.uint16, np.int32, np.int64)
    ints.extend(np.array([0, 7, 65535]))
    assert ints.dtype == np.uint16
    ints.extend(np.array([65536, 3]))  # past 16 bits: the column is widened, old values kept
    assert ints.dtype == np.int32
    ints.extend(np.array([-1]))
    ints.extend(np.array([1 << 40]))
    assert ints.dtype == np.int64
    assert ints.values().tolist() == [0, 7, 65535, 65536, 3, -1, 1 << 40]

    floats = postings.Column(np.float32, np.float64)
    floats.extend(np.array([1.0, 0.5, 2.75, 1024.125]))  # dyadic weights: exact in float32
    assert floats.dtype == np.float32
    floats.extend(np.array([0.1]))  # not a float32: widened, nothing rounded
    assert floats.dtype == np.float64
    assert floats.values().tolist() == [1.0, 0.5, 2.75, 1024.125, 0.1]


def test_long_values_keep_positions_past_16_bits():
    fast = FieldAnalysis(index_analyzer())
    text = TextPostings(fast)
    value = " ".join(["ord"] * 70_000 + ["återbruk"])
    terms, _ = fast.analyze(value)
    text.add(0, text.prepare(value))
    assert _postings_by_value(text)[0] == terms
