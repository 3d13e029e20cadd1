"""The compiled block writer (``kb.engine.native``) against its Python reference, byte for byte.

``test_build_fast`` checks whole segments against whoosh's own writer; these cases reach
what its corpus does not: many blocks per term, memo indexes past 255, position lists past
pickle's batches of 1,000, numbers past 16 and 32 bits, float64 weights, no field lengths.
"""

from __future__ import annotations

import io
import pickle
import zlib

import numpy as np
import pytest
from whoosh.codec.whoosh3 import COMPRESSION_MIN_SIZE, WHOOSH3_HEADER_MAGIC
from whoosh.formats import Positions

from kb.engine import native
from kb.engine.segment import encode_terms_python, length_byte_table, term_totals


def _case(rng, nterms, per_term, max_doc, max_npos, max_pos, float64=False, no_lengths=False):
    counts = rng.integers(1, per_term + 1, nterms)
    docs = np.concatenate([np.sort(rng.choice(max_doc, c, replace=False)) for c in counts]).astype(np.int64)
    m = len(docs)
    weights = rng.integers(1, 9, m) / 4.0
    if float64:
        weights = weights * 0.1  # not exact in float32
    w32 = weights.astype(np.float32).astype(np.float64)
    lengths = np.zeros(m, np.int64) if no_lengths else rng.integers(0, 200_000, m)
    npos = rng.integers(1, max_npos + 1, m).astype(np.int64)
    npos[rng.random(m) < 0.6] = 1  # mostly one position: repeats share a memo entry
    starts = np.cumsum(npos) - npos
    positions = np.concatenate([np.sort(rng.choice(max_pos, k, replace=False)) for k in npos]).astype(np.int64)
    cuts = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return docs, weights, w32, lengths, npos, starts, positions, cuts


def _args(*arrays, limit: int = 128, offset: int = 0) -> list:
    """``encode_terms`` arguments: the arrays, each term's total weight, then whoosh3's block settings."""
    totals = term_totals(arrays[2], arrays[7], limit)  # of w32 over cuts
    return [
        *arrays,
        totals,
        length_byte_table(),
        limit,
        3,
        COMPRESSION_MIN_SIZE,
        offset,
        zlib.compress,
        WHOOSH3_HEADER_MAGIC,
    ]


CASES = {
    "small": dict(nterms=200, per_term=4, max_doc=50, max_npos=3, max_pos=20),
    "many blocks": dict(nterms=20, per_term=700, max_doc=5_000, max_npos=4, max_pos=300),
    "16 and 32 bits": dict(nterms=50, per_term=40, max_doc=2**31 - 1, max_npos=5, max_pos=70_000),
    "long position lists": dict(nterms=5, per_term=3, max_doc=100, max_npos=2_600, max_pos=10**6),
    "float64 weights": dict(nterms=100, per_term=30, max_doc=1_000, max_npos=3, max_pos=50, float64=True),
    # inexact sums over several blocks (whoosh adds up each block's sum)
    "float64, many blocks": dict(nterms=10, per_term=700, max_doc=5_000, max_npos=2, max_pos=50, float64=True),
    "no lengths": dict(nterms=100, per_term=10, max_doc=1_000, max_npos=2, max_pos=50, no_lengths=True),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("limit", [128, 300])
def test_compiled_blocks_equal_python_reference(name, limit):
    rng = np.random.default_rng(len(name) * limit)
    arrays = _case(rng, **CASES[name])
    args = _args(*arrays, limit=limit, offset=12_345)
    compiled = native.encode_terms(*args)
    assert compiled == encode_terms_python(*args)
    blocks, infos = compiled
    assert len(infos) == len(arrays[-1]) - 1 and all(len(info) == 35 for info in infos)


@pytest.mark.parametrize("scale", [0.25, 0.1, 2.0**45])  # dyadic (numpy adds), inexact, too large: Python adds
def test_term_totals_add_up_block_sums_as_whoosh_does(scale):
    rng = np.random.default_rng(5)
    counts = rng.integers(1, 700, 40)
    cuts = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    w32 = (rng.integers(1, 9, int(cuts[-1])) * scale).astype(np.float32).astype(np.float64)
    weights = w32.tolist()
    expected = []
    for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
        total = 0.0
        for start in range(a, b, 128):
            total += sum(weights[start : min(start + 128, b)])
        expected.append(total)
    assert term_totals(w32, cuts, 128).tolist() == expected


def test_positions_past_32_bits_pickle_as_python_does():
    docs = np.array([3, 9], np.int64)
    weights = np.ones(2)
    positions = np.array([2**31, 2**40, 7], np.int64)  # one position: small (the reference memoizes 0..n)
    args = _args(
        docs,
        weights,
        weights,
        np.array([4, 0], np.int64),
        np.array([2, 1], np.int64),
        np.array([0, 2], np.int64),
        positions,
        np.array([0, 2], np.int64),
    )
    blocks, infos = native.encode_terms(*args)
    assert (blocks, infos) == encode_terms_python(*args)
    # and the block reads back as whoosh reads it: (info, data), the positions decoded
    stream = io.BytesIO(blocks[8:])
    count, last, _, comp, _, _ = pickle.Unpickler(stream).load()
    data = stream.read()
    ids, _, values = pickle.loads(zlib.decompress(data) if comp else data)
    assert (count, last, ids) == (2, 9, (3, 6))
    assert [Positions().decode_positions(v) for v in values] == [[2**31, 2**40], [7]]


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda a: a.__setitem__(7, np.array([0, 3], np.int64)), "cuts"),
        (lambda a: a.__setitem__(4, np.array([1, 9], np.int64)), "positions"),
        (lambda a: a.__setitem__(0, np.array([1, 2], np.int32)), "int64"),
        (lambda a: a.__setitem__(1, np.array([1.0], np.float64)), "one value per posting"),
        (lambda a: a.__setitem__(7, np.array([], np.int64)), "cuts"),
        (lambda a: a.__setitem__(7, np.array([0, 1], np.int64)), "cuts"),  # not to the last posting
        (lambda a: a.__setitem__(5, np.array([0, 2**62], np.int64)), "positions"),  # start + count overflows
        (lambda a: a.__setitem__(0, np.array([1, 2**32], np.int64)), "32 bits"),
        (lambda a: a.__setitem__(8, np.array([2.0, 0.0])), "totals"),  # one term, two totals
        (lambda a: a.__setitem__(8, np.array([2], np.int64)), "float64"),
    ],
)
def test_bad_arrays_are_refused(change, message):
    args = _args(
        np.array([1, 2], np.int64),
        np.ones(2),
        np.ones(2),
        np.zeros(2, np.int64),
        np.ones(2, np.int64),
        np.array([0, 1], np.int64),
        np.array([5, 6], np.int64),
        np.array([0, 2], np.int64),
    )
    change(args)
    with pytest.raises((ValueError, TypeError, OverflowError), match=message):
        native.encode_terms(*args)


def test_md5_hash_is_whoosh_md5_hash():
    from whoosh.filedb.filetables import md5_hash as whoosh_md5_hash  # hashlib through a hex string

    from kb.engine.segment import md5_hash

    rng = np.random.default_rng(7)
    keys = [bytes(rng.integers(0, 256, n, dtype=np.uint8)) for n in [*range(130), 1_000, 4_096]]
    assert [md5_hash(k) for k in keys] == [whoosh_md5_hash(k) for k in keys]


def test_term_table_is_whoosh_ordered_hash_file(tmp_path):
    """``add_sorted_terms`` and ``write_hash_tables`` (one write per call, not per key or slot) write the same file as
    whoosh's ``OrderedHashWriter.add`` one key at a time."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.filetables import OrderedHashReader, OrderedHashWriter

    from kb.engine.segment import add_sorted_terms, write_hash_tables

    rng = np.random.default_rng(11)
    keys = sorted({bytes(rng.integers(97, 123, rng.integers(1, 30), dtype=np.uint8)) for _ in range(5_000)})
    values = [bytes(rng.integers(0, 256, 35, dtype=np.uint8)) for _ in keys]
    storage = FileStorage(str(tmp_path))
    reference = OrderedHashWriter(storage.create_file("ref"))
    for key, value in zip(keys, values, strict=True):
        reference.add(key, value)
    reference.close()
    bulk = OrderedHashWriter(storage.create_file("bulk"))
    for at in range(0, len(keys), 700):
        add_sorted_terms(bulk, keys[at : at + 700], values[at : at + 700])
    write_hash_tables(bulk)
    bulk._write_hashes = lambda: None  # written above
    bulk.close()
    assert (tmp_path / "bulk").read_bytes() == (tmp_path / "ref").read_bytes()
    reader = OrderedHashReader.open(storage, "bulk")
    assert reader[keys[1234]] == values[1234] and list(reader.keys())[:3] == keys[:3]


@pytest.mark.parametrize("spelling", [True, False])
def test_word_ids_equal_the_python_sums_and_sets(spelling):
    """``word_ids``: ids (new words through the callback, in order of first sight), the sum of
    the words' expansion sizes and the set of their spelling ids."""
    from array import array

    rng = np.random.default_rng(3)
    table: dict[str, int] = {}
    start, spell, folded, added = array("q", [0]), array("i"), array("i"), []

    def new_word(word: str) -> int:
        added.append(word)
        start.append(start[-1] + len(word) % 4 + 1)  # grows (and may move) the tables
        spell.append(len(table) * 2)
        folded.append(len(table) * 2 + (len(word) % 2))  # its own id, or its twin's
        table[word] = len(table)
        return table[word]

    for _ in range(50):
        kept = [f"w{int(i)}" for i in rng.integers(0, 400, rng.integers(0, 60))]
        before = set(table)
        ids, length, spelled = native.word_ids(table, kept, new_word, start, spell if spelling else None, folded)
        assert ids == [table[w] for w in kept]
        assert [w for w in added if w not in before] == list(dict.fromkeys(w for w in kept if w not in before))
        assert length == sum(start[i + 1] - start[i] for i in ids)
        if spelling:
            assert sorted(spelled) == sorted({spell[i] for i in ids} | {folded[i] for i in ids})
        else:
            assert spelled is None
    with pytest.raises(TypeError, match="bytes-like"):
        native.word_ids(table, ["w1"], new_word, list(start), None, folded)
