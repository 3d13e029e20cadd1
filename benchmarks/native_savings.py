"""What each compiled helper of ``kb/engine/native.c and kb/analysis/native_text.c`` saves over the Python it replaces.

    python -m benchmarks.native_savings /work/shared/corpus/scale [--limit 3000] [--rounds 3]

Builds the first ``--limit`` scale members in this process (``write_index_streaming`` with one
worker: the build's own code path, not a worker pool), then runs the dev queries over that index
(a page of 10 with snippets, as the API answers). Each compiled function is wrapped while it runs
and the same work is done by its Python twin (the Python the C code replaces, with the standard
library's ``pickle`` and ``re`` where the C code imitates them); the twin's result must equal the
compiled one, or the benchmark stops.

* Calls that each do a lot (``encode_terms``) are timed as they come: each call ``--rounds`` times
  with C and with Python, taking turns, the least time of each.
* Calls that each do little (``word_ids``, ``latin1_tokens``: one per field value; ``word_runs``:
  one per snippet) are recorded and replayed afterwards, all of them in one timed loop, ``--rounds``
  times taking turns, the least time of each, so the clock's own cost does not count.

Times are the CPU time of this process (``time.process_time``): the machine is shared and its
wall-clock speed drifts. The build and query totals are measured without the wrappers first.
Prints per function: calls, seconds with C, seconds with Python, and the share of the whole build
(or of the dev queries) the compiled code saves; what Python's own ``pickle.dumps`` of the objects
``encode_terms`` pickles would cost by itself; and what the work that was compiled until this
benchmark showed Python costs little there (the term table with its MD5s and hash tables, each
term's total weight) costs in Python now.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from pickle import dumps

from benchmarks.scale import dev_queries, ingest_item, spool_archives

# ---- Python twins: the same arguments and results as the compiled functions


def encode_terms_python(*args):
    from kb.engine.segment import encode_terms_python as reference

    return reference(*args)


def word_ids_python(table, kept, new_word, start, spell, folded):
    ids = list(map(table.get, kept))
    if None in ids:
        ids = [i if i is not None else new_word(w) for i, w in zip(ids, kept, strict=True)]
    sizes = getattr(getattr(new_word, "__self__", None), "word_sizes", None)  # TextPostings keeps them
    if sizes is not None:
        length = sum(map(sizes.__getitem__, ids))
    else:
        length = sum([start[i + 1] - start[i] for i in ids])
    if spell is None:
        return ids, length, None
    words = set(ids)
    spelled = set(map(spell.__getitem__, words))
    spelled.update(map(folded.__getitem__, words))
    return ids, length, tuple(spelled)


def latin1_tokens_python(value, lower, classes):
    from kb.analysis.fast import LATIN1_TOKEN_RE, NOT_LATIN1_RE, SECTION_HINT_RE

    if NOT_LATIN1_RE.search(value):
        return None
    lowered = value.lower()
    return LATIN1_TOKEN_RE.findall(lowered), "-" in lowered or SECTION_HINT_RE.search(lowered) is not None


_RUN_TABLES: dict[bytes, bytes] = {}


def word_runs_python(raw, fold, word, needles, extra):
    """The needles' starts in the folded bytes, then the run of word characters around each
    (two byte searches in a copy where word characters are "w" and the rest " ")."""
    runs = _RUN_TABLES.get(word)
    if runs is None:
        runs = _RUN_TABLES[word] = bytes(ord("w") if w else ord(" ") for w in word)
    folded = raw.translate(fold)
    marked = raw.translate(runs)
    starts = set(extra)
    for needle in needles:
        p = folded.find(needle)
        while p >= 0:
            starts.add(p)
            p = folded.find(needle, p + 1)
    out: list[tuple[int, int]] = []
    run_end = -1
    for p in sorted(starts):
        if p < run_end:
            continue
        start = marked.rfind(b" ", 0, p) + 1
        end = marked.find(b" ", p)
        if end < 0:
            end = len(raw)
        if out and out[-1][0] == start:
            continue
        out.append((start, end))
        run_end = end
    return out


def _same_spelling(a, b) -> bool:
    """``word_ids`` results alike; the spelling ids are a set (their order is the hash table's)."""
    return a[:2] == b[:2] and (a[2] is None) == (b[2] is None) and sorted(a[2] or ()) == sorted(b[2] or ())


# ---- where each function is called from, and how it is measured


class Measured:
    """One compiled function: where it is looked up, its Python twin, and the time of both."""

    def __init__(self, name: str, owner: str, attr: str, twin: Callable, phase: str, inline: bool, same=None):
        self.name, self.owner, self.attr, self.twin = name, owner, attr, twin
        self.phase, self.inline = phase, inline  # "build" or "query"; timed per call or replayed
        self.same = same or (lambda a, b: a == b)
        self.calls: list[tuple] = []
        self.count = 0
        self.c_seconds = self.py_seconds = 0.0
        self.compiled = None
        self.parts: list[Part] = []

    def _holder(self):
        import importlib

        return importlib.import_module(self.owner)

    def install(self, rounds: int) -> bool:
        from kb.analysis import native_text
        from kb.engine import native

        self.compiled = getattr(native, self.name, None) or getattr(native_text, self.name, None)
        if self.compiled is None:
            return False
        holder = self._holder()
        target = getattr(holder, self.attr)
        wrapper = self._timed(rounds) if self.inline else self._recorder()
        if self.attr == "native":  # looked up as native.<name> at call time
            proxy = type("NativeProxy", (), {})()
            for key in dir(target):
                if not key.startswith("__"):
                    setattr(proxy, key, getattr(target, key))
            setattr(proxy, self.name, wrapper)
            setattr(holder, self.attr, proxy)
            self._restore = (holder, self.attr, target)
        else:
            setattr(holder, self.attr, wrapper)
            self._restore = (holder, self.attr, target)
        return True

    def uninstall(self) -> None:
        holder, attr, target = self._restore
        setattr(holder, attr, target)

    def _timed(self, rounds: int):
        compiled, twin, clock = self.compiled, self.twin, time.process_time

        def run(*args):
            self.count += 1
            best_c = best_py = float("inf")
            for _ in range(rounds):
                t0 = clock()
                expected = compiled(*args)
                t1 = clock()
                got = twin(*args)
                t2 = clock()
                best_c, best_py = min(best_c, t1 - t0), min(best_py, t2 - t1)
                if not self.same(expected, got):
                    raise AssertionError(f"{self.name}: the Python twin's result differs from the compiled one")
            self.c_seconds += best_c
            self.py_seconds += best_py
            for part in self.parts:
                part.time_inline(args, rounds)
            return compiled(*args)  # the real call, on the real buckets

        return run

    def _recorder(self):
        compiled, calls = self.compiled, self.calls

        def run(*args):
            calls.append(args)
            return compiled(*args)

        return run

    def replay(self, rounds: int) -> None:
        """Both versions over every recorded call, ``rounds`` times taking turns; the least of each."""
        calls, compiled, twin, clock = self.calls, self.compiled, self.twin, time.process_time
        self.count = len(calls)
        for args in calls:
            if not self.same(compiled(*args), twin(*args)):
                raise AssertionError(f"{self.name}: the Python twin's result differs on {args[:2]!r}")
        best_c = best_py = float("inf")
        for _ in range(rounds):
            t0 = clock()
            for args in calls:
                compiled(*args)
            t1 = clock()
            for args in calls:
                twin(*args)
            t2 = clock()
            best_c, best_py = min(best_c, t1 - t0), min(best_py, t2 - t1)
        self.c_seconds, self.py_seconds = best_c, best_py
        self.calls = []


class Part:
    """A piece of a compiled function's work done by Python instead (its C share cannot be timed
    apart): the Python time alone, e.g. ``sum()`` of each term's weights inside ``encode_terms``."""

    def __init__(self, name: str, python: Callable, prepare: Callable | None = None) -> None:
        self.name, self.python, self.prepare = name, python, prepare
        self.count, self.py_seconds = 0, 0.0

    def time_inline(self, args: tuple, rounds: int) -> None:
        if self.prepare is not None:  # objects the Python code would have at hand, made untimed
            args = self.prepare(*args)
        best = float("inf")
        for _ in range(rounds):
            t0 = time.process_time()
            self.python(*args)
            best = min(best, time.process_time() - t0)
        self.count += 1
        self.py_seconds += best


def block_objects(docs, weights, w32, lengths, npos, starts, positions, cuts, totals, length_bytes, limit, *rest):
    """What ``encode_terms`` pickles, as the Python objects ``pickle.dumps`` would take: each
    block's data and info tuples, each several-position posting's list of deltas."""
    from kb.engine.segment import position_values

    values = position_values(npos, starts, positions)
    lists = []
    for i in (npos > 1).nonzero()[0].tolist():
        pos = positions[starts[i] : starts[i] + npos[i]].tolist()
        lists.append([pos[0], *(b - a for a, b in zip(pos, pos[1:], strict=False))])
    ids, w, lens, bounds = docs.tolist(), w32.tolist(), lengths.tolist(), cuts.tolist()
    data, infos = [], []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        for s in range(a, b, limit):
            e = min(s + limit, b)
            block_w = w[s:e]
            same = block_w.count(block_w[0]) == len(block_w)
            mw = None if same and block_w[0] == 1.0 else block_w[0] if same else tuple(block_w)
            deltas = tuple(x - y for x, y in zip(ids[s:e], [ids[s] * 0, *ids[s : e - 1]], strict=True))
            data.append((deltas, mw, tuple(values[s:e])))
            infos.append((e - s, ids[e - 1], max(w[s:e]), 0, min(lens[s:e]) & 255, max(lens[s:e]) & 255))
    return lists, data, infos


def dump_blocks(lists, data, infos) -> None:
    """``pickle.dumps`` of ``block_objects``, at the protocols whoosh writes them with."""
    for obj in lists:
        dumps(obj, 2)
    for obj in data:
        dumps(obj, 3)
    for obj in infos:
        dumps(obj, 2)


class PythonOnly:
    """Work that was compiled until a profile showed Python costs little there: its share now."""

    def __init__(self, name: str, owner: str, attr: str) -> None:
        self.name, self.owner, self.attr = name, owner, attr
        self.count, self.py_seconds = 0, 0.0

    def install(self) -> None:
        import importlib

        holder = importlib.import_module(self.owner)
        python = getattr(holder, self.attr)
        self._restore = (holder, python)

        def run(*args):
            t0 = time.process_time()
            try:
                return python(*args)
            finally:
                self.count += 1
                self.py_seconds += time.process_time() - t0

        setattr(holder, self.attr, run)

    def uninstall(self) -> None:
        holder, python = self._restore
        setattr(holder, self.attr, python)


def python_only() -> list[PythonOnly]:
    return [
        # were term_records (records and whoosh's MD5 of each key) and hash_table in C
        PythonOnly("add_sorted_terms", "kb.engine.segment", "add_sorted_terms"),
        PythonOnly("write_hash_tables", "kb.engine.segment", "write_hash_tables"),
        # was added up in encode_terms by C code imitating sum()
        PythonOnly("term_totals", "kb.engine.segment", "term_totals"),
    ]


def measured_functions() -> list[Measured]:
    return [
        Measured("encode_terms", "kb.engine.segment", "native", encode_terms_python, "build", inline=True),
        Measured("word_ids", "kb.engine.postings", "word_ids", word_ids_python, "build", False, _same_spelling),
        Measured("latin1_tokens", "kb.analysis.fast", "latin1_tokens", latin1_tokens_python, "build", inline=False),
        Measured("word_runs", "kb.search.snippets", "word_runs", word_runs_python, "query", inline=False),
    ]


# ---- the build and the queries


def build(items, root: Path) -> float:
    """CPU seconds of one in-process build of ``items`` into ``root`` (emptied first)."""
    from kb.engine.bulk import write_index_streaming

    shutil.rmtree(root, ignore_errors=True)
    started = time.process_time()
    write_index_streaming(items, ingest_item, root, sizes=[item[-1] for item in items], procs=1)
    return time.process_time() - started


def query_round(search: Callable[[str], object], queries: list[str]) -> float:
    started = time.process_time()
    for q in queries:
        search(q)
    return time.process_time() - started


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", type=Path, help="folder with the scale *.tar.gz archives (or one archive)")
    ap.add_argument("--limit", type=int, default=3000, help="the first N members (split over archives)")
    ap.add_argument("--rounds", type=int, default=3, help="timed rounds per function (the least counts)")
    args = ap.parse_args(argv)

    from kb.search import Searcher

    work = Path(tempfile.mkdtemp(prefix="kb-native-"))
    try:
        items = spool_archives(args.path, work / "spool", args.limit)
        root = work / "index"
        build(items[:50], root)  # loads the lexicon and imports once, outside the measured build
        build_cpu = min(build(items, root) for _ in range(max(1, args.rounds - 1)))
        searcher = Searcher(root, "http://127.0.0.1:8000/")
        queries = dev_queries()
        query_round(searcher.search, queries)  # opens the readers, fills the caches
        query_cpu = min(query_round(searcher.search, queries) for _ in range(args.rounds))

        functions = measured_functions()
        installed = [f for f in functions if f.install(args.rounds)]
        plain = python_only()
        for f in plain:
            f.install()
        for f in installed:
            if f.name == "encode_terms":
                f.parts.append(Part("  its pickles", dump_blocks, block_objects))
        try:
            build(items, root)
            searcher = Searcher(root, "http://127.0.0.1:8000/")
            query_round(searcher.search, queries)
        finally:
            for f in installed + plain:
                f.uninstall()
        for f in installed:
            if not f.inline:
                f.replay(args.rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"{len(items)} members; build {build_cpu:.2f} CPU s (one process); "
        f"{len(queries)} dev queries {query_cpu * 1000:.0f} CPU ms per round"
    )
    print(f"{'function':<15}{'calls':>9}{'C s':>9}{'Python s':>10}{'saved':>9}  share of")
    for f in functions:
        if f not in installed:
            print(f"{f.name:<15}  not compiled (any more)")
            continue
        total = build_cpu if f.phase == "build" else query_cpu
        saved = f.py_seconds - f.c_seconds
        print(
            f"{f.name:<15}{f.count:>9}{f.c_seconds:>9.3f}{f.py_seconds:>10.3f}{saved:>9.3f}"
            f"  {100 * saved / total:5.1f}% of the {'build' if f.phase == 'build' else 'dev queries'}"
        )
        for part in f.parts:
            print(
                f"{part.name:<15}{part.count:>9}{'(in C)':>9}{part.py_seconds:>10.3f}{'':>9}"
                f"  {100 * part.py_seconds / total:5.1f}% of the build: Python's cost of this part"
            )
    for f in plain:
        print(
            f"{f.name:<15}{f.count:>9}{'-':>9}{f.py_seconds:>10.3f}{'':>9}"
            f"  {100 * f.py_seconds / build_cpu:5.1f}% of the build: Python now (once, not the least of rounds)"
        )


if __name__ == "__main__":
    main()
