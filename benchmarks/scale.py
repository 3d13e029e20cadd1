"""Scale benchmark: the project's ingestion + Swedish index vs stock Whoosh, in one run.

    python -m benchmarks.scale /work/shared/corpus/scale [--limit N] [--procs 2] [--rounds 5]

Reads every ``*.tar.gz`` in PATH (Markdown members: statutes with YAML front matter, Government
Offices texts), then

* kb: ``kb.engine.bulk.write_index_streaming``: ``--procs`` worker processes each take contiguous
  slices of the members, parse them with the project's ingestion (``kb.ingest`` parsers on the
  bytes, the real sectioning), analyse them with the full Swedish analysis and write their
  segments and documents; its dev-query searches go through ``kb.search.searcher.Searcher`` in this
  process;
* stock: whoosh with ``LanguageAnalyzer("sv")``, one document per file (title = first ``# ``
  line, body = the whole text), one process, default writer; queries through a
  ``MultifieldParser`` over title/body.

Both builds come first; then both systems' searches are timed in alternating rounds (a round
of kb, a round of stock, ...): this machine's speed drifts by a third within minutes, and
taking turns lays a drift on both alike, so their ratio holds even when the times move.

Prints documents, sections, MB of text, wall seconds, MB/s, index size, peak RSS (this process
plus its children, sampled) and query p50/p95, and the kb/stock ratios. Reading the archives
is timed separately and excluded from both builds: their members are spooled to one file in
the work folder (in the page cache after that), and both builds read each member from it as
they go, as a build reads its source files (neither holds all 94 MB in its memory).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV_QUERIES = ROOT / "tests" / "data" / "dev.json"


# -- input -------------------------------------------------------------------------------


def read_archives(path: Path, limit: int | None = None) -> list[tuple[str, bytes]]:
    """(rel, bytes) for each Markdown member, under a ``related/<archive>/`` layout, in name order."""
    return sorted(archive_members(path, limit), key=lambda item: item[0])


def archive_members(path: Path, limit: int | None = None) -> Iterator[tuple[str, bytes]]:
    """(rel, bytes) for each Markdown member, in archive order (``limit`` split over archives)."""
    archives = sorted(path.glob("*.tar.gz")) if path.is_dir() else [path]
    per_archive = None if limit is None else max(1, limit // max(1, len(archives)))
    for archive in archives:
        prefix = "related/" + archive.name.split("-")[0] + "/"
        taken = 0
        with tarfile.open(archive) as tf:
            while (member := tf.next()) is not None:
                tf.members = []  # TarFile lists every member it reads: 52k objects the bench would hold
                if not member.isfile() or not member.name.endswith((".md", ".markdown")):
                    continue
                name = member.name[2:] if member.name.startswith("./") else member.name
                name = name.split("/", 1)[1] if name.startswith(prefix.split("/")[1] + "/") else name
                yield prefix + name, tf.extractfile(member).read()
                taken += 1
                if per_archive is not None and taken >= per_archive:
                    break


def spool_archives(path: Path, spool: Path, limit: int | None = None) -> list[tuple[str, str, int, int]]:
    """``read_archives``, but the members' bytes go to the file ``spool`` (the page cache, not
    this process's memory): (rel, spool path, offset, length) per member. Both builds read each
    member from there as they go, as a build reads its source files."""
    items: list[tuple[str, str, int, int]] = []
    offset = 0
    name = str(spool)  # one string shared by every item
    with open(spool, "wb") as out:
        for rel, data in archive_members(path, limit):
            out.write(data)
            items.append((rel, name, offset, len(data)))
            offset += len(data)
    items.sort(key=lambda item: item[0])
    return items


_SPOOLS: dict[str, int] = {}


def member_bytes(item: tuple) -> tuple[str, bytes]:
    """(rel, bytes) of a (rel, bytes) pair or a spooled (rel, path, offset, length) member."""
    if len(item) == 2:
        return item
    rel, path, offset, length = item
    fd = _SPOOLS.get(path)
    if fd is None:
        fd = _SPOOLS[path] = os.open(path, os.O_RDONLY)
    return rel, os.pread(fd, length, offset)


def _stem(rel: str) -> str:
    """``PurePosixPath(rel).stem`` without making a path object (~4% of ingesting a member)."""
    name = rel.rpartition("/")[2]
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def ingest_bytes(rel: str, data: bytes) -> list:
    """``kb.ingest.ingest`` on bytes instead of a path (no manifest: empty metadata)."""
    from kb.ingest import SkipSource
    from kb.ingest.decode import decode
    from kb.ingest.markdown import ingest_markdown
    from kb.model import content_hash

    try:
        text = decode(data, ".md")
        docs = ingest_markdown(rel, text, {}, _stem(rel))
    except SkipSource:
        return []
    if not any(s.blocks for d in docs for s in d.sections):
        return []
    digest = content_hash(data + b"{}")
    for doc in docs:
        doc.content_hash = digest
    return docs


def ingest_item(item: tuple) -> list:
    """``ingest_bytes`` on one member (see ``member_bytes``): the unit ``kb.engine.bulk`` workers ingest."""
    return ingest_bytes(*member_bytes(item))


# -- measuring ---------------------------------------------------------------------------


class PeakRSS:
    """Peak of (RSS of this process + RSS of all its descendants), sampled every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self.peak_pss = 0
        self.by_pid: dict[int, int] = {}  # each process's own peak RSS (printed with --slices)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _run(self) -> None:
        n = 0
        while not self._stop.wait(0.05):
            n += 1
            self.sample(pss=n % 20 == 0)

    def sample(self, pss: bool = True) -> None:
        """RSS every 50 ms; PSS every second: ``smaps_rollup`` walks every page table of the
        process, ~5 ms per worker, and every 200 ms it took a few % of the CPU it measures."""
        pids = _descendants(os.getpid()) + [os.getpid()]
        sizes = list(map(_rss, pids))
        self.peak = max(self.peak, sum(sizes))
        for pid, size in zip(pids, sizes, strict=True):
            self.by_pid[pid] = max(size, self.by_pid.get(pid, 0))
        if pss:
            self.peak_pss = max(self.peak_pss, sum(map(_pss, pids)))


def _descendants(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            children = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            out.append(child)
            out.extend(_descendants(child))
    return out


def _rss(pid: int) -> int:
    return _proc_bytes(f"/proc/{pid}/status", "VmRSS:")


def _pss(pid: int) -> int:
    """Proportional set size: shared (forked, copy-on-write) pages counted once overall."""
    return _proc_bytes(f"/proc/{pid}/smaps_rollup", "Pss:")


def _proc_bytes(path: str, label: str) -> int:
    """The kB figure on the ``label`` line of a /proc file, in bytes (0 once the process is gone)."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(label):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished (waited-for) children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def latencies(runs: dict[str, Callable[[str], object]], queries: list[str], rounds: int) -> dict[str, tuple]:
    """(p50, p95) ms of each system's searches: one warm-up round each (opens readers, fills
    caches), then ``rounds`` timed rounds of every query, the systems taking turns by round."""
    for run in runs.values():
        for q in queries:
            run(q)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            for q in queries:
                started = time.perf_counter()
                run(q)
                times[name].append((time.perf_counter() - started) * 1000)
    return {name: (statistics.median(sorted(ts)), percentile(sorted(ts), 0.95)) for name, ts in times.items()}


def percentile(sorted_times: list[float], fraction: float) -> float:
    """The value at ``fraction`` of the sorted times (the nearest rank below it)."""
    return sorted_times[min(len(sorted_times) - 1, int(fraction * len(sorted_times)))]


def dev_queries() -> list[str]:
    return judged_queries(DEV_QUERIES)


def judged_queries(path: Path) -> list[str]:
    """The query texts of a judged set (``tests/data/dev.json``, ``tests/data/questions-dev.json``)."""
    return [q["query"] for q in json.loads(Path(path).read_text(encoding="utf-8"))]


# -- the two systems ---------------------------------------------------------------------


def run_kb(items, workdir: Path, procs: int, per_process: bool = False) -> dict:
    """Build figures, and ``search``: one dev query the way the API answers it (a page of 10)."""
    from kb.engine.bulk import write_index_streaming

    index_root = workdir / "kb-index"
    with PeakRSS() as rss:
        started = time.perf_counter()
        cpu_started = _cpu_seconds()
        info = write_index_streaming(
            items, ingest_item, index_root, sizes=[item[-1] for item in items], procs=procs
        )
        finished = time.perf_counter()
        cpu = _cpu_seconds() - cpu_started
    if per_process:
        print("peak RSS MB per process:", {pid: size >> 20 for pid, size in rss.by_pid.items() if size >> 20})
    from kb.engine.index import load_documents
    from kb.search import Searcher  # imported after the build: not part of its memory

    text_mb = sum(len(b.text.encode()) for d in load_documents(info.path) for s in d.sections for b in s.blocks) / 1e6
    searcher = Searcher(index_root, "http://127.0.0.1:8000/")
    return {
        "documents": info.documents,
        "sections": info.sections,
        "text_mb": text_mb,
        "seconds": finished - started,
        "cpu_s": cpu,
        "index_mb": folder_size(info.path) / 1e6,
        "rss_mb": rss.peak / 1e6,
        "pss_mb": rss.peak_pss / 1e6,
        "search": lambda q: searcher.search(q, limit=10),
    }


def run_stock(items, workdir: Path) -> dict:
    """Build figures, and ``search``: one dev query, its 10 best documents' paths read."""
    from whoosh import index as whoosh_index
    from whoosh.analysis import LanguageAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.qparser import MultifieldParser, OrGroup

    from kb.ingest.decode import decode

    folder = workdir / "stock-index"
    folder.mkdir()
    analyzer = LanguageAnalyzer("sv")
    schema = Schema(
        path=ID(stored=True, unique=True), title=TEXT(analyzer=analyzer, stored=True), body=TEXT(analyzer=analyzer)
    )
    text_bytes = 0
    with PeakRSS() as rss:
        started = time.perf_counter()
        cpu_started = _cpu_seconds()
        ix = whoosh_index.create_in(str(folder), schema)
        writer = ix.writer(limitmb=256)
        for item in items:
            rel, data = member_bytes(item)
            text = decode(data, ".md")
            text_bytes += len(data)
            title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), rel)
            writer.add_document(path=rel, title=title, body=text)
        writer.commit()
        finished = time.perf_counter()
        cpu = _cpu_seconds() - cpu_started
    parser = MultifieldParser(["title", "body"], schema, group=OrGroup)
    searcher = ix.searcher()

    def run(q: str) -> None:
        hits = searcher.search(parser.parse(q), limit=10)
        [h["path"] for h in hits]

    return {
        "documents": len(items),
        "sections": len(items),
        "text_mb": text_bytes / 1e6,
        "seconds": finished - started,
        "cpu_s": cpu,
        "index_mb": folder_size(folder) / 1e6,
        "rss_mb": rss.peak / 1e6,
        "pss_mb": rss.peak_pss / 1e6,
        "search": run,
    }


def format_table(kb: dict, stock: dict | None) -> str:
    rows = [
        ("documents", "documents", "{:,.0f}"),
        ("sections (index docs)", "sections", "{:,.0f}"),
        ("MB of text", "text_mb", "{:.1f}"),
        ("wall seconds", "seconds", "{:.1f}"),
        ("CPU seconds (with children)", "cpu_s", "{:.1f}"),
        ("MB/s", "mbs", "{:.2f}"),
        ("index size MB", "index_mb", "{:.1f}"),
        ("peak RSS MB (with children)", "rss_mb", "{:.0f}"),
        ("peak PSS MB (with children)", "pss_mb", "{:.0f}"),
        ("query p50 ms", "p50", "{:.2f}"),
        ("query p95 ms", "p95", "{:.2f}"),
    ]
    for r in (kb, stock):
        if r:
            r["mbs"] = r["text_mb"] / r["seconds"] if r["seconds"] else 0.0
    head = f"{'':30} {'kb (Swedish)':>14}" + (f" {'stock whoosh':>14} {'kb/stock':>9}" if stock else "")
    lines = [head]
    for label, key, fmt in rows:
        line = f"{label:30} {fmt.format(kb[key]):>14}"
        if stock:
            ratio = kb[key] / stock[key] if stock[key] else float("nan")
            line += f" {fmt.format(stock[key]):>14} {ratio:>9.2f}"
        lines.append(line)
    lines.append(f"(kb: ingest + analysis + writing streamed in {kb.get('procs', '?')} worker processes)")
    if stock:
        lines.append("(queries: kb and stock timed in alternating rounds, after both builds)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", type=Path, help="folder with the *.tar.gz archives (or one archive)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N members (split over archives)")
    ap.add_argument("--procs", type=int, default=os.cpu_count() or 1, help="worker processes for kb")
    ap.add_argument("--rounds", type=int, default=5, help="query rounds over the dev queries")
    ap.add_argument("--no-stock", action="store_true", help="skip the stock Whoosh run")
    ap.add_argument("--keep", type=Path, default=None, help="build in this folder and keep it")
    ap.add_argument("--slices", action="store_true", help="print the kb slices' timeline and each process's peak RSS")
    args = ap.parse_args(argv)
    if args.slices:
        logging.basicConfig(format="%(message)s")
        logging.getLogger("kb.engine.bulk").setLevel(logging.DEBUG)

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="kb-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    spool = workdir / "members.spool"
    try:
        started = time.perf_counter()
        items = spool_archives(args.path, spool, args.limit)
        print(
            f"read {len(items):,} members, {sum(item[-1] for item in items) / 1e6:.1f} MB "
            f"in {time.perf_counter() - started:.1f} s (not counted below)",
            flush=True,
        )
        kb = run_kb(items, workdir, args.procs, per_process=args.slices)
        kb["procs"] = args.procs
        print(f"kb: {kb['seconds']:.1f} s", flush=True)
        stock = None if args.no_stock else run_stock(items, workdir)
        systems = {"kb": kb} if stock is None else {"kb": kb, "stock": stock}
        timed = latencies({name: r["search"] for name, r in systems.items()}, dev_queries(), args.rounds)
        for name, r in systems.items():
            r["p50"], r["p95"] = timed[name]
        print(format_table(kb, stock))
    finally:
        spool.unlink(missing_ok=True)
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
