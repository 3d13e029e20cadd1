"""``build/sources.state``: what the last build saw of each source, for change detection.

Per source (in ``rel`` order): the size, modification and change time it was seen with, the
signature of the metadata files that apply to it, its document-cache key, its skip reason, and
its documents (id, content hash, source, section count). A build compares every file's stat with
this and parses only the ones that differ, so the whole file is read on every build: it is stored
as a few columns (strings joined by NUL, integers as machine arrays) in one pickle, which loads in
milliseconds where a JSON object per source took 0.6 s at 52,715 sources.

``build/index-sync.json`` records that the index version ``current`` points at was made from
(or checked against) a given state, so a build that finds nothing changed need not read the
index's manifest to know the index is up to date.
"""

from __future__ import annotations

import json
import os
import pickle
from array import array
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path

from kb.util.atomic_files import replace_atomically, write_atomically

FORMAT = 2
STATE_NAME = "sources.state"
SYNC_NAME = "index-sync.json"
SEP = "\0"  # cannot occur in a file name; ids, hashes and sources come from file names too


@dataclass
class SourceState:
    """Columns, one row per source; ``docs_of(i)`` are the documents of source ``i``."""

    code: str = ""  # fingerprint of the ingestion code the documents were parsed with
    scanned_ns: int = 0  # when the scan that wrote this state started (for the racy check)
    serial: str = ""  # a new random id per written state (``index-sync.json`` refers to it)
    rels: list[str] = field(default_factory=list)
    size: array = field(default_factory=lambda: array("q"))
    mtime: array = field(default_factory=lambda: array("q"))
    ctime: array = field(default_factory=lambda: array("q"))
    keys: list[str] = field(default_factory=list)
    meta_sigs: list[str] = field(default_factory=list)
    skips: dict[int, str] = field(default_factory=dict)  # row -> skip reason (rows without documents)
    racy: set[int] = field(default_factory=set)  # rows whose stat cannot be trusted (see pipeline)
    ndocs: array = field(default_factory=lambda: array("q"))
    doc_ids: list[str] = field(default_factory=list)
    doc_hashes: list[str] = field(default_factory=list)
    doc_sources: list[str] = field(default_factory=list)
    doc_sections: array = field(default_factory=lambda: array("q"))
    _rows: dict[str, int] | None = None
    _starts: list[int] | None = None

    def row(self, rel: str) -> int | None:
        if self._rows is None:
            self._rows = dict(zip(self.rels, range(len(self.rels)), strict=True))
        return self._rows.get(rel)

    def starts(self) -> list[int]:
        """Where each source's documents start in the document columns, then their total: source
        ``row``'s documents are ``starts()[row]:starts()[row + 1]`` (made on first use)."""
        if self._starts is None:
            self._starts = list(accumulate(self.ndocs, initial=0))
        return self._starts

    def docs_of(self, row: int) -> list[tuple[str, str, str, int]]:
        """(id, content hash, source, sections) of each document of source ``row``."""
        starts = self.starts()
        start, end = starts[row], starts[row + 1]
        return list(
            zip(
                self.doc_ids[start:end],
                self.doc_hashes[start:end],
                self.doc_sources[start:end],
                self.doc_sections[start:end],
                strict=True,
            )
        )

    def extend_from(self, old: SourceState, start: int, end: int) -> None:
        """Rows ``start:end`` of ``old`` as they are (stat, key, skip, racy flag, documents)."""
        offset = len(self.rels) - start
        first, last = old.starts()[start], old.starts()[end]
        self.rels += old.rels[start:end]
        self.size += old.size[start:end]
        self.mtime += old.mtime[start:end]
        self.ctime += old.ctime[start:end]
        self.keys += old.keys[start:end]
        self.meta_sigs += old.meta_sigs[start:end]
        self.ndocs += old.ndocs[start:end]
        self.doc_ids += old.doc_ids[first:last]
        self.doc_hashes += old.doc_hashes[first:last]
        self.doc_sources += old.doc_sources[first:last]
        self.doc_sections += old.doc_sections[first:last]
        if old.skips:
            self.skips.update((row + offset, why) for row, why in old.skips.items() if start <= row < end)
        if old.racy:
            self.racy.update(row + offset for row in old.racy if start <= row < end)

    def append(
        self,
        rel: str,
        stat: tuple[int, int, int],
        key: str,
        meta_sig: str,
        skip: str | None,
        docs: list[tuple[str, str, str, int]],
        racy: bool,
    ) -> None:
        row = len(self.rels)
        self.rels.append(rel)
        self.size.append(stat[0])
        self.mtime.append(stat[1])
        self.ctime.append(stat[2])
        self.keys.append(key)
        self.meta_sigs.append(meta_sig)
        if skip is not None:
            self.skips[row] = skip
        if racy:
            self.racy.add(row)
        self.ndocs.append(len(docs))
        for doc_id, digest, source, sections in docs:
            self.doc_ids.append(doc_id)
            self.doc_hashes.append(digest)
            self.doc_sources.append(source)
            self.doc_sections.append(sections)


def state_path(build_dir: Path) -> Path:
    return build_dir / STATE_NAME


def read_state(build_dir: Path) -> SourceState:
    """The last build's state, or an empty one (every source then counts as new)."""
    try:
        with open(state_path(build_dir), "rb") as f:
            data = _DataOnly(f).load()
        if data.get("format") != FORMAT:
            return SourceState()
        size, ndocs, doc_sections = _ints(data["size"]), _ints(data["ndocs"]), _ints(data["doc_sections"])
        n, m = len(size), len(doc_sections)
        state = SourceState(
            code=data["code"],
            scanned_ns=data["scanned_ns"],
            serial=data["serial"],
            rels=_split(data["rels"], n),
            size=size,
            mtime=_ints(data["mtime"]),
            ctime=_ints(data["ctime"]),
            keys=_split(data["keys"], n),
            meta_sigs=_split(data["meta_sigs"], n),
            skips=dict(data["skips"]),
            racy=set(data["racy"]),
            ndocs=ndocs,
            doc_ids=_split(data["doc_ids"], m),
            doc_hashes=_split(data["doc_hashes"], m),
            doc_sources=_split(data["doc_sources"], m),
            doc_sections=doc_sections,
        )
        columns = (state.rels, state.mtime, state.ctime, state.keys, state.meta_sigs, state.ndocs)
        if any(len(c) != n for c in columns) or sum(ndocs) != m or len(state.doc_ids) != m:
            return SourceState()  # a damaged file: start over rather than misattribute documents
        if len(state.doc_hashes) != m or len(state.doc_sources) != m:
            return SourceState()
        return state
    except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError, pickle.UnpicklingError):
        return SourceState()


def write_state(build_dir: Path, state: SourceState) -> None:
    """Write ``state`` atomically (a new file renamed over the old) under a new serial."""
    state.serial = os.urandom(12).hex()
    data = {
        "format": FORMAT,
        "code": state.code,
        "scanned_ns": state.scanned_ns,
        "serial": state.serial,
        "rels": SEP.join(state.rels),
        "size": state.size.tobytes(),
        "mtime": state.mtime.tobytes(),
        "ctime": state.ctime.tobytes(),
        "keys": SEP.join(state.keys),
        "meta_sigs": SEP.join(state.meta_sigs),
        "skips": sorted(state.skips.items()),
        "racy": sorted(state.racy),
        "ndocs": state.ndocs.tobytes(),
        "doc_ids": SEP.join(state.doc_ids),
        "doc_hashes": SEP.join(state.doc_hashes),
        "doc_sources": SEP.join(state.doc_sources),
        "doc_sections": state.doc_sections.tobytes(),
    }
    replace_atomically(state_path(build_dir), lambda tmp: _dump(data, tmp))
    (build_dir / "sources.json").unlink(missing_ok=True)  # the state file of earlier versions


def _dump(data: dict, path: Path) -> None:
    """Pickle straight into the file (the state is large at scale: no second copy in memory)."""
    with open(path, "wb") as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)


def read_sync(build_dir: Path) -> dict:
    try:
        data = json.loads((build_dir / SYNC_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_sync(build_dir: Path, serial: str, version: str, fingerprint: str) -> None:
    """Record that index ``version`` (built with ``fingerprint``) holds exactly the documents of
    the state with ``serial``."""
    data = {"serial": serial, "version": version, "fingerprint": fingerprint}
    write_atomically(build_dir / SYNC_NAME, json.dumps(data))


def clear_sync(build_dir: Path) -> None:
    (build_dir / SYNC_NAME).unlink(missing_ok=True)


def _split(text: str, count: int) -> list[str]:
    """``count`` strings joined by ``SEP`` (a single empty string joins to "", like none at all)."""
    return text.split(SEP) if count else []


def _ints(data: bytes, code: str = "q") -> array:
    out = array(code)
    out.frombytes(data)
    return out


class _DataOnly(pickle.Unpickler):
    """Plain containers only: a state file never names a class, so none is ever loaded."""

    def find_class(self, module: str, name: str):  # noqa: ANN201 - pickle's signature
        raise pickle.UnpicklingError(f"unexpected object in the build state: {module}.{name}")


__all__ = ["SourceState", "read_state", "write_state", "read_sync", "write_sync", "clear_sync"]
