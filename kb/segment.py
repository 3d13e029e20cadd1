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

import struct
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from functools import partial
from hashlib import md5
from operator import sub
from pickle import dumps
from typing import Any

from whoosh.codec.whoosh3 import COMPRESSION_MIN_SIZE, WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo
from whoosh.fields import TEXT, Schema
from whoosh.formats import Positions
from whoosh.system import emptybytes, pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

from kb.analysis.fast import FieldAnalysis

INDEX_NAME = "MAIN"
_MAGIC = WHOOSH3_HEADER_MAGIC
_TERMINFO = W3TermInfo._struct


_encode_positions = Positions().encode
_SINGLES: dict[int, bytes] = {}


def _single(pos: int) -> bytes:
    """``Positions.encode([pos])``, memoized (most postings hold one position)."""
    hit = _SINGLES.get(pos)
    if hit is None:
        hit = _SINGLES[pos] = _encode_positions([pos])
    return hit


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


class SegmentBuilder:
    """Collects section records and writes them as one whoosh3 segment."""

    def __init__(self, storage, schema: Schema, codec: W3Codec | None = None) -> None:
        self.storage = storage
        self.schema = schema
        self.codec = codec or W3Codec()
        self.segment = self.codec.new_segment(storage, INDEX_NAME)
        self.perdoc = self.codec.per_document_writer(storage, self.segment)
        self.docnum = 0
        self.fields = {name: schema[name] for name in schema.names()}
        self.fast: dict[str, FieldAnalysis] = {}
        for name, field in self.fields.items():
            if isinstance(field, TEXT) and isinstance(field.format, Positions) and field.analyzer is not None:
                fa = _field_analysis(field.analyzer)
                if fa is not None:
                    self.fast[name] = fa
        # field -> term -> flat [docnum, weight, value, docnum, weight, value, ...]
        self.postings: dict[str, dict[str, list]] = {}
        self.spelling: dict[str, dict[str, int]] = {}
        self.lengths: dict[str, dict[int, int]] = {}
        self._memo: dict[str, tuple[str, tuple[dict, set]]] = {}
        self.postings_added = 0  # term-in-section count: what the in-memory postings grow with

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
                    if fieldname in memo_fields:  # the same value as the previous section's?
                        last = self._memo.get(fieldname)
                        if last is None or last[0] != value:
                            last = self._memo[fieldname] = (value, fa.analyze(value))
                        terms, spell = last[1]
                    else:
                        terms, spell = fa.analyze(value)
                    length = self._add_text(fieldname, field, terms, docnum)
                    if field.separate_spelling():
                        spelling = field.spelling_fieldname(fieldname)
                        counts = self.spelling.get(spelling)
                        if counts is None:
                            counts = self.spelling[spelling] = Counter()
                        counts.update(spell)  # one C loop instead of a Python one per word
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

    def _add_text(self, fieldname: str, field, terms: dict[str, list], docnum: int) -> int:
        """Append each term's posting to its packed record buffer (see ``_POSTING``)."""
        table = self.postings.get(fieldname)
        if table is None:
            table = self.postings[fieldname] = {}
        fb = field.format.field_boost
        length = 0
        get = table.get
        head = _POSTING.pack
        for term, (weight, poslist) in terms.items():
            n = len(poslist)
            length += n
            if fb != 1.0:
                weight *= fb
            if n == 1:
                record = head(docnum, weight, -1 - poslist[0])
            else:
                value = pack_uint(n) + dumps(list(map(sub, poslist, [0, *poslist[:-1]])), 2)
                record = head(docnum, weight, len(value)) + value
            entry = get(term)
            if entry is None:
                table[term] = bytearray(record)
            else:
                entry += record
        self.postings_added += len(terms)
        return length if field.scorable else 0

    def _add_generic(self, fieldname: str, field, value, docnum: int) -> int:
        table = self.postings.setdefault(fieldname, {})
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
        fw._tindex._write_hashes = partial(_write_hashes, fw._tindex)
        names = sorted(set(self.postings) | set(self.spelling))
        for fieldname in names:
            if fieldname in self.postings:
                field = self.fields[fieldname]
                quantized = _quantize(self.lengths.get(fieldname, {}))
                self._write_field(fw, fieldname, field, self.postings.pop(fieldname), quantized)
            else:
                self._write_spelling(fw, fieldname, self.spelling.pop(fieldname))
        fw.close()
        return self.segment

    def _write_field(self, fw, fieldname: str, field, table: dict, lengths: dict[int, int]) -> None:
        """Each term's postings as whoosh3 blocks, byte for byte what ``W3PostingsWriter`` writes
        when fed one posting at a time (block pickles, compression, term info, term table).

        Most terms have one posting: they take a short path with the same output."""
        fw.start_field(fieldname, field)
        pw = fw._postwriter
        limit = pw._blocklimit
        compression = pw._compression
        postfile = fw._postfile
        prefix = pack_ushort(fw._fieldid)
        fixedsize = field.format.fixed_value_size()
        listed_values = fixedsize is None or fixedsize < 0
        pack_info = _TERMINFO.pack
        lengths_get = lengths.get
        offset = postfile.tell()
        chunks: list[bytes] = []
        chunk_bytes = 0
        keys: list[bytes] = []
        infos: list[bytes] = []
        pop = table.pop
        for term in sorted(table):
            flat = pop(term)  # freed as written: the field's postings never exist twice
            if type(flat) is bytearray:
                if len(flat) == _POSTING_SIZE:  # one posting at one position: most terms
                    docnum, weight, n = _unpack_one(flat)
                    flat = (docnum, weight, _SINGLES.get(-1 - n) or _single(-1 - n))
                else:
                    flat = _unpack_postings(flat)
            keys.append(prefix + (term.encode("utf-8") if isinstance(term, str) else term))
            if len(flat) == 3:
                docnum, weight, value = flat
                w32 = _F32.get(weight)
                if w32 is None:
                    w32 = _F32[weight] = _to_f32(weight)
                bmax = weight if weight > 0 else 0
                length = lengths_get(docnum)
                lb = _LENGTH_BYTE[length] if length and length < _LB_LIMIT else length_to_byte(length or None)
                if listed_values:
                    mv = (value,) if value else ()
                elif fixedsize == 0:
                    mv = None
                else:
                    mv = value
                databytes = dumps(((docnum,), None if w32 == 1.0 else w32, mv), _DATA_PROTOCOL)
                comp = compression if len(databytes) >= COMPRESSION_MIN_SIZE else 0
                if comp:
                    databytes = zlib.compress(databytes, comp)
                infobytes = dumps((1, docnum, bmax, comp, lb, lb), 2)
                out = b"".join((_MAGIC, pack_int(-(len(infobytes) + len(databytes))), infobytes, databytes))
                info = pack_info(0, 0.0 + w32, 1, lb, lb, bmax, docnum, docnum)
            else:
                out, info = _blocks(flat, limit, compression, fixedsize, lengths_get, pack_info)
            infos.append(info + pack_long(offset) + pack_int(len(out)))
            offset += len(out)
            chunks.append(out)
            chunk_bytes += len(out)
            if chunk_bytes > _CHUNK:
                postfile.write(b"".join(chunks))
                chunks, chunk_bytes = [], 0
            if len(keys) >= _TERMS_CHUNK:  # the term table in parts too: bounded memory
                _add_sorted(fw._tindex, keys, infos)
                keys, infos = [], []
        postfile.write(b"".join(chunks))
        _add_sorted(fw._tindex, keys, infos)
        fw.finish_field()

    def _write_spelling(self, fw, fieldname: str, counts: dict[bytes, int]) -> None:
        table = {b: [0, float(n), pack_uint(n)] for b, n in counts.items()}
        self._write_field(fw, fieldname, self.schema[fieldname], table, {})


# A text posting in memory: docnum, weight, then either -1 - position (one position, the
# common case) or the length of the encoded positions that follow. About 16 bytes per
# posting instead of ~90 as a list of Python objects.
_POSTING = struct.Struct("<Idi")
_POSTING_SIZE = _POSTING.size
_unpack_one = _POSTING.unpack


def _unpack_postings(buf: bytearray) -> list:
    """A packed record buffer as the flat [docnum, weight, value, ...] list ``_write_field`` reads."""
    out: list = []
    unpack = _POSTING.unpack_from
    size = _POSTING.size
    end = len(buf)
    at = 0
    while at < end:
        docnum, weight, n = unpack(buf, at)
        at += size
        if n < 0:
            out += (docnum, weight, _SINGLES.get(-1 - n) or _single(-1 - n))
        else:
            out += (docnum, weight, bytes(buf[at : at + n]))
            at += n
    return out


# Block data (ids, weights, position values) pickled with protocol 3, not whoosh's 2: protocol 2
# has no bytes type and pickles each position value as a ``codecs.encode`` call on a Latin-1
# string (UTF-8 encoded: high bytes take two). Protocol 3 stores bytes as they are: the same
# objects on ``loads`` (whoosh's reader does not care which protocol), ~5x faster to write,
# ~40% smaller before zlib (so zlib has less to do) and faster to read.
_DATA_PROTOCOL = 3
_CHUNK = 1 << 22
_TERMS_CHUNK = 1 << 15
_LB_LIMIT = 4096
_LENGTH_BYTE = [length_to_byte(n) for n in range(_LB_LIMIT)]
_f32 = struct.Struct("f")
_F32: dict[float, float] = {}


def _to_f32(weight: float) -> float:
    """``weight`` rounded to float32, as whoosh's ``array("f")`` of weights stores it."""
    return _f32.unpack(_f32.pack(weight))[0]


def _blocks(flat: list, limit: int, compression: int, fixedsize, lengths_get, pack_info) -> tuple[bytes, bytes]:
    """The posting blocks and term info of a term with several postings (flat docnum, weight, value)."""
    docnums = flat[0::3]
    weights = flat[1::3]
    values = flat[2::3]
    n = len(docnums)
    out = [_MAGIC]
    total = 0.0
    minlength = None
    maxlength = 0
    maxweight = 0
    for start in range(0, n, limit):
        ids = docnums[start : start + limit]
        ws = weights[start : start + limit]
        w32 = array("f", ws).tolist()
        vs = values[start : start + limit]
        bmax = max(ws)
        bmax = bmax if bmax > 0 else 0
        lens = [x for x in map(lengths_get, ids) if x]
        bmin = min(lens) if lens else None
        bmaxlen = max(lens) if lens else 0
        first = w32[0]
        if first == 1.0 and w32.count(1.0) == len(w32):
            mw = None
        elif w32.count(first) == len(w32):
            mw = first
        else:
            mw = tuple(w32)
        if fixedsize is None or fixedsize < 0:
            mv = tuple(v for v in vs if v)
        elif fixedsize == 0:
            mv = None
        else:
            mv = emptybytes.join(v for v in vs if v)
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
    info = pack_info(
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


_LENGTHS = struct.Struct("!ii")
_POINTER = struct.Struct("!Iq")


def _md5_hash(key: bytes) -> int:
    """whoosh's ``md5_hash`` (the low 32 bits of the MD5 digest as a number), without the hex detour."""
    return int.from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")


def _add_sorted(tindex, keys: list[bytes], values: list[bytes]) -> None:
    """``OrderedHashWriter.add`` for each (key, value), in one write: the same file, buckets and index."""
    if not keys:
        return
    if keys[0] <= tindex.lastkey:
        raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{keys[0]!r}")
    dbfile = tindex.dbfile
    pos = dbfile.tell()
    buckets = tindex.buckets
    positions = []
    records = []
    pack = _LENGTHS.pack
    for key, value in zip(keys, values, strict=True):
        positions.append(pos)
        record = pack(len(key), len(value)) + key + value
        records.append(record)
        h = _md5_hash(key)
        buckets[h & 255].append((h, pos))
        pos += len(record)
    dbfile.write(b"".join(records))
    index = tindex.index  # a GrowableArray: widen it as its append() would for the largest position
    try:
        index.array.append(positions[-1])
    except OverflowError:
        index._retype(positions[-1])
    else:
        index.array.pop()
    index.array.extend(positions)
    tindex.lastkey = keys[-1]


def _write_hashes(tindex) -> None:
    """``HashWriter._write_hashes`` with one write per bucket instead of one per slot."""
    dbfile = tindex.dbfile
    null = (0, 0)
    pack = _POINTER.pack
    for entries in tindex.buckets:
        pos = dbfile.tell()
        numslots = 2 * len(entries)
        tindex.directory.append((pos, numslots))
        hashtable = [null] * numslots
        for hashval, position in entries:
            slot = (hashval >> 8) % numslots
            while hashtable[slot] is not null:
                slot = (slot + 1) % numslots
            hashtable[slot] = (hashval, position)
        dbfile.write(b"".join([pack(h, p) for h, p in hashtable]))



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
