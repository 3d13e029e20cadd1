"""The streaming build (kb.engine.bulk) and the speed-ups under it must index exactly like before."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_build_fast import _dump

from benchmarks.scale import ingest_item
from kb.analysis import index_analyzer, lexicon
from kb.analysis.fast import (
    FLAT_TOKEN_RE,
    LATIN1_CLASSES,
    LATIN1_LOWER,
    LATIN1_TOKEN_RE,
    SECTION_HINT_RE,
    FieldAnalysis,
    reference_analysis,
)
from kb.analysis.native_text import latin1_tokens
from kb.engine import bulk as stream
from kb.engine import index as kb_index
from kb.engine import write_index
from kb.indexing.build import dedupe_ids

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def units() -> list[tuple[str, bytes]]:
    files = sorted((ROOT / "sources").rglob("*.md"))[:40]
    assert len(files) >= 10
    out = [(str(p.relative_to(ROOT / "sources")), p.read_bytes()) for p in files]
    # two sources that slugify to one id: the second must be renamed as dedupe_ids does
    out.append((out[0][0][: -len(".md")] + ".markdown", out[0][1]))
    return sorted(out)


def _reference(units, tmp_path: Path) -> dict:
    documents = dedupe_ids([d for unit in units for d in ingest_item(unit)])
    info = write_index(documents, tmp_path / "reference", procs=1)
    assert len({d.id for d in documents}) == len(documents)
    return _dump(info.path), [d.id for d in documents]


@pytest.mark.slow
def test_streaming_in_workers_equals_write_index(units, tmp_path, monkeypatch):
    reference, ids = _reference(units, tmp_path)
    monkeypatch.setattr(stream, "SLICE_BYTES", 20_000)  # several slices, two spawned workers
    monkeypatch.setattr(stream, "SLICES_PER_WORKER", 4)
    info = stream.write_index_streaming(units, ingest_item, tmp_path / "idx", sizes=[len(b) for _, b in units], procs=2)
    assert len(stream.plan_slices(units, [len(b) for _, b in units], 20_000)) > 2
    assert _dump(info.path) == reference
    assert [d.id for d in kb_index.load_documents(info.path)] == ids
    assert [row[0] for row in kb_index.read_manifest(info.path)] == ids
    assert info.documents == len(ids)


@pytest.mark.slow
def test_streaming_flushes_segments_by_size(units, tmp_path, monkeypatch):
    from whoosh import index as whoosh_index

    reference, ids = _reference(units, tmp_path)
    monkeypatch.setattr(stream, "SEGMENT_POSTINGS", 3_000)  # in-process (procs=1): patched here
    info = stream.write_index_streaming(units, ingest_item, tmp_path / "idx", procs=1)
    assert len(whoosh_index.open_dir(str(info.path)).reader().leaf_readers()) > 2
    assert _dump(info.path) == reference
    assert [d.id for d in kb_index.load_documents(info.path)] == ids


def test_only_the_use_that_paused_the_collector_collects(monkeypatch):
    """A nested pause, or one in a worker whose collector is off for good, leaves the (full,
    slow) collection to the outer one; the outermost collects once and turns it back on."""
    import gc

    from kb.util.processes import collector_off_for_good, cyclic_gc_paused

    collected: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda *a: collected.append(1) or 0)
    assert gc.isenabled()
    try:
        with cyclic_gc_paused():
            with cyclic_gc_paused():
                assert not gc.isenabled()
            assert not collected and not gc.isenabled()
        assert collected == [1] and gc.isenabled()
        collector_off_for_good()
        with cyclic_gc_paused():
            pass
        assert collected == [1] and not gc.isenabled()
    finally:
        gc.enable()


def test_a_slice_runs_without_the_cyclic_gc_and_leaves_no_cycles(units, tmp_path):
    """The collector is paused for the slice (its objects form no cycles, so nothing piles up)
    and is back afterwards; writing a segment leaves nothing for it to collect."""
    import gc

    from whoosh.filedb.filestore import FileStorage

    seen: list[bool] = []

    def ingest(unit):
        seen.append(gc.isenabled())
        return ingest_item(unit)

    FileStorage(str(tmp_path)).create()
    assert gc.isenabled()
    result = stream.ingest_slice(tmp_path, 0, list(units[:8]), ingest)
    assert result.sections and seen and not any(seen)
    assert gc.isenabled()

    from kb.engine.segment import build_segment

    records = [r for unit in units[8:16] for d in ingest_item(unit) for r in kb_index.section_records(d)]
    gc.collect()
    gc.disable()
    try:
        build_segment(FileStorage(str(tmp_path)), kb_index.make_schema(), records)
        leftover = gc.collect()
    finally:
        gc.enable()
    # This is the folder's second segment: whoosh's per-document writer finds MAIN.tmp there, and
    # its FileStorage.create() once caught that error into a traceback cycle holding the calling
    # frames, the whole builder among them (~190 objects; _QuietFileStorage). Before that, the term
    # table writer referred to itself, and kept a tuple per term (~6,000 here) in a cycle.
    assert leftover == 0, leftover


def test_slices_keep_sources_of_one_id_together():
    units = [("a/x.md", b""), ("a/x.txt", b""), ("a/y.md", b""), ("a/z.md", b"")]
    assert stream.plan_slices(units, [10, 10, 10, 10], target=10) == [(0, 2), (2, 3), (3, 4)]


def test_slices_weigh_each_source_not_only_its_bytes(monkeypatch):
    """Many short sources cost more than their bytes say: slices balance bytes plus a cost per source."""
    monkeypatch.setattr(stream, "SLICE_BYTES", 1)
    units = [(f"short/{i:03d}.md", b"") for i in range(60)] + [(f"long/{i}.md", b"") for i in range(6)]
    sizes = [100] * 60 + [3_000] * 6
    bounds = stream.plan_work(units, stream.unit_costs(units, sizes), procs=2)
    costs = [sum(size + stream.SOURCE_COST_BYTES for size in sizes[a:b]) for a, b in bounds]
    assert len(bounds) == 2 * stream.SLICES_PER_WORKER
    assert max(costs) - min(costs) <= 3_000 + stream.SOURCE_COST_BYTES  # within one source
    # by bytes alone the 60 short sources would have gone in one or two slices
    assert sum(1 for a, _ in bounds if a < 60) >= 4
    assert stream.plan_work(units, stream.unit_costs(units, sizes), procs=1) == [(0, len(units))]


@pytest.mark.slow
def test_compact_lexicon_answers_like_simplemma_dict(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path))
    assert lexicon.load_compact_lexicon() is None
    assert lexicon.write_compact_lexicon()
    compact = lexicon.load_compact_lexicon()
    full = lexicon.build_lexicon(False)
    assert compact is not None and compact.lemmas == full.lemmas
    raw = lexicon.raw_forms()
    keys = [k.decode() for i, k in enumerate(raw) if i % 97 == 0]
    words = keys + [w + "x" for w in keys] + ["sverige", "möbler", "avfallet", "kap", "", "1999"]
    assert [compact.lemma(w) for w in words] == [full.lemma(w) for w in words]


def _texts(pieces: list[str], max_size: int):
    """Strings made of ``pieces`` (characters and short phrases) the token rules treat apart."""
    return st.lists(st.sampled_from(pieces), max_size=max_size).map("".join)


_TEXT = _texts(list("abcåöé ABÅ019-,.:\u00a0§") + [" och ", " samt ", "bygg- ", "19 a ", " i "], 40)


@given(_TEXT)
@settings(max_examples=300, deadline=None)
def test_latin1_token_regex_equals_tokenizer_regex(text):
    for value in (text, text.lower()):
        assert LATIN1_TOKEN_RE.findall(value) == FLAT_TOKEN_RE.findall(value)


_LATIN1_TEXT = _texts(list("aAbeEfzöÖÉß0912 \u00a0-:,._²ªµ×\n") + ["19 a", "1,5", "2016:1145", "bygg-", "x-y"], 30)


@pytest.mark.slow
@given(_LATIN1_TEXT)
@settings(max_examples=1000, deadline=None)
def test_compiled_latin1_tokens_equal_the_regex(text):
    """``kb.analysis.native_text.latin1_tokens``: lower-casing and ``LATIN1_TOKEN_RE`` in one pass, and
    whether the hyphen or section-number path is needed."""
    lowered = text.lower()
    expected = (LATIN1_TOKEN_RE.findall(lowered), "-" in lowered or SECTION_HINT_RE.search(lowered) is not None)
    assert latin1_tokens(text, LATIN1_LOWER, LATIN1_CLASSES) == expected


def test_compiled_latin1_tokens_cover_every_latin1_character_and_refuse_the_rest():
    every = "".join(chr(i) for i in range(1, 256))
    upper = "".join(c.upper() if len(c.upper()) == 1 and ord(c.upper()) < 256 else c for c in every)
    for text in (every, upper, " ".join(every), "-".join(every), "1".join(every), ". 1".join(every)):
        lowered = text.lower()
        assert latin1_tokens(text, LATIN1_LOWER, LATIN1_CLASSES)[0] == LATIN1_TOKEN_RE.findall(lowered)
    assert latin1_tokens("möbel Ω", LATIN1_LOWER, LATIN1_CLASSES) is None  # the general path
    with pytest.raises(ValueError):
        latin1_tokens("möbel", b"short", LATIN1_CLASSES)


_ANALYSIS = FieldAnalysis(index_analyzer())


@given(
    st.lists(
        st.sampled_from(
            [
                "bygg-",
                "och",
                "samt",
                "rivningsavfall",
                "LCA-baserade",
                "krav",
                "möbler",
                "19",
                "a",
                "kap.",
                "-",
                "i",
                "återbruk",
                "Miljö-",
                "eller",
                "energidepartementet",
                "2016:1145",
                "kontorsmöbler",
                "EU-",
                "EES-avtalet",
            ]
        ),
        max_size=14,
    )
)
@settings(max_examples=300, deadline=None)
def test_field_analysis_equals_generator_chain_on_word_salad(words):
    value = " ".join(words)
    assert _ANALYSIS.analyze(value) == reference_analysis(_ANALYSIS._analyzer, value)


@pytest.mark.slow
def test_compact_folded_lexicon_answers_like_the_folded_build(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path))
    assert lexicon.load_compact_lexicon(folded=True) is None
    assert lexicon.write_compact_lexicon()
    compact = lexicon.load_compact_lexicon(folded=True)
    full = lexicon.build_lexicon(True)
    assert compact is not None and compact.lemmas == full.lemmas
    raw = lexicon.raw_forms()
    keys = [k.decode() for i, k in enumerate(raw) if i % 89 == 0]
    words = keys + [lexicon.fold(w) for w in keys] + ["mobler", "aterbruk", "sverige", "kap", "", "1999", "straße"]
    assert [compact.lemma(w) for w in words] == [full.lemma(w) for w in words]
    assert compact.lemma("mobler") == "mobel"


def test_an_open_run_is_halved_by_what_it_still_has_to_do(monkeypatch):
    """A worker freed while another is on the open tail run takes the second half of what is left."""
    monkeypatch.setattr(stream, "SLICE_BYTES", 100)
    units = [(f"t/{i:03d}.md", b"") for i in range(100)]
    costs = [10] * 50 + [30] * 50  # the run's second half costs three times as much per unit
    assert stream.halve_open_run(units, costs, 0, 0, 100) == 67  # 2,000 in all: 1,010 / 990
    assert stream.halve_open_run(units, costs, 60, 60, 100) == 80  # only what is left counts
    assert stream.halve_open_run(units, costs, 40, 40, 80) == 63  # 490 / 510
    assert stream.halve_open_run(units, costs, 95, 95, 100) == 100  # less than SLICE_BYTES would move: no cut
    # the run's worker did 0-40 (400) already and will write their segment too: it keeps
    # 500 - 0.3 * 400 / 2.6 = 454 of what is left (cut at 460 + 30 / 2 > 454)
    assert stream.halve_open_run(units, costs, 0, 40, 80) == 62
    # one unit worth more than the half: the run's worker still keeps it (no empty slice)
    assert stream.halve_open_run(units[:52], [10] * 50 + [3000, 10], 0, 50, 52) == 51
    paired = [(f"p/{i // 2:03d}.{'md' if i % 2 else 'txt'}", b"") for i in range(100)]
    assert stream.halve_open_run(paired, [10] * 100, 0, 0, 61) % 2 == 0  # sources of one id stay together
    assert stream.halve_open_run(paired, [10] * 100, 0, 31, 61) % 2 == 0


@pytest.mark.slow
def test_workers_share_the_tail_and_the_index_keeps_document_order(units, tmp_path, monkeypatch):
    """Built by two workers with an open tail run, the index equals the one-process build."""
    reference = _dump(stream.write_index_streaming(units, ingest_item, tmp_path / "one", procs=1).path)
    monkeypatch.setattr(stream, "SLICE_BYTES", 1)  # many planned slices: a tail to share
    monkeypatch.setattr(stream, "SLICES_PER_WORKER", 4)
    info = stream.write_index_streaming(units, ingest_item, tmp_path / "two", procs=2)
    assert _dump(info.path) == reference
    assert [d.id for d in kb_index.load_documents(info.path)] == [
        d.id for d in kb_index.load_documents(tmp_path / "one" / "current")
    ]


def test_a_freed_worker_takes_the_second_half_of_the_open_tail_run(units, tmp_path, monkeypatch):
    """The protocol of ``run_slices``, with threads for workers: the first worker free takes the
    whole tail; when the second is free, the open run is cut where half of its rest begins."""
    import multiprocessing
    import threading
    import time

    from whoosh.filedb.filestore import FileStorage

    monkeypatch.setattr(stream, "SLICE_BYTES", 1)
    monkeypatch.setattr(stream, "EXTRA_TAIL_RUNS", 0)  # no third cut: the run ends as planned
    FileStorage(str(tmp_path)).create()
    shared, lock = multiprocessing.RawArray("q", 4), threading.Lock()
    position = {unit[0]: i for i, unit in enumerate(units)}
    tail_started = threading.Event()

    def gated_ingest(unit):
        i = position[unit[0]]
        if i == 4:  # the second worker's slice waits until the first is on the tail
            assert tail_started.wait(10)
        if i == 7:  # ... and ends only once units 8-13 are taken, so the cut is made from 14
            deadline = time.monotonic() + 10
            while shared[1] < 14 and time.monotonic() < deadline:
                time.sleep(0.001)
        if i == 12:
            tail_started.set()
        if i == 13:  # the open run waits until the parent has cut it
            deadline = time.monotonic() + 10
            while shared[0] == len(units) and time.monotonic() < deadline:
                time.sleep(0.001)
        return ingest_item(unit)

    class ThreadPool:
        def apply_async(self, func, args, callback, error_callback):
            def run():
                try:
                    callback(func(*args))
                except BaseException as error:  # noqa: BLE001 - handed to the parent as a pool would
                    error_callback(error)

            threading.Thread(target=run).start()

    monkeypatch.setattr(
        stream,
        "WORKER_STATE",
        {"folder": tmp_path, "ingest": gated_ingest, "schema": kb_index.make_schema(), "tail_runs": (shared, lock)},
    )
    costs = stream.unit_costs(units, [len(b) for _, b in units])
    bounds = [(0, 4), (4, 8), (8, 20), (20, len(units))]
    results = stream.run_slices(ThreadPool(), units, costs, bounds, 2, (shared, lock))
    cut = stream.halve_open_run(units, costs, 8, 14, len(units))  # units 8-13 taken before the cut
    assert 14 < cut < len(units)
    assert [(r.start, r.units) for r in results] == [(0, 4), (4, 4), (8, cut - 8), (cut, len(units) - cut)]
    assert [r.index for r in results] == [0, 1, 2, 3]
