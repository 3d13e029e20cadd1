"""Both index engines in one run: Whoosh (the folder) and PostgreSQL (a shared database).

    python -m benchmarks.engines --database postgresql://kb@127.0.0.1:54329/kb \\
        [--eval /work/shared/eval] [--scale /work/shared/corpus/scale] [--api] [--duration 10]

``--database`` names a server where a scratch database ``kb_bench_engines`` may be created and
dropped (``scripts/setup-postgres.sh`` starts one on loopback and prints its URL). Parts:

* relevance (``--eval FOLDER``): the default knowledge base (this repository's sources/) built,
  published, and every query of ``dev.json`` and ``questions-dev.json`` searched with both
  engines: nDCG@10, recall@10, MRR, and how many queries' top 10 differ;
* scale (``--scale FOLDER``, the archives of ``benchmarks.scale``; ``--limit N`` for a part):
  the Whoosh build, the publishing into PostgreSQL, index folder and database sizes, and query
  p50/p95 over the dev queries in alternating rounds (``benchmarks.scale.latencies``);
* API (``--api``): gunicorn with 2 and 4 workers per engine on the default knowledge base,
  response cache off, both engines' servers up side by side and wrk alternating between them
  (``--api-rounds`` runs each, the median reported) at 16 and 64 connections: requests/s, the
  ratio PostgreSQL ÷ Whoosh, p50, p99, errors; then the same while ``kb build`` adds a source and
  switches (Whoosh: the folder; PostgreSQL: the database; ``--no-rebuild`` skips it).

Prints one table per part; ``--json FILE`` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH_DB = "kb_bench_engines"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def scratch_database(server: str, name: str = BENCH_DB) -> str:
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name


def database_bytes(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def default_project(workdir: Path):
    """A project whose sources/ links to this repository's (the default knowledge base), built."""
    from kb.config import Project
    from kb.indexing.build import build

    root = workdir / "default-kb"
    (root / "sources").mkdir(parents=True)
    for child in (REPO / "sources").iterdir():
        os.symlink(child, root / "sources" / child.name)
    if (REPO / "mkdocs.yml").exists():
        shutil.copyfile(REPO / "mkdocs.yml", root / "mkdocs.yml")
    project = Project(root)
    build(project, site=False)
    return project


# -- relevance ---------------------------------------------------------------------------


def relevance(project, url: str, eval_dir: Path) -> dict:
    from kb.search import PostgresSearcher, Searcher
    from kb.search.evaluate import EvalHit, evaluate, load_judgments

    site_url, _ = project.site_settings()
    engines = {"whoosh": Searcher(project.index_root, site_url), "postgresql": PostgresSearcher(url, site_url)}
    out = {}
    for name in ("dev.json", "questions-dev.json"):
        judgments = load_judgments(eval_dir / name)
        tops: dict[str, list] = {}
        row = {}
        for engine, searcher in engines.items():
            tops[engine] = []

            def run(q: str, searcher=searcher, top=tops[engine]) -> list:
                hits = searcher.search(q, limit=10).hits
                top.append([(h.doc_id, h.anchor) for h in hits])
                return [EvalHit(h.title, h.section, h.source, h.url) for h in hits]

            report = evaluate(engine, judgments, run)
            row[engine] = {"ndcg": report.ndcg, "recall": report.recall, "mrr": report.mrr}
        row["queries"] = len(judgments)
        row["differing_top10"] = sum(a != b for a, b in zip(tops["whoosh"], tops["postgresql"], strict=True))
        out[name] = row
    # Round trips of a warm search (each query asked before): what the API's throughput pays per request.
    data = engines["postgresql"].database.current().data
    before, asked = data.queries, 0
    for name in ("dev.json", "questions-dev.json"):
        for judged in load_judgments(eval_dir / name):
            engines["postgresql"].search(judged["query"], limit=10, facets=True)
            asked += 1
    out["warm_round_trips_per_search"] = (data.queries - before) / asked
    before = data.queries
    for name in ("dev.json", "questions-dev.json"):
        for judged in load_judgments(eval_dir / name):
            engines["postgresql"].clear_caches()  # every word as if never asked (hits stay in memory)
            engines["postgresql"].search(judged["query"], limit=10, facets=True)
    out["cold_round_trips_per_search"] = (data.queries - before) / asked
    return out


# -- scale -------------------------------------------------------------------------------


def scale(scale_dir: Path, limit: int | None, url: str, workdir: Path, procs: int, rounds: int) -> dict:
    from benchmarks.scale import folder_size, ingest_item, latencies, spool_archives
    from kb.engine.bulk import write_index_streaming
    from kb.engine.postgres.publish import publish_version
    from kb.search import PostgresSearcher, Searcher

    spool = workdir / "members.spool"
    items = spool_archives(scale_dir, spool, limit)
    log(f"scale: {len(items):,} members spooled")
    started = time.perf_counter()
    info = write_index_streaming(items, ingest_item, workdir / "scale-index", sizes=[i[-1] for i in items], procs=procs)
    whoosh_build = time.perf_counter() - started
    log(f"scale: Whoosh build {whoosh_build:.1f} s ({info.documents:,} documents, {info.sections:,} sections)")
    published = publish_version(url, info.path)
    log(f"scale: published in {published.seconds:.1f} s ({published.terms:,} terms)")
    spool.unlink(missing_ok=True)
    site = "http://127.0.0.1:8000/"
    whoosh, pg = Searcher(workdir / "scale-index", site), PostgresSearcher(url, site)
    timed = latencies(
        {"whoosh": lambda q: whoosh.search(q, limit=10), "postgresql": lambda q: pg.search(q, limit=10)},
        dev_queries(),
        rounds,
    )
    differing = sum(
        [(h.doc_id, h.anchor, h.score) for h in whoosh.search(q, limit=10).hits]
        != [(h.doc_id, h.anchor, h.score) for h in pg.search(q, limit=10).hits]
        for q in dev_queries()
    )
    pg.clear_caches()
    whoosh.clear_caches()
    cold = latencies(
        {"whoosh": _cold(whoosh), "postgresql": _cold(pg)},
        dev_queries(),
        1,
    )
    return {
        "documents": info.documents,
        "sections": info.sections,
        "terms": published.terms,
        "differing_top10": differing,
        "queries": len(dev_queries()),
        "whoosh": {"build_s": whoosh_build, "size_mb": folder_size(info.path) / 1e6,
                   "p50_ms": timed["whoosh"][0], "p95_ms": timed["whoosh"][1],
                   "cold_p50_ms": cold["whoosh"][0], "cold_p95_ms": cold["whoosh"][1]},
        "postgresql": {"build_s": whoosh_build + published.seconds, "publish_s": published.seconds,
                       "size_mb": database_bytes(url) / 1e6,
                       "p50_ms": timed["postgresql"][0], "p95_ms": timed["postgresql"][1],
                       "cold_p50_ms": cold["postgresql"][0], "cold_p95_ms": cold["postgresql"][1]},
    }


def dev_queries() -> list[str]:
    return [q["query"] for q in json.loads((REPO / "tests" / "data" / "dev.json").read_text(encoding="utf-8"))]


def _cold(searcher):
    """A search after emptying the per-term caches: the cost of words not asked before."""

    def run(q: str) -> None:
        searcher.clear_caches()
        searcher.search(q, limit=10)

    return run


# -- API ---------------------------------------------------------------------------------


ENGINES = ("whoosh", "postgresql")


def api(project, url: str, duration: int, connections: list[int], workers: list[int], rounds: int = 3,
        rebuild: bool = True) -> list[dict]:
    """Both engines' servers run side by side (same worker count), and wrk alternates between them
    ``rounds`` times per connection count: the machine's other load then falls on both alike, and
    each row is the median run. The rebuild runs follow, one engine after the other."""
    from benchmarks import load

    queries = load.load_queries(None)
    rows = []
    for count in workers:
        servers = {}
        try:
            for engine in ENGINES:
                port = load.free_port()
                os.environ["KB_ENGINE"] = url if engine == "postgresql" else "whoosh"
                os.environ["KB_CACHE_SIZE"] = "0"
                servers[engine] = (f"http://127.0.0.1:{port}", load.start_server("gunicorn-uvicorn", project.root,
                                                                                 port, count, 0))
            with tempfile.TemporaryDirectory() as tmp:
                script = Path(tmp) / "bench.lua"
                script.write_text(load.LUA, encoding="utf-8")
                paths_files = {}
                for engine, (base, proc) in servers.items():
                    load.wait_ready(base, proc, count)
                    paths = [f"/api/search?{urllib.parse.urlencode({'q': q})}" for q in queries]  # with facets
                    assert all(load.get(base, path)[0] == 200 for path in paths), f"{engine}: a query failed"
                    paths_files[engine] = Path(tmp) / f"paths-{engine}.txt"
                    paths_files[engine].write_text("\n".join(paths) + "\n", encoding="utf-8")
                    load.run_wrk(base, paths_files[engine], script, 3, 16, 2).communicate()  # warm-up
                for c in connections:
                    runs: dict[str, list[dict]] = {engine: [] for engine in ENGINES}
                    for i in range(rounds):
                        for engine in ENGINES if i % 2 == 0 else ENGINES[::-1]:
                            base = servers[engine][0]
                            out = load.run_wrk(base, paths_files[engine], script, duration, c, 2).communicate()[0]
                            runs[engine].append(load.parse_wrk(out))
                            log(load.describe(f"{engine} {count}w {c}c round {i + 1}", runs[engine][-1]))
                    for engine in ENGINES:
                        median = sorted(runs[engine], key=lambda r: r["rps"])[len(runs[engine]) // 2]
                        row = _row(engine, count, c, "steady", median)
                        row["errors"] = sum(r["errors"] for r in runs[engine])
                        row["rps_runs"] = [round(r["rps"]) for r in runs[engine]]
                        rows.append(row)
                if rebuild:
                    for engine in ENGINES:
                        base = servers[engine][0]
                        os.environ["KB_ENGINE"] = url if engine == "postgresql" else "whoosh"  # what kb build uses
                        args = argparse.Namespace(rebuild_duration=max(duration, 20), connections=connections[0],
                                                  threads=2, workers=count, keep_marker=False)
                        r, info = load.rebuild_run(base, project.root, paths_files[engine], script, args)
                        row = _row(engine, count, connections[0], "rebuild", r)
                        row.update(switched=info["new_version"] != info["old_version"],
                                   new_word_found=all(h > 0 for h in info["new_word_hits_per_request"]),
                                   build_s=info["build_seconds"])
                        rows.append(row)
                        log(load.describe(f"{engine} {count}w during rebuild", r) + f" {info}")
        finally:
            for _, proc in servers.values():
                load.stop_server(proc)
    os.environ.pop("KB_ENGINE", None)
    return rows


def _row(engine: str, workers: int, connections: int, phase: str, r: dict) -> dict:
    return {"engine": engine, "workers": workers, "connections": connections, "phase": phase,
            "rps": r["rps"], "p50_ms": r["p50_us"] / 1000, "p99_ms": r["p99_us"] / 1000, "errors": r["errors"]}


# -- output ------------------------------------------------------------------------------


def tables(figures: dict) -> str:
    lines = []
    if "relevance" in figures:
        lines += ["| set | queries | Whoosh nDCG@10 | PostgreSQL nDCG@10 | Δ | top 10 differing |",
                  "|---|---|---|---|---|---|"]
        for name, r in figures["relevance"].items():
            if not isinstance(r, dict):
                continue  # the round trip counts
            w, p = r["whoosh"]["ndcg"], r["postgresql"]["ndcg"]
            lines.append(f"| {name} | {r['queries']} | {w:.4f} | {p:.4f} | {p - w:+.4f} | {r['differing_top10']} |")
        trips = figures["relevance"].get("warm_round_trips_per_search")
        if trips is not None:
            cold = figures["relevance"]["cold_round_trips_per_search"]
            lines += ["", f"PostgreSQL round trips per search (both sets, with facets): warm {trips:.2f}, "
                      f"cold (caches emptied before each) {cold:.2f}"]
        lines.append("")
    if "scale" in figures:
        s = figures["scale"]
        lines += [f"Scale corpus: {s['documents']:,} documents, {s['sections']:,} sections, {s['terms']:,} terms; "
                  f"dev queries whose top 10 differ between the engines: {s['differing_top10']} of {s['queries']}", "",
                  "| engine | build s | size MB | p50 ms | p95 ms | cold p50 ms | cold p95 ms |",
                  "|---|---|---|---|---|---|---|"]
        for engine in ("whoosh", "postgresql"):
            e = s[engine]
            build = f"{e['build_s']:.0f}" + (f" (publish {e['publish_s']:.0f})" if "publish_s" in e else "")
            lines.append(f"| {engine} | {build} | {e['size_mb']:.0f} | {e['p50_ms']:.2f} | {e['p95_ms']:.2f} |"
                         f" {e['cold_p50_ms']:.2f} | {e['cold_p95_ms']:.2f} |")
        lines.append("")
    if "api" in figures:
        lines += ["| workers | connections | phase | Whoosh req/s | PostgreSQL req/s | PostgreSQL ÷ Whoosh |"
                  " Whoosh p50 / p99 ms | PostgreSQL p50 / p99 ms | errors (W / P) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        by_key: dict[tuple, dict] = {}
        for r in figures["api"]:
            by_key.setdefault((r["workers"], r["connections"], r["phase"]), {})[r["engine"]] = r
        for (workers, connections, phase), pair in by_key.items():
            w, p = pair.get("whoosh"), pair.get("postgresql")
            if not (w and p):
                continue
            lines.append(f"| {workers} | {connections} | {phase} | {w['rps']:.0f} | {p['rps']:.0f} |"
                         f" {p['rps'] / w['rps']:.2f} | {w['p50_ms']:.1f} / {w['p99_ms']:.1f} |"
                         f" {p['p50_ms']:.1f} / {p['p99_ms']:.1f} | {w['errors']} / {p['errors']} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.engines", description=__doc__.split("\n\n")[0])
    p.add_argument("--database", required=True, help="PostgreSQL server URL (a scratch database is made there)")
    p.add_argument("--eval", type=Path, help="folder with dev.json and questions-dev.json")
    p.add_argument("--scale", type=Path, help="folder with the scale corpus archives")
    p.add_argument("--limit", type=int, default=None, help="scale: only the first N members")
    p.add_argument("--procs", type=int, default=os.cpu_count() or 1, help="scale: Whoosh build processes")
    p.add_argument("--rounds", type=int, default=3, help="scale: query rounds")
    p.add_argument("--api", action="store_true", help="run the API load part")
    p.add_argument("--duration", type=int, default=10, help="API: seconds per wrk run")
    p.add_argument("--connections", default="16,64")
    p.add_argument("--workers", default="2,4")
    p.add_argument("--api-rounds", type=int, default=3, help="API: alternating wrk runs per engine and row (median)")
    p.add_argument("--no-rebuild", action="store_true", help="API: skip the runs during a rebuild")
    p.add_argument("--json", type=Path, help="also write the figures here")
    args = p.parse_args(argv)
    url = scratch_database(args.database) if args.eval or args.api else None
    figures: dict = {}
    workdir = Path(tempfile.mkdtemp(prefix="kb-engines-"))
    try:
        if args.eval or args.api:
            from kb.engine import current_version_dir
            from kb.engine.postgres.publish import publish_version

            project = default_project(workdir)
            publish_version(url, current_version_dir(project.index_root))
            if args.eval:
                figures["relevance"] = relevance(project, url, args.eval)
                log(json.dumps(figures["relevance"]))
            if args.api:
                figures["api"] = api(project, url, args.duration, [int(c) for c in args.connections.split(",")],
                                     [int(w) for w in args.workers.split(",")], args.api_rounds, not args.no_rebuild)
        if args.scale:
            scale_url = scratch_database(args.database, BENCH_DB + "_scale")  # its size alone
            figures["scale"] = scale(args.scale, args.limit, scale_url, workdir, args.procs, args.rounds)
        print(tables(figures))
        if args.json:
            args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    finally:
        from kb.engine.postgres.database import close_pools

        close_pools()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
