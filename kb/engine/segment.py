"""Bulk writing of whoosh3 segments from section records, several processes at once.

Whoosh's ``SegmentWriter`` runs each field value through the analyzer's generator chain,
runs it again for spelling words, pushes every posting through a sorting pool as a tuple and
writes them one ``add()`` call at a time. Here one process builds a whole segment:

* text fields go through ``FieldAnalysis`` (memoized per distinct word; the document title,
  repeated in each section, is analysed once per document);
* postings are gathered per term in memory and handed to whoosh's own ``W3FieldWriter`` /
  ``W3PostingsWriter`` one *block* at a time (same bytes, same term infos, same files);
* stored fields, lengths and columns go through whoosh's ``W3PerDocWriter`` as in
  ``SegmentWriter.add_document``;
* spelling words (``spell_*`` fields, which whoosh writes as one docnum-0 posting per section
  and word) become one posting per word whose weight is the section count, so
  ``reader.frequency`` and therefore ``searcher.suggest`` are unchanged.

Segments are written by forked workers over contiguous runs of documents, so document
numbers follow document order as in a single-writer build; the caller writes the TOC.
"""

from __future__ import annotations

import os
import struct
import zlib
from array import array
from collections.abc import Callable, Iterable
from functools import cache, partial
from hashlib import md5
from itertools import accumulate
from operator import methodcaller, sub
from pickle import dumps
from typing import Any

import numpy as np
from whoosh.analysis import IDTokenizer
from whoosh.codec.whoosh3 import COMPRESSION_MIN_SIZE, WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.formats import Existence, Positions
from whoosh.system import emptybytes, pack_int, pack_uint, pack_ushort
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length, length_to_byte

from kb.analysis.fast import FieldAnalysis
from kb.engine import native
from kb.engine.postings import Prepared, TextPostings

INDEX_NAME = "MAIN"
_MAGIC = WHOOSH3_HEADER_MAGIC
_TERMINFO = W3TermInfo._struct
_OFFSET_LENGTH = struct.Struct("!qi").pack  # a term info's block offset and length


_encode_positions = Positions().encode
_SINGLE_VALUES: list[bytes] = []


_ANALYSES: dict[int, tuple[Any, FieldAnalysis | None]] = {}


def _field_analysis(analyzer) -> FieldAnalysis | None:
    """One memoized ``FieldAnalysis`` per analyzer object, shared by every builder of the
    process (a worker writing several segments keeps its per-word memo)."""
    hit = _ANALYSES.get(id(analyzer))
    if hit is None or hit[0] is not analyzer:
        try:
            fa = FieldAnalysis(analyzer)
        except TypeError:
            fa = None
        hit = _ANALYSES[id(analyzer)] = (analyzer, fa)
    return hit[1]


class _QuietFileStorage(FileStorage):
    """Whoosh's ``FileStorage`` whose ``create`` accepts a folder that exists without raising.

    Why: whoosh's per-document writer creates the shared ``MAIN.tmp`` folder for each segment;
    from the second one on, ``create`` catches the error of ``os.makedirs`` into a local, and
    that traceback cycle kept the calling frames, a whole ``SegmentBuilder`` with its postings
    among them, alive until the next full collection (~30 MB per build worker).
    """

    def create(self) -> _QuietFileStorage:
        os.makedirs(self.folder, exist_ok=True)
        return self

    def temp_storage(self, name: str | None = None) -> _QuietFileStorage:
        return _QuietFileStorage(os.path.join(self.folder, name or f"{random_name()}.tmp")).create()


def _quiet_storage(storage):
    """The same folder as a ``_QuietFileStorage`` (other storages are returned as they are)."""
    if type(storage) is FileStorage:
        return _QuietFileStorage(storage.folder, supports_mmap=storage.supports_mmap, readonly=storage.readonly)
    return storage


class SegmentBuilder:
    """Collects section records and writes them as one whoosh3 segment."""

    def __init__(self, storage, schema: Schema, codec: W3Codec | None = None) -> None:
        self.storage = storage
        self.schema = schema
        self.codec = codec or W3Codec()
        self.segment = self.codec.new_segment(storage, INDEX_NAME)
        self.perdoc = self.codec.per_document_writer(_quiet_storage(storage), self.segment)
        self.docnum = 0
        self.fields = {name: schema[name] for name in schema.names()}
        self.fast: dict[str, FieldAnalysis] = {}
        for name, field in self.fields.items():
            if isinstance(field, TEXT) and isinstance(field.format, Positions) and field.analyzer is not None:
                fa = _field_analysis(field.analyzer)
                if fa is not None:
                    self.fast[name] = fa
        # ID fields: one term per value, the value itself (``_add_generic`` needs no analyzer)
        self.plain_ids = {
            name: field.format.field_boost
            for name, field in self.fields.items()
            if type(field) is ID and type(field.analyzer) is IDTokenizer and type(field.format) is Existence
        }
        # text fields (whose analysis is a ``FieldAnalysis``): postings as numpy columns
        self.text: dict[str, TextPostings] = {}
        # other fields: term bytes -> flat [docnum, weight, value, docnum, weight, value, ...]
        self.postings: dict[str, dict[bytes, list]] = {}
        self.lengths: dict[str, dict[int, int]] = {}
        self._memo: dict[str, tuple[str, Prepared]] = {}

    def add(self, record: dict[str, Any], memo_fields: Iterable[str] = ("title", "theme")) -> None:
        """Add one section; like ``SegmentWriter.add_document(**record)``."""
        perdoc = self.perdoc
        docnum = self.docnum
        perdoc.start_doc(docnum)
        for fieldname in sorted(name for name in record if not name.startswith("_")):
            value = record[fieldname]
            if value is None:
                continue
            field = self.fields[fieldname]
            length = 0
            if field.indexed:
                fa = self.fast.get(fieldname)
                if fa is not None:
                    text = self.text.get(fieldname)
                    if text is None:
                        text = self.text[fieldname] = TextPostings(
                            fa, field.format.field_boost, field.separate_spelling()
                        )
                    if fieldname in memo_fields:  # the same value as the previous section's?
                        last = self._memo.get(fieldname)
                        if last is None or last[0] != value:
                            last = self._memo[fieldname] = (value, text.prepare(value))
                        prepared = last[1]
                    else:
                        prepared = text.prepare(value)
                    length = text.add(docnum, prepared)
                    if not field.scorable:
                        length = 0
                else:
                    length = self._add_generic(fieldname, field, value, docnum)
                    if field.separate_spelling():  # pragma: no cover - only text fields spell here
                        raise ValueError(f"spelling on non-Swedish field {fieldname}")
            sv = value if field.stored else None
            perdoc.add_field(fieldname, field, sv, length)
            if field.column_type is not None:
                perdoc.add_column_value(fieldname, field.column_type, field.to_column_value(value))
            if length and field.scorable:
                self.lengths.setdefault(fieldname, {})[docnum] = length
        perdoc.finish_doc()
        self.docnum += 1

    @property
    def postings_added(self) -> int:
        """Term-in-section postings of the text fields so far (a pending batch counted by its
        expansion entries, an upper bound): what the in-memory postings grow with."""
        return sum(text.postings for text in self.text.values())

    def _add_generic(self, fieldname: str, field, value, docnum: int) -> int:
        table = self.postings.setdefault(fieldname, {})
        boost = self.plain_ids.get(fieldname)
        if boost is not None and type(value) is str:  # field.index(value): the value as one term
            key = value.encode("utf-8")
            entry = table.get(key)
            if entry is None:
                entry = table[key] = []
            entry += (docnum, boost, emptybytes)
            return 0
        length = 0
        for tbytes, freq, weight, vbytes in field.index(value):
            if field.scorable:
                length += freq
            entry = table.get(tbytes)
            if entry is None:
                entry = table[tbytes] = []
            entry += (docnum, weight, vbytes)
        return length

    def finish(self):
        """Write the postings and close the segment; returns the whoosh segment object."""
        self.perdoc.close()
        self.segment.set_doc_count(self.docnum)
        fw = self.codec.field_writer(self.storage, self.segment)
        fw._tindex._write_hashes = partial(write_hash_tables, fw._tindex)
        spelling = {}
        for fieldname in self.text:
            field = self.fields[fieldname]
            if field.separate_spelling():
                spelling[field.spelling_fieldname(fieldname)] = fieldname
        for fieldname in sorted({*self.postings, *self.text, *spelling}):
            field = self.fields[fieldname]
            if fieldname in self.text:
                lengths = _length_column(self.lengths.get(fieldname, {}), self.docnum)
                write_text_field(fw, fieldname, field, self.text[fieldname], lengths)
            elif fieldname in spelling:
                self._write_spelling(fw, fieldname, self.text[spelling[fieldname]].spelling_counts())
            else:
                quantized = _quantize(self.lengths.get(fieldname, {}))
                self._write_field(fw, fieldname, field, self.postings.pop(fieldname), quantized)
        fw.close()
        # The patch above refers to its own object: a reference cycle that kept the term table's
        # hash buckets (a tuple per term) alive until a full collection. Break it.
        del fw._tindex._write_hashes
        return self.segment

    def _write_field(self, fw, fieldname: str, field, table: dict, lengths: dict[int, int]) -> None:
        """Each term's postings (flat docnum, weight, value lists) as whoosh3 blocks."""
        out = _FieldOutput(fw, fieldname, field)
        lengths_get = lengths.get
        pop = table.pop
        for key in sorted(table):
            flat = pop(key)  # freed as written: the field's postings never exist twice
            if len(flat) == 3:
                out.single(key, flat[0], flat[1], flat[2], lengths_get(flat[0]))
            else:
                docnums = flat[0::3]
                weights = flat[1::3]
                lens = [lengths_get(d) or 0 for d in docnums]
                out.several(key, docnums, weights, array("f", weights).tolist(), lens, flat[2::3])
        out.close()

    def _write_spelling(self, fw, fieldname: str, counts: dict[str, int]) -> None:
        """One docnum-0 posting per word, weighted by its section count: its block depends on
        the count alone, so each distinct count is pickled once (most words have a small one)."""
        out = _FieldOutput(fw, fieldname, self.schema[fieldname])
        blocks = {n: out.single_block(0, float(n), pack_uint(n), None) for n in set(counts.values())}
        words = sorted(counts)
        for at in range(0, len(words), _TERMS_CHUNK):
            part = [blocks[counts[word]] for word in words[at : at + _TERMS_CHUNK]]
            offsets = accumulate([len(block) for block, _ in part[:-1]], initial=out.offset)
            pairs = zip(part, offsets, strict=True)
            infos = [info + _OFFSET_LENGTH(offset, len(block)) for (block, info), offset in pairs]
            keys = [word.encode("utf-8") for word in words[at : at + _TERMS_CHUNK]]
            out.add_terms(keys, b"".join([block for block, _ in part]), infos)
        out.close()


# Block data (ids, weights, position values) pickled with protocol 3, not whoosh's 2: protocol 2
# has no bytes type and pickles each position value as a ``codecs.encode`` call on a Latin-1
# string (UTF-8 encoded: high bytes take two). Protocol 3 stores bytes as they are: the same
# objects on ``loads`` (whoosh's reader does not care which protocol), ~5x faster to write,
# ~40% smaller before zlib (so zlib has less to do) and faster to read.
_DATA_PROTOCOL = 3
_CHUNK = 1 << 22
_TERMS_CHUNK = 1 << 15
_f32 = struct.Struct("f")
_F32: dict[float, float] = {}


def _to_f32(weight: float) -> float:
    """``weight`` rounded to float32, as whoosh's ``array("f")`` of weights stores it."""
    return _f32.unpack(_f32.pack(weight))[0]


class _FieldOutput:
    """One field's postings and term table, written as ``W3FieldWriter`` / ``W3PostingsWriter``
    write them when fed one posting at a time: the same block pickles, compression, term infos
    and term table, byte for byte. Terms must come in order."""

    def __init__(self, fw, fieldname: str, field) -> None:
        fw.start_field(fieldname, field)
        self.fw = fw
        pw = fw._postwriter
        self.limit = pw._blocklimit
        self.compression = pw._compression
        self.postfile = fw._postfile
        self.prefix = pack_ushort(fw._fieldid)
        fixedsize = field.format.fixed_value_size()
        self.fixedsize = fixedsize
        self.listed_values = fixedsize is None or fixedsize < 0
        self.offset = self.postfile.tell()
        self.chunks: list[bytes] = []
        self.chunk_bytes = 0
        self.keys: list[bytes] = []
        self.infos: list[bytes] = []

    def add_block(self, key: bytes, out: bytes, info: bytes) -> None:
        """One term's blocks ``out`` and its term info (without offset and length)."""
        self.add_terms([key], out, [info + _OFFSET_LENGTH(self.offset, len(out))])

    def single(self, key: bytes, docnum: int, weight: float, value, length: int | None) -> None:
        """A term with one posting (most terms): a short path with the same output."""
        self.add_block(key, *self.single_block(docnum, weight, value, length))

    def single_block(self, docnum: int, weight: float, value, length: int | None) -> tuple[bytes, bytes]:
        """The block and term info (without its offset) of a term's one posting."""
        w32 = _F32.get(weight)
        if w32 is None:
            w32 = _F32[weight] = _to_f32(weight)
        bmax = weight if weight > 0 else 0
        lb = _length_byte_list()[length] if length and length < _LB_TABLE else length_to_byte(length or None)
        if self.listed_values:
            mv = (value,) if value else ()
        elif self.fixedsize == 0:
            mv = None
        else:
            mv = value
        databytes = dumps(((docnum,), None if w32 == 1.0 else w32, mv), _DATA_PROTOCOL)
        comp = self.compression if len(databytes) >= COMPRESSION_MIN_SIZE else 0
        if comp:
            databytes = zlib.compress(databytes, comp)
        infobytes = dumps((1, docnum, bmax, comp, lb, lb), 2)
        out = b"".join((_MAGIC, pack_int(-(len(infobytes) + len(databytes))), infobytes, databytes))
        return out, _TERMINFO.pack(0, 0.0 + w32, 1, lb, lb, bmax, docnum, docnum)

    def several(self, key: bytes, docnums: list, weights: list, w32s: list, lens: list, values: list) -> None:
        """A term with several postings: its blocks of ``limit`` postings. ``w32s`` are the
        weights rounded to float32, ``lens`` the documents' field lengths (0: none)."""
        out, info = _term_blocks(self.limit, self.compression, self.fixedsize, docnums, weights, w32s, lens, values)
        self.add_block(key, out, info)

    def add_terms(self, keys: list[bytes], blocks: bytes, infos: list[bytes]) -> None:
        """Consecutive terms' blocks, written as one ``blocks``, with their ``infos`` (term info,
        offset, length: from ``encode_terms`` given this output's ``offset``)."""
        prefix = self.prefix
        self.keys += [prefix + key for key in keys]
        self.infos += infos
        self.offset += len(blocks)
        self.chunks.append(blocks)
        self.chunk_bytes += len(blocks)
        if self.chunk_bytes > _CHUNK:
            self.postfile.write(b"".join(self.chunks))
            self.chunks, self.chunk_bytes = [], 0
        if len(self.keys) >= _TERMS_CHUNK:  # the term table in parts too: bounded memory
            add_sorted_terms(self.fw._tindex, self.keys, self.infos)
            self.keys, self.infos = [], []

    def close(self) -> None:
        self.postfile.write(b"".join(self.chunks))
        add_sorted_terms(self.fw._tindex, self.keys, self.infos)
        self.fw.finish_field()


def _term_blocks(
    limit: int, compression: int, fixedsize, docnums: list, weights: list, w32s: list, lens: list, values: list
) -> tuple[bytes, bytes]:
    """A term's blocks of ``limit`` postings and its term info (without offset and length),
    as ``W3PostingsWriter`` writes them."""
    n = len(docnums)
    out = [_MAGIC]
    total = 0.0
    minlength = None
    maxlength = 0
    maxweight = 0
    for start in range(0, n, limit):
        ids = docnums[start : start + limit]
        ws = weights[start : start + limit]
        w32 = w32s[start : start + limit]
        vs = values[start : start + limit]
        bmax = max(ws)
        bmax = bmax if bmax > 0 else 0
        blens = list(filter(None, lens[start : start + limit]))
        bmin = min(blens) if blens else None
        bmaxlen = max(blens) if blens else 0
        first = w32[0]
        if first == 1.0 and w32.count(1.0) == len(w32):
            mw = None
        elif w32.count(first) == len(w32):
            mw = first
        else:
            mw = tuple(w32)
        if fixedsize is None or fixedsize < 0:
            mv = tuple(filter(None, vs))
        elif fixedsize == 0:
            mv = None
        else:
            mv = emptybytes.join(filter(None, vs))
        databytes = dumps((tuple(map(sub, ids, [0, *ids[:-1]])), mw, mv), _DATA_PROTOCOL)
        comp = compression if len(databytes) >= COMPRESSION_MIN_SIZE else 0
        if comp:
            databytes = zlib.compress(databytes, comp)
        infobytes = dumps((len(ids), ids[-1], bmax, comp, length_to_byte(bmin), length_to_byte(bmaxlen)), 2)
        blocklength = len(infobytes) + len(databytes)
        if start + limit >= n:
            blocklength = -blocklength
        out += (pack_int(blocklength), infobytes, databytes)
        total += sum(w32)
        if bmin is not None and (minlength is None or bmin < minlength):
            minlength = bmin
        maxlength = max(maxlength, bmaxlen)
        maxweight = max(maxweight, bmax)
    info = _TERMINFO.pack(
        0,
        total,
        n,
        0 if minlength is None else length_to_byte(minlength),
        length_to_byte(maxlength),
        maxweight,
        docnums[0],
        docnums[-1],
    )
    return b"".join(out), info


def write_text_field(fw, fieldname: str, field, text: TextPostings, lengths: np.ndarray, encode=None) -> None:
    """A text field's postings columns (see ``kb.engine.postings``) as ``_FieldOutput`` writes them.

    The columns come in document order; a stable sort by term rank of one bucket of terms at
    a time orders their postings by (term, document). A chunk of terms at a time goes to
    ``encode`` (``kb.engine.native.encode_terms``, compiled; ``encode_terms_python`` is its
    reference), so no sorted copy of the columns, nor an index of the whole column, is made."""
    encode = encode or native.encode_terms
    tid, doc, weight, npos, positions = text.take_columns()
    out = _FieldOutput(fw, fieldname, field)
    if len(tid):
        names = text.term_names
        by_name = np.array(sorted(range(len(names)), key=names.__getitem__), np.int32)
        rank = np.empty(len(names), np.int32)
        rank[by_name] = np.arange(len(names), dtype=np.int32)
        term_rank = rank[tid]
        del tid, rank
        counts = np.bincount(term_rank, minlength=len(names))
        present = np.flatnonzero(counts)  # the ranks of the terms with postings, in term order
        bounds = np.concatenate(([0], np.cumsum(counts[present])))
        del counts
        starts = np.cumsum(npos, dtype=np.int64 if len(positions) >> 31 else np.int32) - npos
        length_bytes = length_byte_table()
        nterms = len(present)
        t = 0
        while t < nterms:  # a bucket of terms at a time: its postings' order, not the whole column's
            base = int(bounds[t])
            end = max(int(np.searchsorted(bounds, base + SORT_BUCKET, "right")) - 1, t + 1)
            lo, hi = int(present[t]), int(present[end - 1])
            at_bucket = np.flatnonzero((term_rank >= lo) & (term_rank <= hi))
            order = at_bucket[np.argsort(term_rank[at_bucket], kind="stable")]
            del at_bucket
            keys = [names[i].encode("utf-8") for i in by_name[present[t:end]].tolist()]
            first = t
            while t < end:
                a = int(bounds[t])
                u = min(max(int(np.searchsorted(bounds, a + TEXT_CHUNK, "right")) - 1, t + 1), end)
                b = int(bounds[u])
                at = order[a - base : b - base]
                docs = doc[at].astype(np.int64)
                ws = weight[at]
                w32 = ws.astype(np.float32).astype(np.float64)  # as whoosh's array("f") stores them
                n = npos[at].astype(np.int64)
                offsets = np.cumsum(n) - n
                gathered = np.repeat(starts[at] - offsets, n) + np.arange(int(offsets[-1] + n[-1]))
                cuts = (bounds[t : u + 1] - a).astype(np.int64)
                blocks, infos = encode(
                    docs,
                    w32 if ws.dtype == np.float32 else ws.astype(np.float64),
                    w32,
                    lengths[docs],
                    n,
                    offsets,
                    positions[gathered].astype(np.int64),
                    cuts,
                    term_totals(w32, cuts, out.limit),
                    length_bytes,
                    out.limit,
                    out.compression,
                    COMPRESSION_MIN_SIZE,
                    out.offset,
                    zlib.compress,
                    _MAGIC,
                )
                out.add_terms(keys[t - first : u - first], blocks, infos)
                t = u
    out.close()


def encode_terms_python(
    docs,
    weights,
    w32,
    lengths,
    npos,
    starts,
    positions,
    cuts,
    totals,
    length_bytes,
    limit,
    compression,
    min_size,
    offset,
    compress,
    magic,
) -> tuple[bytes, list[bytes]]:
    """The pure-Python reference of ``kb.engine.native.encode_terms`` (same arguments, same bytes):
    term ``k`` has postings ``cuts[k]:cuts[k + 1]``; a posting's positions are
    ``positions[starts[i]:starts[i] + npos[i]]``. Returns the terms' blocks and their infos
    (term info, offset, length). ``totals`` (``term_totals``) is not read: each term's total
    weight is added up here as whoosh does, which is what the compiled code is given."""
    ids, ws, w32s, lens = docs.tolist(), weights.tolist(), w32.tolist(), lengths.tolist()
    values = position_values(npos, starts, positions)
    bounds = cuts.tolist()
    out, infos = [], []
    for i, j in zip(bounds[:-1], bounds[1:], strict=True):
        blocks, info = _term_blocks(limit, compression, None, ids[i:j], ws[i:j], w32s[i:j], lens[i:j], values[i:j])
        infos.append(info + _OFFSET_LENGTH(offset, len(blocks)))
        offset += len(blocks)
        out.append(blocks)
    return b"".join(out), infos


def term_totals(w32: np.ndarray, cuts: np.ndarray, limit: int) -> np.ndarray:
    """Each term's total weight (its postings ``cuts[k]:cuts[k + 1]``) as ``W3PostingsWriter``
    adds it up: ``sum()`` of each block of ``limit`` weights, the blocks' sums added in order.

    Weights that are all multiples of 1/64 (every boost of the analysis is, see
    ``kb.analysis.fast._dyadic``) and small have exact sums in any order: numpy adds them up."""
    if len(cuts) < 2:
        return np.zeros(0, np.float64)
    sixty_fourths = w32 * 64
    if float(np.abs(w32).sum()) < _EXACT_SUM_LIMIT and np.array_equal(sixty_fourths, np.floor(sixty_fourths)):
        return np.add.reduceat(w32, cuts[:-1]).astype(np.float64)
    weights = w32.tolist()
    bounds = cuts.tolist()
    totals = []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        if b - a <= limit:
            totals.append(sum(weights[a:b]))
            continue
        total = 0.0
        for start in range(a, b, limit):
            total += sum(weights[start : min(start + limit, b)])
        totals.append(total)
    return np.array(totals, np.float64)


_EXACT_SUM_LIMIT = 2.0**40  # multiples of 1/64 below 2**47 are exact in a float64
TEXT_CHUNK = 1 << 15  # postings handed to ``encode`` at a time
SORT_BUCKET = 1 << 19  # postings ordered at a time (int64 indexes: 4 MB, not 8 bytes per posting)


def position_values(npos: np.ndarray, starts: np.ndarray, positions: np.ndarray) -> list[bytes]:
    """``Positions.encode`` of each posting's positions (``positions[start:start + n]``). One
    position: the memoized value (the same object, as pickles of blocks depend on identity)."""
    values = np.empty(len(npos), object)
    single = npos == 1
    if single.any():
        at = positions[starts[single]].tolist()
        table = _singles(max(at))
        values[single] = [table[p] for p in at]
    several = np.flatnonzero(~single)
    if len(several):
        counts = npos[several].astype(np.int64)
        offsets = np.cumsum(counts) - counts
        pos = positions[np.repeat(starts[several] - offsets, counts) + np.arange(int(counts.sum()))].astype(np.int64)
        deltas = np.diff(pos, prepend=0)
        deltas[offsets] = pos[offsets]
        flat = deltas.tolist()
        values[several] = [
            pack_uint(n) + dumps(flat[o : o + n], 2) for o, n in zip(offsets.tolist(), counts.tolist(), strict=True)
        ]
    return values.tolist()


@cache
def length_byte_table() -> np.ndarray:
    """``length_to_byte`` of every length below the first that gives 255 (``kb.engine.native``
    gives 255 from there)."""
    table = np.array([length_to_byte(n) for n in range(_LB_TABLE)], np.uint8)
    if length_to_byte(_LB_TABLE) != 255 or length_to_byte(10 * _LB_TABLE) != 255:
        raise RuntimeError("whoosh's length_to_byte changed: update _LB_TABLE")
    return table


_LB_TABLE = 106_374


@cache
def _length_byte_list() -> list[int]:
    """``length_byte_table`` as a list, for the one-posting path (a list index beats a numpy one)."""
    return length_byte_table().tolist()


def _singles(last: int) -> list[bytes]:
    """The memoized one-position values for positions 0..``last`` (at least)."""
    for pos in range(len(_SINGLE_VALUES), last + 1):
        _SINGLE_VALUES.append(_encode_positions([pos]))
    return _SINGLE_VALUES


def _length_column(lengths: dict[int, int], ndocs: int) -> np.ndarray:
    """Field lengths as the per-document reader returns them (``_quantize``), 0 for none, by docnum."""
    column = np.zeros(max(ndocs, 1), np.int64)
    for docnum, n in _quantize(lengths).items():
        column[docnum] = n
    return column


_LENGTHS = struct.Struct("!ii")  # a term table record's key and value lengths
_TERM_HASHES = "kb_term_hashes"  # the (hashes, positions) arrays add_sorted_terms keeps on the writer
_HASH = struct.Struct("!I")  # the last 4 bytes of a key's MD5: its hash
_SLOT = np.dtype([("hash", ">u4"), ("position", ">i8")])  # a hash table slot as whoosh packs it ("!Iq")
try:
    # CPython's own MD5 (hashlib's fallback): the same digest, without the OpenSSL context hashlib.md5
    # sets up and frees for every call, which costs more than hashing a short key does. A build
    # hashes every term of every segment.
    from _md5 import md5 as _key_md5
except ImportError:  # pragma: no cover - a Python built without its own hashes
    _key_md5 = md5


def md5_hash(key: bytes) -> int:
    """whoosh's ``md5_hash`` (the last 4 bytes of the MD5 digest as a number), without its hex detour."""
    return _HASH.unpack_from(_key_md5(key).digest(), 12)[0]


def add_sorted_terms(tindex, keys: list[bytes], values: list[bytes]) -> None:
    """``OrderedHashWriter.add`` for each (key, value), in one write: the same file and index; each
    key's hash and position are kept as arrays for ``write_hash_tables`` (instead of a tuple per
    key in ``tindex.buckets``). Every step is a call over all keys: no Python code runs per term."""
    if not keys:
        return
    if keys[0] <= tindex.lastkey:
        raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{keys[0]!r}")
    if len(keys) != len(values):
        raise ValueError("add_sorted_terms needs one value per key")
    dbfile = tindex.dbfile
    key_lengths, value_lengths = list(map(len, keys)), list(map(len, values))
    sizes = _int64s(key_lengths) + _int64s(value_lengths) + _LENGTHS.size
    positions = np.cumsum(sizes) - sizes + dbfile.tell()
    parts: list[bytes] = [b""] * (3 * len(keys))  # each record: the two lengths, the key, the value
    parts[0::3] = map(_LENGTHS.pack, key_lengths, value_lengths)
    parts[1::3] = keys
    parts[2::3] = values
    dbfile.write(b"".join(parts))
    digests = b"".join(map(methodcaller("digest"), map(_key_md5, keys)))
    hashes = np.frombuffer(digests, ">u4")[3::4].astype(np.uint32)  # md5_hash of each key
    tindex.__dict__.setdefault(_TERM_HASHES, []).append((hashes, positions))
    index = tindex.index  # a GrowableArray: widen it as its append() would for the largest position
    last = int(positions[-1])
    try:
        index.array.append(last)
    except OverflowError:
        index._retype(last)
    else:
        index.array.pop()
    index.array.extend(positions.tolist())
    tindex.lastkey = keys[-1]


def _int64s(values: list[int]) -> np.ndarray:
    """A list of ints as an int64 array (through ``array``: a fraction of ``np.array``'s cost per item)."""
    return np.frombuffer(array("q", values), np.int64)


def write_hash_tables(tindex) -> None:
    """``HashWriter._write_hashes`` for the keys of ``add_sorted_terms``: the same 256 tables (each
    key in bucket ``hash & 255``, at slot ``(hash >> 8) % slots`` or the next free one, in the order
    the keys came), each written at once."""
    if any(tindex.buckets):
        raise RuntimeError("write_hash_tables writes the keys of add_sorted_terms, not of OrderedHashWriter.add")
    chunks = tindex.__dict__.pop(_TERM_HASHES, [])
    hashes = np.concatenate([h for h, _ in chunks]) if chunks else np.zeros(0, np.uint32)
    positions = np.concatenate([p for _, p in chunks]) if chunks else np.zeros(0, np.int64)
    buckets = (hashes & 255).astype(np.uint8)
    order = np.argsort(buckets, kind="stable")  # by bucket, in the order of adding (a radix sort of bytes)
    hashes, positions = hashes[order], positions[order]
    counts = np.bincount(buckets, minlength=256).tolist()
    dbfile = tindex.dbfile
    start = 0
    for count in counts:
        numslots = 2 * count
        tindex.directory.append((dbfile.tell(), numslots))
        if not count:
            continue
        bucket = slice(start, start + count)
        start += count
        taken = [-1] * numslots  # the entry in each slot
        for entry, slot in enumerate(((hashes[bucket] >> 8) % numslots).tolist()):
            while taken[slot] >= 0:
                slot = slot + 1 if slot + 1 < numslots else 0
            taken[slot] = entry
        slots = _int64s(taken)
        filled = slots >= 0
        packed = np.zeros(numslots, _SLOT)  # an empty slot is (0, 0)
        packed["hash"][filled] = hashes[bucket][slots[filled]]
        packed["position"][filled] = positions[bucket][slots[filled]]
        dbfile.write(packed.tobytes())


def _quantize(lengths: dict[int, int]) -> dict[int, int]:
    """Field lengths as the per-document reader returns them (one byte, decoded)."""
    out = {}
    for docnum, n in lengths.items():
        lb = length_to_byte(n)
        if lb:
            out[docnum] = byte_to_length(lb)
    return out


def build_segment(storage, schema: Schema, records: Iterable[dict], on_record: Callable[[], None] | None = None):
    builder = SegmentBuilder(storage, schema)
    for record in records:
        builder.add(record)
        if on_record:
            on_record()
    return builder.finish(), builder.docnum
