"""The PostgreSQL engine against a real server (tests/postgres_support.py): the same answers as
the Whoosh engine, versions and switches, a killed build, an unreachable database, the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from kb.engine.postgres.database import connect
from kb.engine.postgres.publish import prune, publish_version
from kb.engine.postgres.publish import published_version as current_version
from kb.search import PostgresSearcher, Searcher
from tests import postgres_support
from tests.api_support import make_project

pytestmark = pytest.mark.server  # a real PostgreSQL (scripts/setup-postgres.sh)

SITE = "http://kb.example/"
QUERIES = [
    "återbruk möbler",
    "cirkulär ekonomi",
    '"offentlig upphandling"',
    "upphandl*",
    "upphandlnig",  # a misspelling: fuzzy retry and "did you mean"
    "bygg- och rivningsavfall",
    "plast handlingsplan",
    "LOU",
    "xyzzyq",
    "hur kan vi ställa krav på återvunnet material i möbler",  # a question: run again with feedback words
]


@pytest.fixture(scope="module")
def server():
    return postgres_support.server_url()


@pytest.fixture
def database(server):
    url = postgres_support.create_database(server)
    yield url
    postgres_support.drop_database(server, url)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("pg_kb"), site=False)


def _version_dir(project) -> Path:
    from kb.engine import current_version_dir

    return current_version_dir(project.index_root)


def _same(a, b) -> None:
    assert (a.total, a.suggestion, a.fuzzy, a.facets) == (b.total, b.suggestion, b.fuzzy, b.facets)
    assert [h.__dict__ for h in a.hits] == [h.__dict__ for h in b.hits]


def test_answers_equal_the_whoosh_engine(project, database):
    publish_version(database, _version_dir(project))
    whoosh = Searcher(project.index_root, SITE)
    pg = PostgresSearcher(database, SITE)
    for q in QUERIES:
        _same(whoosh.search(q, facets=True), pg.search(q, facets=True))
        _same(whoosh.search(q, limit=5, offset=3), pg.search(q, limit=5, offset=3))
    some_tag = next(iter(whoosh.search("upphandling", facets=True).facets["tags"]))
    _same(whoosh.search("upphandling", tags=[some_tag]), pg.search("upphandling", tags=[some_tag]))
    assert pg.search("återbruk").total > 0 and pg.search("upphandlnig").suggestion == "upphandling"
    assert pg.suggest("cirk") == whoosh.suggest("cirk") and pg.suggest("cirk")
    doc_id = next(iter(whoosh.documents()))
    assert pg.more_like_this(doc_id) == whoosh.more_like_this(doc_id) != []
    assert pg.documents().keys() == whoosh.documents().keys()
    assert pg.info().version == whoosh.info().version


def test_term_scores_are_bit_for_bit_those_of_the_whoosh_engine(project, database):
    """Same docnums, same BM25F from the same stored statistics, in every scored field."""
    import numpy as np

    from kb.engine import open_scored

    publish_version(database, _version_dir(project))
    state = PostgresSearcher(database, SITE)._current()
    searcher, whoosh = open_scored(_version_dir(project))
    try:
        for field in ("title", "heading", "body", "theme"):
            lexicon = [t.decode() for t in searcher.reader().lexicon(field)]
            terms = lexicon[:: max(1, len(lexicon) // 60)]
            assert len(terms) > 3
            for term in terms:
                a, b = whoosh.postings(field, term), state.scorer.postings(field, term)
                assert np.array_equal(a.ids, b.ids) and np.array_equal(a.scores, b.scores), (field, term)
    finally:
        searcher.close()


def test_switch_serves_the_new_version_and_keeps_the_old_for_its_readers(project, database):
    first = publish_version(database, _version_dir(project))
    pg = PostgresSearcher(database, SITE)
    before = pg.search("cirkulär ekonomi")
    second = publish_version(database, _version_dir(project))
    assert current_version(database)[0] == second.version_id != first.version_id
    time.sleep(0.6)  # PostgresSearcher looks at kb_current at most every 0.5 s
    _same(before, pg.search("cirkulär ekonomi"))
    assert pg._current().data.version_id == second.version_id
    with connect(database) as conn:
        schemas = {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'kb_v%'")}
        assert schemas == {f"kb_v{first.version_id}", f"kb_v{second.version_id}"}  # within its grace period
        assert prune(conn, grace_s=0) == [first.version_id]
        schemas = {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'kb_v%'")}
    assert schemas == {f"kb_v{second.version_id}"}


def test_no_failed_request_during_switches(project, database):
    publish_version(database, _version_dir(project))
    pg = PostgresSearcher(database, SITE)
    expected = pg.search("återbruk möbler").total
    errors: list[BaseException] = []
    totals: set[int] = set()
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            try:
                totals.add(pg.search("återbruk möbler").total)
            except BaseException as e:  # noqa: BLE001 - every failure counts
                errors.append(e)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for _ in range(2):
            published = publish_version(database, _version_dir(project), grace_s=0)
            time.sleep(0.7)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == [] and totals == {expected}
    assert pg._current().data.version_id == published.version_id


def test_a_killed_build_leaves_the_live_version(project, database):
    live = publish_version(database, _version_dir(project))
    code = (
        "import sys; from pathlib import Path; from kb.engine.postgres.publish import publish_version;"
        "publish_version(sys.argv[1], Path(sys.argv[2]))"
    )
    child = subprocess.Popen([sys.executable, "-c", code, database, str(_version_dir(project))])
    with connect(database) as conn:
        deadline = time.monotonic() + 60
        while conn.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%%'").fetchone()[0] == 0:
            assert time.monotonic() < deadline and child.poll() is None, "the build never started copying"
            time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert current_version(database)[0] == live.version_id
    pg = PostgresSearcher(database, SITE)
    assert pg.search("cirkulär ekonomi").total > 0
    pg.close()  # lets go of the live version, which the next build retires and may then drop
    again = publish_version(database, _version_dir(project), grace_s=0)
    with connect(database) as conn:
        states = conn.execute("SELECT id, state FROM kb_versions ORDER BY id").fetchall()
    assert states == [(again.version_id, "live")]


def test_api_answers_503_while_the_database_is_unreachable_and_recovers(project, database):
    from fastapi.testclient import TestClient

    from kb.api.app import create_app
    from kb.api.settings import ApiSettings

    publish_version(database, _version_dir(project))
    target = urlsplit(database)
    gate = postgres_support.Gate(target.hostname, target.port)
    gated = database.replace(f"{target.hostname}:{target.port}", f"127.0.0.1:{gate.port}")
    try:
        settings = ApiSettings(serve_site=False, warm_up=False, cache_size=0, engine=gated)
        with TestClient(create_app(project, settings)) as client:
            ok = client.get("/api/search", params={"q": "återbruk"})
            assert ok.status_code == 200 and ok.json()["total"] > 0
            gate.shut()
            time.sleep(0.6)
            down = client.get("/api/search", params={"q": "plast"})
            assert down.status_code == 503 and down.headers["Retry-After"].isdigit()
            assert "database is unreachable" in down.json()["error"]
            assert client.get("/api/health").status_code == 503
            gate.reopen()
            deadline = time.monotonic() + 30
            while (back := client.get("/api/search", params={"q": "plast"})).status_code != 200:
                assert time.monotonic() < deadline, back.text
                time.sleep(0.2)
            assert back.json()["total"] > 0
    finally:
        gate.close()


def test_api_json_equals_the_whoosh_engine(project, database):
    from fastapi.testclient import TestClient

    from kb.api.app import create_app
    from kb.api.settings import ApiSettings

    publish_version(database, _version_dir(project))
    settings = ApiSettings(serve_site=False, warm_up=False, cache_size=0, site_url=SITE)
    with TestClient(create_app(project, settings)) as whoosh, TestClient(
        create_app(project, ApiSettings(serve_site=False, warm_up=False, cache_size=0, site_url=SITE, engine=database))
    ) as pg:
        cases = [{"q": "cirkulär ekonomi"}, {"q": "upphandlnig"}, {"q": "upphandling", "offset": 5}, {"q": "plast"}]
        for params in cases:
            a, b = whoosh.get("/api/search", params=params).json(), pg.get("/api/search", params=params).json()
            timings = {"took_ms"}  # the one field that may differ
            assert {k: v for k, v in a.items() if k not in timings} == {k: v for k, v in b.items() if k not in timings}
            assert a["hits"] and a["hits"] == b["hits"] or params["q"] == "upphandlnig"
        cirk = {"q": "cirk"}
        assert whoosh.get("/api/suggest", params=cirk).json() == pg.get("/api/suggest", params=cirk).json()
        assert pg.get("/api/health").json()["index_version"] == whoosh.get("/api/health").json()["index_version"]


def test_cli_build_search_and_eval_with_engine(tmp_path, database, monkeypatch):
    from kb.cli import main

    root = tmp_path / "kb"
    make_project(root, site=False)
    runner = CliRunner()
    empty = runner.invoke(main, ["search", "plast", "--root", str(root), "--engine", database])
    assert empty.exit_code == 3 and "No index in the database" in empty.output and "kb build --engine" in empty.output
    built = runner.invoke(main, ["build", "--root", str(root), "--no-site", "--quiet", "--engine", database])
    assert built.exit_code == 0, built.output
    assert "Database: version" in built.output
    again = runner.invoke(main, ["build", "--root", str(root), "--no-site", "--quiet", "--engine", database])
    assert "Database: already current." in again.output
    monkeypatch.setenv("KB_ENGINE", database)
    found = runner.invoke(main, ["search", "cirkulär ekonomi", "--root", str(root), "--json"])
    assert found.exit_code == 0, found.output
    assert json.loads(found.output)["total"] > 0
    dev = Path(__file__).parent / "data" / "dev.json"
    measured = runner.invoke(main, ["eval", str(dev), "--root", str(root), "--no-baseline", "--json"])
    assert measured.exit_code == 0, measured.output
    bad = runner.invoke(main, ["search", "x", "--root", str(root), "--engine", "mysql://db/kb"])
    assert bad.exit_code == 2 and "Unknown engine" in bad.output


def test_cli_search_names_an_unreachable_database(tmp_path):
    root = tmp_path / "kb"
    make_project(root, site=False)
    env = {**os.environ, "KB_ENGINE": "postgresql://kb@127.0.0.1:9/kb"}
    done = subprocess.run(
        [sys.executable, "-m", "kb.cli", "search", "plast", "--root", str(root)],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert done.returncode == 3
    assert "unreachable" in done.stderr and "Traceback" not in done.stderr


def test_the_engine_comes_from_the_option_the_environment_or_kb_yml(tmp_path, monkeypatch):
    from kb.config import Project
    from kb.engine import project_engine

    monkeypatch.delenv("KB_ENGINE", raising=False)
    project = Project(tmp_path)
    assert project_engine(project) is None  # Whoosh, the default
    (tmp_path / "kb.yml").write_text("engine: postgresql://kb@db.example.se/kb\n", encoding="utf-8")
    assert project_engine(project) == "postgresql://kb@db.example.se/kb"
    monkeypatch.setenv("KB_ENGINE", "whoosh")
    assert project_engine(project) is None
    assert project_engine(project, "postgres://other/kb") == "postgres://other/kb"
    with pytest.raises(ValueError, match="Unknown engine 'sqlite:///x'.*whoosh"):
        project_engine(project, "sqlite:///x")


def test_connections_cut_by_a_database_restart_cost_no_failed_request(project, database):
    publish_version(database, _version_dir(project))
    pg = PostgresSearcher(database, SITE)
    with pg.database.pool.connection(), pg.database.pool.connection():  # the pool holds several connections now
        pass
    assert pg.search("plast").total > 0
    with connect(database) as conn:
        cut = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()[0]
    assert cut >= 2
    time.sleep(0.6)  # the next search reads kb_current again, on a dead pooled connection
    assert pg.search("återbruk möbler").total > 0
    assert pg.suggest("cirk")


def test_an_updated_version_with_deleted_sections_answers_the_same(tmp_path, database):
    """An incremental build leaves deleted sections in old segments: they must stay unfound."""
    from kb.indexing.build import build

    root = tmp_path / "kb"
    project = make_project(root, site=False)
    seed = next((root / "sources").rglob("000_*.txt"))
    seed.write_text(seed.read_text(encoding="utf-8") + "\n\nTillägg om cirkulära möbler och återbruk.\n", "utf-8")
    report = build(project, site=False)
    assert report.index_mode == "incremental"
    publish_version(database, _version_dir(project))
    whoosh, pg = Searcher(project.index_root, SITE), PostgresSearcher(database, SITE)
    assert whoosh._current().live is not None  # the update deleted the old sections
    assert list(pg._current().live) == list(whoosh._current().live)
    for q in QUERIES:
        _same(whoosh.search(q, facets=True), pg.search(q, facets=True))
