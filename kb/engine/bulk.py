"""Streaming bulk build: sources → index segments in worker processes, nothing held in the parent.

``write_index`` takes every ``Document`` in memory and forks workers that inherit them; on a
large corpus that means the parent holds all documents (and the lexicon) and every forked
child counts those pages again. Here the parent only cuts the sources (``units``: paths,
or (name, bytes) pairs) into contiguous slices of about equal cost (``plan_work``). Each worker process, started fresh
(``spawn``), takes slices in turn and for each one ingests its units, analyses and writes
the sections as whoosh segments (a new segment whenever the in-memory postings reach
``SEGMENT_POSTINGS``) and its part of ``documents.jsonl``, and returns only small metadata.
Slices are joined in order, so document numbers follow the units' order as in a one-writer
build, and the index equals ``write_index`` over the same documents.

Document ids are made unique within a slice as ``kb.model.dedupe_ids`` does; a slice
never separates sources that would get the same id, and in the rare case that ids still
collide across slices, the build falls back to ingesting everything in this process and
``write_index``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh.fields import Schema

from kb.engine.index import (
    IndexInfo,
    document_json,
    join_document_parts,
    make_schema,
    manifest_row,
    section_records,
    write_manifest_rows,
    write_version,
)
from kb.model import Document, doc_id
from kb.util.processes import collector_off_for_good, cyclic_gc_paused, ignore_sigint, release_memory

Ingest = Callable[[Any], list[Document]]
log = logging.getLogger(__name__)

SLICES_PER_WORKER = 3  # enough to balance the workers; each slice ends a segment (search cost)
SLICE_BYTES = 2_000_000  # the smallest slice worth a worker's start-up
# A source's own cost (reading, front matter, document, records), counted as this many bytes
# of text when slices are balanced: fitted on the scale corpus, ~1.6 ms per source against
# ~1.1 s per MB. By bytes alone, slices of many short sources took twice as long as slices of
# a few long statutes, and one worker sat idle for the last 20 s.
SOURCE_COST_BYTES = 1_500
# Writing a slice's segment at its end takes about this share of the time spent on its sources
# (scale corpus: 7.0 s after 23.4 s of statutes, 2.1 s after 6.3 s of Government texts).
FINISH_SHARE = 0.3
EXTRA_TAIL_RUNS = 1  # tail runs beyond one per worker: a cut to even out halves that proved unequal
SEGMENT_POSTINGS = 3_000_000  # term-in-section postings per segment (~100 MB packed): bounds memory


@dataclass
class SliceResult:
    index: int
    segments: list = field(default_factory=list)
    start: int = 0  # the first unit's position: results are joined in this order
    sections: int = 0
    manifest: list[list[str]] = field(default_factory=list)
    units: int = 0
    started: float = 0.0  # time.time() in the worker: a timeline of the slices (debug log)
    finished: float = 0.0
    pid: int = 0


class _IdCollision(Exception):
    """Two slices produced the same document id (see the module doc)."""


def _label(unit: Any) -> str:
    """The source path of a unit: a (name, bytes) pair, a path or an object with ``rel``."""
    if isinstance(unit, tuple):
        return str(unit[0])
    return str(getattr(unit, "rel", unit))


def plan_slices(units: Sequence[Any], sizes: Sequence[int], target: int = SLICE_BYTES) -> list[tuple[int, int]]:
    """Contiguous (start, end) runs of about ``target`` bytes; sources whose paths give the
    same document id (a.md, a.txt) stay in one run, so ids can be made unique per run."""
    bounds: list[tuple[int, int]] = []
    start, size = 0, 0
    for i in range(len(units)):
        size += sizes[i]
        if size >= target and i + 1 < len(units) and doc_id(_label(units[i])) != doc_id(_label(units[i + 1])):
            bounds.append((start, i + 1))
            start, size = i + 1, 0
    if start < len(units):
        bounds.append((start, len(units)))
    return bounds


def unit_costs(units: Sequence[Any], sizes: Sequence[int] | None) -> list[int]:
    """What each unit is expected to cost: its bytes plus ``SOURCE_COST_BYTES`` (1 each without sizes)."""
    return [size + SOURCE_COST_BYTES for size in sizes] if sizes is not None else [1] * len(units)


def plan_work(units: Sequence[Any], costs: Sequence[int], procs: int) -> list[tuple[int, int]]:
    """``SLICES_PER_WORKER`` slices per worker of about equal ``costs`` (``unit_costs``: each
    source's bytes plus ``SOURCE_COST_BYTES``). One slice for one worker."""
    if procs <= 1:
        return [(0, len(units))] if units else []
    return plan_slices(units, costs, max(SLICE_BYTES, sum(costs) // (procs * SLICES_PER_WORKER) + 1))


def halve_open_run(units: Sequence[Any], costs: Sequence[int], start: int, next_unit: int, stop: int) -> int:
    """Where to cut an open run of units ``start:stop`` that has ``next_unit:stop`` left, so that its
    worker and a newly free one end together: each gets about half of what is left, the first a
    little less, since it also writes the segment of what it did (``FINISH_SHARE``). Sources of
    one id stay on one side. ``stop`` when nothing is worth cutting off (less than ``SLICE_BYTES``)."""
    left = sum(costs[next_unit:stop])
    if left / 2 < SLICE_BYTES:
        return stop
    # (1 + f) * mine + f * done = (1 + f) * (left - mine), for the same time to each end
    half = left / 2 - FINISH_SHARE * sum(costs[start:next_unit]) / (2 * (1 + FINISH_SHARE))
    cut, spent = next_unit, 0
    while cut < stop and spent + costs[cut] / 2 < half:
        spent += costs[cut]
        cut += 1
    cut = max(cut, next_unit + 1)  # the run's worker keeps one unit at least (no empty slice)
    while 0 < cut < stop and doc_id(_label(units[cut - 1])) == doc_id(_label(units[cut])):
        cut += 1
    return cut


@dataclass
class _Placeholder:
    """Stands for an id already taken earlier in the slice (for ``dedupe_ids``)."""

    id: str
    source: str = ""


@cyclic_gc_paused()
def ingest_slice(
    folder: Path,
    index: int,
    units: list[Any],
    ingest: Ingest,
    schema: Schema | None = None,
    claim: Callable[[], bool] | None = None,
) -> SliceResult:
    """Ingest ``units`` and write them as segment(s) plus ``.documents-<index>.jsonl`` in ``folder``
    (with the cyclic garbage collector paused: see ``cyclic_gc_paused``). ``claim`` (an open
    run's) is asked before each unit, and False ends the slice there: the rest went to another worker."""
    from whoosh.filedb.filestore import FileStorage

    from kb.engine.segment import SegmentBuilder
    from kb.model import dedupe_ids

    schema = schema or make_schema()
    storage = FileStorage(str(folder))
    result = SliceResult(index, started=time.time(), pid=os.getpid())
    builder = SegmentBuilder(storage, schema)
    seen: set[str] = set()
    units.reverse()  # pop from the end: each source's bytes are freed once ingested
    with open(folder / f".documents-{index:04d}.jsonl", "w", encoding="utf-8") as out:
        while units and (claim is None or claim()):
            result.units += 1
            docs = ingest(units.pop())
            if not docs:
                continue
            if seen.intersection(d.id for d in docs) or len({d.id for d in docs}) < len(docs):
                docs = dedupe_ids([*(_Placeholder(i) for i in seen), *docs])[len(seen) :]
            for doc in docs:
                seen.add(doc.id)
                for record in section_records(doc):
                    builder.add(record)
                out.write(document_json(doc) + "\n")
                result.manifest.append(manifest_row(doc))
            if builder.postings_added >= SEGMENT_POSTINGS:
                result.segments.append(builder.finish())
                result.sections += builder.docnum
                builder = SegmentBuilder(storage, schema)
                release_memory()
    if builder.docnum:
        result.segments.append(builder.finish())
        result.sections += builder.docnum
    result.finished = time.time()
    return result


def run_slices(pool, units: Sequence[Any], costs: list[int], bounds: list[tuple[int, int]], procs: int, tail_runs):
    """Each slice to a free worker, in order. The last ``procs`` slices are not cut as planned:
    the first worker to run out takes all of them as one open run, and each worker freed after
    it cuts off the second half of what the open run with most left still has to do
    (``halve_open_run``), so the workers end together. A worker freed after that may cut once
    more (``EXTRA_TAIL_RUNS``: one extra segment at most), when the halves proved unequal.
    Results in document order.

    Why: how long the last units take is only known once a worker is on them (the scale
    corpus ends with statutes, twice as fast per byte as the Government texts before them);
    cuts made by the rate of earlier slices left one worker idle for up to 2.4 s, and halves
    by bytes alone for up to 3.2 s (the first half's worker also writes the bigger segment).
    ``tail_runs`` is the shared (stop, next unit) pairs of the open runs and their lock.
    """
    split = len(bounds) >= 2 * procs  # a first round for every worker before the tail
    fixed = bounds[:-procs] if split else bounds
    tail = (bounds[-procs][0], bounds[-1][1]) if split else None
    shared, lock = tail_runs
    done: queue.SimpleQueue = queue.SimpleQueue()
    running: set[int] = set()
    results: list[SliceResult] = []
    starts: list[int] = []  # the first unit of each tail run handed out (its slot in ``shared``)

    def hand_out(index: int, a: int, b: int, slot: int | None = None) -> None:
        running.add(index)
        pool.apply_async(_slice_task, ((index, a, list(units[a:b]), slot),), callback=done.put, error_callback=done.put)

    def open_run(a: int, b: int) -> None:
        slot = len(starts)
        with lock:
            shared[2 * slot], shared[2 * slot + 1] = b, a
        starts.append(a)
        hand_out(len(fixed) + slot, a, b, slot)

    for index, (a, b) in enumerate(fixed[:procs]):
        hand_out(index, a, b)
    handed = min(procs, len(fixed))
    while running:
        try:
            result = done.get(timeout=0.2)  # a timeout keeps Ctrl-C responsive
        except queue.Empty:
            continue
        if isinstance(result, BaseException):
            raise result
        running.discard(result.index)
        results.append(result)
        if handed < len(fixed):
            hand_out(handed, *fixed[handed])
            handed += 1
        elif tail is not None:
            open_run(*tail)
            tail = None
        elif 0 < len(starts) < procs + EXTRA_TAIL_RUNS:
            with lock:  # the workers take no unit meanwhile
                left = {slot: sum(costs[shared[2 * slot + 1] : shared[2 * slot]]) for slot in range(len(starts))}
                slot = max(left, key=left.get)
                stop, next_unit = shared[2 * slot], shared[2 * slot + 1]
                cut = halve_open_run(units, costs, starts[slot], next_unit, stop)
                shared[2 * slot] = cut
            if cut < stop:
                open_run(cut, stop)
    return sorted(results, key=lambda r: r.start)


WORKER_STATE: dict = {}


def _init_worker(folder: Path, ingest: Ingest, tail_runs) -> None:
    ignore_sigint()
    collector_off_for_good()
    WORKER_STATE.update(folder=folder, ingest=ingest, schema=make_schema(), tail_runs=tail_runs)


def _claimer(slot: int, start: int) -> Callable[[], bool]:
    """An open run's ``claim``: takes the next unit unless the parent has cut the run before it."""
    shared, lock = WORKER_STATE["tail_runs"]
    next_unit = start

    def claim() -> bool:
        nonlocal next_unit
        with lock:
            if next_unit >= shared[2 * slot]:
                return False
            next_unit += 1
            shared[2 * slot + 1] = next_unit
            return True

    return claim


def _slice_task(job: tuple[int, int, list[Any], int | None]) -> SliceResult:
    index, start, units, slot = job
    try:
        claim = _claimer(slot, start) if slot is not None else None
        state = WORKER_STATE
        result = ingest_slice(state["folder"], index, units, state["ingest"], state["schema"], claim)
        result.start = start
        threading.Thread(target=_fsync_segments, args=(WORKER_STATE["folder"], result.segments), daemon=True).start()
        return result
    finally:
        release_memory()


def _fsync_segments(folder: Path, segments: list) -> None:
    """Flush a slice's segment files to disk in its worker, in a thread beside its next slice:
    the version's ``fsync_tree`` at the end then finds them clean (~1 s less), and no worker
    waits for the disk between slices (0.05-0.2 s each). A worker stopped mid-flush loses
    nothing: ``fsync_tree`` flushes every file before the version is published."""
    prefixes = tuple(segment.segment_id() + "." for segment in segments)
    for entry in os.scandir(folder):
        if entry.name.startswith(prefixes):
            with open(entry.path, "rb") as f:
                os.fsync(f.fileno())


def _log_timeline(results: list[SliceResult]) -> None:
    """Each slice's worker and seconds, from the first slice's start: shows idle workers."""
    if not log.isEnabledFor(logging.DEBUG) or not results:
        return
    t0 = min(r.started for r in results)
    for r in results:
        log.debug(
            "slice %d: %d sources, %d sections, %d segments, worker %d, %.1f-%.1f s",
            r.index,
            r.units,
            r.sections,
            len(r.segments),
            r.pid,
            r.started - t0,
            r.finished - t0,
        )


def ensure_compact_lexicon(ctx=None) -> None:
    """Write the compact lexicon cache if missing, in a short-lived process: loading
    simplemma's table costs ~200 MB that this process and the workers should not keep."""
    from kb.analysis.lexicon import compact_lexicon_files, write_compact_lexicon

    if all(p.exists() for p in compact_lexicon_files()):
        return
    ctx = ctx or multiprocessing.get_context("spawn")
    helper = ctx.Process(target=write_compact_lexicon)
    helper.start()
    helper.join()


def write_index_streaming(
    units: Sequence[Any],
    ingest: Ingest,
    index_root: Path,
    *,
    sizes: Sequence[int] | None = None,
    procs: int | None = None,
    fingerprint: str = "",
    switch: bool = True,
) -> IndexInfo:
    """Ingest ``units`` with ``ingest(unit) -> [Document]`` (a module-level function: workers
    import it) and write them as a new index version, in ``procs`` worker processes.

    ``sizes`` (bytes per unit) balance the slices; the same version folder, atomic switch and
    clean-up on interruption as ``write_index``.
    """
    procs = procs or os.cpu_count() or 1
    costs = unit_costs(units, sizes)
    bounds = plan_work(units, costs, procs)

    def fill(folder: Path, schema: Schema) -> tuple[list, int, int]:
        ctx = multiprocessing.get_context("spawn")
        ensure_compact_lexicon(ctx)
        if procs > 1 and len(bounds) > 1:
            tail_runs = (ctx.RawArray("q", 2 * (procs + EXTRA_TAIL_RUNS)), ctx.Lock())
            pool = ctx.Pool(procs, initializer=_init_worker, initargs=(folder, ingest, tail_runs))
            try:
                results = run_slices(pool, units, costs, bounds, procs, tail_runs)
            finally:
                # Every result is in (or the build failed) and nothing is left for the workers:
                # stop them without their exit, which frees their word memos object by object.
                pool.terminate()
                pool.join()
        else:
            results = [ingest_slice(folder, i, list(units[a:b]), ingest, schema) for i, (a, b) in enumerate(bounds)]
        _log_timeline(results)
        manifest = [row for r in results for row in r.manifest]
        if len({row[0] for row in manifest}) < len(manifest):
            raise _IdCollision
        join_document_parts(folder, [r.index for r in results])
        write_manifest_rows(folder, manifest)
        return [s for r in results for s in r.segments], len(manifest), sum(r.sections for r in results)

    try:
        return write_version(index_root, fill, fingerprint=fingerprint, switch=switch)
    except _IdCollision:
        from kb.model import dedupe_ids

        documents = dedupe_ids([d for unit in units for d in ingest(unit)])
        return write_index(documents, index_root, fingerprint=fingerprint, procs=procs, switch=switch)


def _itself(document: Document) -> list[Document]:
    return [document]


def write_index(
    documents: list[Document],
    index_root: Path,
    fingerprint: str = "",
    procs: int = 1,
    switch: bool = True,
) -> IndexInfo:
    """Write ``documents`` (already in memory) as a new index version and switch ``current`` to it.

    The same path as a large build (``write_index_streaming``), each document a unit; in this
    process by default, since a knowledge base small enough to hold in memory is written
    faster than worker processes start."""
    return write_index_streaming(documents, _itself, index_root, procs=procs, fingerprint=fingerprint, switch=switch)
