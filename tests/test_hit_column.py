"""The ``hit`` column: a hit's fields and body without Whoosh's stored fields; older indexes still answer."""

from __future__ import annotations

import json

import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from kb.engine import index as kb_index
from kb.engine import write_index
from kb.model import Block, Document, Section
from kb.search import Searcher

ODD_TEXT = 'Möbler kan återbrukas.\n\nRad \x1f med <tecken> & "citat".'


def documents() -> list[Document]:
    odd = Document(
        id="t/odd",
        title='Titel med "citat" och\nradbrytning',
        source="t/odd.md",
        sections=[
            Section(anchor="a", path=["Möbler"], blocks=[Block("p", ODD_TEXT)]),
            Section(anchor="b", path=["Tomt"], blocks=[]),
        ],
        meta={"publisher": "Förlag", "type": "vägledning", "date": "2024-05-01"},
        tags=["cirkulär", "möbler"],
    )
    plain = Document(
        id="t/plain",
        title="Upphandling",
        source="t/plain.md",
        sections=[
            Section(anchor="intro", path=["Upphandling", "Inledning"], blocks=[Block("p", "Köp av kontorsmöbler.")])
        ],
    )
    return [odd, plain]


def test_hit_value_round_trips_every_field():
    heads = set()
    for doc in documents():
        for record in kb_index.section_records(doc):
            raw = kb_index.HitColumn().to_column_value(record[kb_index.HIT_FIELD])
            values, body = kb_index.read_hit(raw)
            # "pages" is in the hit column only (not a Whoosh field); these documents have none
            assert values == [record.get(key, "") for key in kb_index.HIT_KEYS]
            assert body == record["body"]
            heads.add(raw[:1])
    assert heads == {b"[", b"\x1f"}  # the title with a newline needs the JSON line; the others do not


@pytest.mark.parametrize("odd", ["a\x1fb", "a\nb", "", 7, None])
def test_hit_value_keeps_odd_field_values(odd):
    record = {key: f"{key} värde" for key in kb_index.HIT_KEYS} | {"title": odd, "body": "kropp\n\x1f"}
    values, body = kb_index.read_hit(kb_index.HitColumn().to_column_value(kb_index.hit_value(record)))
    assert values[kb_index.HIT_KEYS.index("title")] == odd and body == "kropp\n\x1f"


def _hit_values(folder) -> list[bytes]:
    reader = whoosh_index.open_dir(str(folder)).reader()
    column = reader.column_reader(kb_index.HIT_FIELD, translate=False)
    return [column[d] for d in range(reader.doc_count_all())]


def test_bulk_segments_write_the_column_whoosh_writes(tmp_path):
    reference = tmp_path / "ref"
    reference.mkdir()
    ix = whoosh_index.create_in(str(reference), kb_index.make_schema())
    with ix.writer() as w:
        for doc in documents():
            for record in kb_index.section_records(doc):
                w.add_document(**record)
    info = write_index(documents(), tmp_path / "idx", procs=1)
    assert _hit_values(info.path) == _hit_values(reference)
    stored = whoosh_index.open_dir(str(info.path)).reader().stored_fields(0)
    assert "body" not in stored and stored["title"] == documents()[0].title


def test_search_hits_come_from_the_column(tmp_path):
    info = write_index(documents(), tmp_path / "idx", procs=1)
    hit = Searcher(tmp_path / "idx", "http://kb.example/").search("möbler").hits[0]
    assert (hit.doc_id, hit.anchor, hit.section, hit.publisher, hit.type, hit.date) == (
        "t/odd", "a", "Möbler", "Förlag", "vägledning", "2024-05-01"
    )
    assert hit.tags == ["cirkulär", "möbler"] and "<mark>Möbler</mark>" in hit.snippet
    assert info.sections == 3


@pytest.fixture
def old_format_index(tmp_path):
    """A version folder as schema 2 wrote it: the body in the stored fields, no ``hit`` column."""
    from kb.analysis import index_analyzer

    sv = index_analyzer()
    schema = Schema(
        key=ID(stored=True, unique=True), doc_id=ID(stored=True), parent=ID(stored=True), anchor=STORED,
        source=STORED, title=TEXT(analyzer=sv, stored=True, spelling=True),
        heading=TEXT(analyzer=sv, stored=True, spelling=True), body=TEXT(analyzer=sv, stored=True, spelling=True),
        theme=TEXT(analyzer=sv), tags=KEYWORD(stored=True, commas=True, lowercase=False), publisher=ID(stored=True),
        type=ID(stored=True), date=STORED,
    )
    version = tmp_path / "idx" / "v1"
    version.mkdir(parents=True)
    ix = whoosh_index.create_in(str(version), schema)
    with ix.writer() as w:
        for doc in documents():
            for record in kb_index.section_records(doc):
                record.pop(kb_index.HIT_FIELD)
                w.add_document(**record)
    meta = {"version": "v1", "built_at": "2024-01-01T00:00:00Z", "documents": 2, "sections": 3}
    (version / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    kb_index.switch_current(tmp_path / "idx", version)
    return tmp_path / "idx"


def test_an_index_without_the_column_still_gives_hits(old_format_index, tmp_path):
    old = Searcher(old_format_index, "http://kb.example/").search("kontorsmöbler").to_json()
    write_index(documents(), tmp_path / "new", procs=1)
    new = Searcher(tmp_path / "new", "http://kb.example/").search("kontorsmöbler").to_json()
    old.pop("took_ms"), new.pop("took_ms")
    assert old["hits"] and old == new


@pytest.mark.parametrize("layout", ["files", "compound", "memory"])
def test_mapped_column_reads_what_whoosh_reads(tmp_path, layout):
    """A memory map where the column is a file of its own (kb's segments); Whoosh's reader otherwise."""
    from whoosh.filedb.filestore import FileStorage, RamStorage

    from kb.engine.columns import MappedColumn

    if layout == "files":
        ix = whoosh_index.open_dir(str(write_index(documents(), tmp_path / "idx", procs=1).path))
    else:
        ix = (RamStorage() if layout == "memory" else FileStorage(str(tmp_path))).create_index(
            kb_index.make_schema()
        )
        with ix.writer() as w:  # Whoosh's own writer makes a compound segment
            for doc in documents():
                for record in kb_index.section_records(doc):
                    w.add_document(**record)
    reader = ix.reader()
    whoosh_column = reader.column_reader(kb_index.HIT_FIELD, translate=False)
    mapped = MappedColumn(whoosh_column)
    assert mapped.mapped == (layout == "files")
    assert [mapped[d] for d in range(3)] == [whoosh_column[d] for d in range(3)]
    assert all(mapped[d] for d in (0, 2)) and reader.doc_count_all() == 3
