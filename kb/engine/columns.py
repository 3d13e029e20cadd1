"""Reading a section's hit (its ``HIT_KEYS`` fields and body) by document number, fast.

A hit read through Whoosh's stored fields unzips and unpickles a dict; the ``hit`` column
(``kb.engine.index.HitColumn``) holds the same values uncompressed, and here its values are
slices of a memory map of the column's file, read without Whoosh's three Python layers per value.
"""

from __future__ import annotations

import bisect
import io
import mmap

from kb.engine.index import HIT_FIELD, HIT_KEYS, read_hit


class HitColumns:
    """The hit fields of every section of one opened searcher (one per thread, as the searcher)."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        reader = searcher.reader()
        self.starts: list[int] = []
        self.readers: list[MappedColumn] = []
        self.present = HIT_FIELD in reader.schema
        if self.present:
            for leaf, offset in reader.leaf_readers():
                self.starts.append(offset)
                self.readers.append(MappedColumn(leaf.column_reader(HIT_FIELD, translate=False)))

    def read(self, docnum: int) -> tuple[list, str]:
        """(the ``HIT_KEYS`` values, body) of a section: from the ``hit`` column, or an older
        index's stored fields."""
        if self.present:
            leaf = bisect.bisect_right(self.starts, docnum) - 1
            raw = self.readers[leaf][docnum - self.starts[leaf]]
            if raw:
                return read_hit(raw)
        f = self.searcher.stored_fields(docnum)
        return [f["doc_id"], *(f.get(k, "") for k in HIT_KEYS[1:])], f.get("body", "")


class MappedColumn:
    """A Whoosh ``VarBytesColumn`` reader whose values are slices of a memory map of its file.

    Why: Whoosh's reader seeks and reads the file through three Python layers per value.
    Falls back to that reader when the layout is not the one expected (another column type).
    """

    def __init__(self, reader):
        self._reader = reader
        self._map: mmap.mmap | None = None
        try:
            self._base, self._offsets, self._lengths = reader._basepos, reader._offsets, reader._lengths
            file = reader._dbfile.file
            if isinstance(file, io.BufferedReader):  # a whole file of its own (not a part of a compound file)
                self._map = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        except (AttributeError, OSError, ValueError):  # another reader, or an empty file
            self._map = None

    @property
    def mapped(self) -> bool:
        """Whether values come from the memory map (else from Whoosh's reader)."""
        return self._map is not None

    def __getitem__(self, docnum: int) -> bytes:
        if self._map is None:
            return self._reader[docnum]
        start = self._base + self._offsets[docnum]
        return self._map[start : start + self._lengths[docnum]]


