"""Readers on a streaming read replica (scripts/setup-postgres-replica.sh: pg_basebackup -R of the
test server, a hot standby on another loopback port): ``kb serve`` and ``kb search`` pointed at the
replica answer as on the primary and follow a switch the build publishes on the primary; a
reader given a multi-host URL reads from the standby and registers on the primary."""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from kb.engine.postgres.database import READER_LOCK, connect
from kb.engine.postgres.publish import publish_version
from kb.search import PostgresSearcher
from tests import postgres_support
from tests.api_support import make_project

pytestmark = pytest.mark.server  # two real PostgreSQL servers

SITE = "http://kb.example/"
CASES = [
    {"q": "cirkulär ekonomi"},
    {"q": "upphandlnig"},
    {"q": "upphandling", "offset": 5},
    {"q": '"offentlig upphandling"'},
]


@pytest.fixture(scope="module")
def servers():
    return postgres_support.server_url(), postgres_support.replica_server_url()


@pytest.fixture
def database(servers):
    """The same new database on the primary and (replicated) on the replica."""
    primary_server, replica_server = servers
    primary = postgres_support.create_database(primary_server)
    yield primary, postgres_support.on_server(primary, replica_server)
    postgres_support.drop_database(primary_server, primary)


def _version_dir(project):
    from kb.engine import current_version_dir

    return current_version_dir(project.index_root)


def _api(project, url):
    from fastapi.testclient import TestClient

    from kb.api.app import create_app
    from kb.api.settings import ApiSettings

    return TestClient(create_app(project, ApiSettings(serve_site=False, warm_up=False, cache_size=0, site_url=SITE,
                                                      engine=url)))


def _without_timing(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "took_ms"}


def test_the_replica_answers_as_the_primary_and_follows_a_switch(tmp_path, database):
    from kb.indexing.build import build

    primary, replica = database
    project = make_project(tmp_path / "kb", site=False)
    publish_version(primary, _version_dir(project))
    postgres_support.wait_for_replay(primary, replica)
    with _api(project, primary) as on_primary, _api(project, replica) as on_replica:
        for params in CASES:
            a, b = on_primary.get("/api/search", params=params), on_replica.get("/api/search", params=params)
            assert a.status_code == b.status_code == 200
            assert _without_timing(a.json()) == _without_timing(b.json())
        assert on_replica.get("/api/search", params={"q": "xyzzyreplik"}).json()["total"] == 0

        (project.root / "sources" / "replika.md").write_text(
            "# Replikatest\n\nOrdet xyzzyreplik finns bara i den nya versionen.\n", encoding="utf-8"
        )
        build(project, site=False)
        second = publish_version(primary, _version_dir(project))
        postgres_support.wait_for_replay(primary, replica)
        time.sleep(0.6)  # a reader looks at kb_current at most twice a second
        found = on_replica.get("/api/search", params={"q": "xyzzyreplik"}).json()
        assert found["total"] > 0 and found == on_primary.get("/api/search", params={"q": "xyzzyreplik"}).json() | {
            "took_ms": found["took_ms"]
        }
        assert on_replica.get("/api/health").json()["index_version"] == second.name

    from kb.cli import main

    searched = CliRunner().invoke(
        main, ["search", "xyzzyreplik", "--root", str(project.root), "--engine", replica, "--json"]
    )
    assert searched.exit_code == 0, searched.output
    assert json.loads(searched.output)["total"] > 0


def test_a_multi_host_reader_reads_the_standby_and_holds_its_version_on_the_primary(tmp_path, database):
    primary, replica = database
    project = make_project(tmp_path / "kb", site=False)
    first = publish_version(primary, _version_dir(project))
    postgres_support.wait_for_replay(primary, replica)
    p, r = urlsplit(primary), urlsplit(replica)
    both = f"postgresql://{r.netloc},{p.hostname}:{p.port}{p.path}?target_session_attrs=prefer-standby"
    reader = PostgresSearcher(both, SITE)
    replica_only = PostgresSearcher(replica, SITE)
    try:
        assert reader.search("cirkulär ekonomi").total == replica_only.search("cirkulär ekonomi").total > 0
        with reader.database.pool.connection() as conn:
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]  # the reads go to the standby
        with connect(primary) as conn:
            holders = conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s"
                " AND mode = 'ShareLock'"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                (READER_LOCK, first.version_id),
            ).fetchone()[0]
        assert holders == 1  # the multi-host reader registered on the primary; the replica-only one cannot
        publish_version(primary, _version_dir(project), grace_s=0)
        with connect(primary) as conn:
            kept = conn.execute("SELECT count(*) FROM kb_versions WHERE id = %s", (first.version_id,)).fetchone()[0]
        assert kept == 1  # held by the multi-host reader
    finally:
        reader.close()
        replica_only.close()
