"""Old PostgreSQL versions are removed when no reader uses them: each reading process holds its
version (a shared advisory lock), and a build drops a retired version only when none does.
Real processes against a real server (tests/postgres_support.py)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb.engine.postgres.database import connect
from kb.engine.postgres.publish import prune, publish_version
from tests import postgres_support
from tests.api_support import make_project

pytestmark = pytest.mark.server  # a real PostgreSQL (scripts/setup-postgres.sh)

READER = """
import sys, time
from kb.search import PostgresSearcher
pg = PostgresSearcher(sys.argv[1], "http://kb.example/")
for line in sys.stdin:
    time.sleep(0.6)  # a reader looks at kb_current at most twice a second
    total = pg.search("cirkulär ekonomi").total
    print(pg.info().path, total, flush=True)
"""


@pytest.fixture
def database():
    server = postgres_support.server_url()
    url = postgres_support.create_database(server)
    yield url
    postgres_support.drop_database(server, url)


@pytest.fixture(scope="module")
def version_dir(tmp_path_factory) -> Path:
    from kb.engine import current_version_dir

    project = make_project(tmp_path_factory.mktemp("pg_readers"), site=False)
    return current_version_dir(project.index_root)


class Reader:
    """A ``kb`` reading process: each ``search()`` runs one search and says which version answered."""

    def __init__(self, url: str):
        self.process = subprocess.Popen(
            [sys.executable, "-c", READER, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def search(self) -> str:
        self.process.stdin.write("search\n")
        self.process.stdin.flush()
        schema, total = self.process.stdout.readline().split()
        assert int(total) > 0
        return schema

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def _schemas(url: str) -> set[str]:
    with connect(url) as conn:
        return {r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'kb_v%'")}


def test_a_version_is_dropped_only_when_no_reader_holds_it(database, version_dir):
    first = publish_version(database, version_dir)
    reader = Reader(database)
    try:
        assert reader.search() == f"kb_v{first.version_id}"
        second = publish_version(database, version_dir, grace_s=0)
        assert _schemas(database) == {f"kb_v{first.version_id}", f"kb_v{second.version_id}"}  # still read
        assert reader.search() == f"kb_v{second.version_id}"  # its next request moves on and lets go
        third = publish_version(database, version_dir, grace_s=0)
        assert _schemas(database) == {f"kb_v{second.version_id}", f"kb_v{third.version_id}"}
    finally:
        reader.kill()  # a reader that dies (or loses its session) lets go too
    deadline = time.monotonic() + 10
    with connect(database) as conn:
        while (dropped := prune(conn, grace_s=0)) == [] and time.monotonic() < deadline:
            time.sleep(0.1)
    assert dropped == [second.version_id]
    assert _schemas(database) == {f"kb_v{third.version_id}"}


def test_without_readers_a_retired_version_still_waits_out_the_grace_period(database, version_dir):
    """The grace period covers readers that cannot register (a URL naming only replicas)."""
    first = publish_version(database, version_dir)
    second = publish_version(database, version_dir)
    assert _schemas(database) == {f"kb_v{first.version_id}", f"kb_v{second.version_id}"}
    with connect(database) as conn:
        assert prune(conn, grace_s=0) == [first.version_id]
