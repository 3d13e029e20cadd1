"""A real PostgreSQL for the engine's tests: the server ``scripts/setup-postgres.sh`` starts on
loopback (installing Debian's package when missing), and a fresh database per test session.

``KB_TEST_POSTGRES`` may name another server's URL (a database the tests may create databases on).
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _started_server(variable: str, script: str) -> str:
    """The server URL in ``variable``, else the one ``scripts/<script>`` installs, starts and prints last."""
    url = os.environ.get(variable)
    if url:
        return url
    done = subprocess.run(["sh", str(REPO / "scripts" / script)], capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/{script} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


def server_url() -> str:
    return _started_server("KB_TEST_POSTGRES", "setup-postgres.sh")


def replica_server_url() -> str:
    """A streaming replica of ``server_url()`` (``scripts/setup-postgres-replica.sh``), or the
    server ``KB_TEST_POSTGRES_REPLICA`` names (a standby of ``KB_TEST_POSTGRES``)."""
    return _started_server("KB_TEST_POSTGRES_REPLICA", "setup-postgres-replica.sh")


def on_server(database_url: str, server_url: str) -> str:
    """``database_url``'s database on another server (a replica's copy of it)."""
    return server_url.rsplit("/", 1)[0] + "/" + database_url.rsplit("/", 1)[1]


def wait_for_replay(primary_url: str, replica_url: str, timeout: float = 60.0) -> None:
    """Wait until the replica has replayed everything the primary wrote so far."""
    import time

    import psycopg

    with psycopg.connect(primary_url, autocommit=True) as conn:
        target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(replica_url, autocommit=True) as conn:
                if conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).fetchone()[0]:
                    return
        except psycopg.OperationalError:
            pass  # the database itself is not replayed yet
        if time.monotonic() > deadline:
            raise TimeoutError(f"the replica did not replay up to {target} in {timeout:.0f} s")
        time.sleep(0.05)


def create_database(url: str) -> str:
    """A new, empty database on the server of ``url``; returns its URL."""
    import psycopg

    name = f"kb_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str, database_url: str) -> None:
    import time

    import psycopg

    from kb.engine.postgres import database

    database.close_pools()
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:
        for attempt in range(40):
            try:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                return
            except psycopg.errors.InsufficientPrivilege:
                # An autovacuum worker (the superuser's) is in it after the publishing's writes:
                # the kb role may not end it, and it finishes on its own.
                if attempt == 39:
                    raise
                time.sleep(0.5)


class Gate:
    """A TCP relay to the database that can be shut (refusing and cutting connections) and opened
    again: the database becomes unreachable for the code under test, as in a network outage."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def shut(self) -> None:
        self.open = False
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self.sockets.clear()

    def reopen(self) -> None:
        self.open = True

    def close(self) -> None:
        self.shut()
        self.listener.close()
