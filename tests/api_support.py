"""Shared set-up for the API tests: a small knowledge base built once per test session.

The corpus is a copy of a few real sources (the two seeds, the procurement act and some
Government Offices texts on circular economy), so the tests run against real documents but
build in seconds. Also a tiny site/ with a secret file next to it, for the traversal tests.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from kb.config import Project
from kb.indexing.build import build

PICK = [
    "seeds/000_0263c3a175406f7d.txt",
    "seeds/004_2b01af607921aa6d.txt",
    "related/sfs/sfs-2016-1145.md",
    "related/regeringen/artiklar/2015/07/cirkular-ekonomi-inom-eu--en-prioriterad-fraga-for-regeringen.md",
    "related/regeringen/faktapromemoria/2020/04/201920fpm-28.md",
    "related/regeringen/informationsmaterial/2021/01/cirkular-ekonomi---handlingsplan-for-omstallning-av-sverige.md",
    "related/regeringen/rapporter/2022/02/sveriges-handlingsplan-for-plast.md",
]
SECRET = "TOP-SECRET-outside-site"


def copy_sources(dest: Path) -> None:
    """Copy the picked files (writable) with their manifests filtered to them."""
    from tests.hostile import copy_sources as copy_picked

    copy_picked(dest, PICK)


def make_site(root: Path) -> None:
    site = root / "site"
    (site / "sok").mkdir(parents=True, exist_ok=True)
    (site / "dok" / "a").mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text("<!doctype html><title>Kunskapsbank</title>start", encoding="utf-8")
    (site / "sok" / "index.html").write_text("<!doctype html><title>Sök</title>sökruta", encoding="utf-8")
    (site / "dok" / "a" / "index.html").write_text("dokument a", encoding="utf-8")
    (site / "404.html").write_text("<!doctype html><title>Saknas</title>sidan finns inte", encoding="utf-8")
    (root / "secret.txt").write_text(SECRET, encoding="utf-8")
    (site / "out-link").symlink_to(root / "secret.txt")
    (site / "out-dir").symlink_to(root)


def make_project(dest: Path, site: bool = True) -> Project:
    dest.mkdir(parents=True, exist_ok=True)
    copy_sources(dest)
    project = Project(dest)
    build(project, site=False)
    if site:
        make_site(dest)
    return project


_shared: Project | None = None


def shared_project() -> Project:
    """One built project for all read-only API tests of the session."""
    global _shared
    if _shared is None:
        tmp = Path(tempfile.mkdtemp(prefix="kb-api-test-"))
        atexit.register(shutil.rmtree, tmp, True)
        _shared = make_project(tmp / "kb")
    return _shared


def call_raw(app, path: str, raw_path: str) -> tuple[int, bytes]:
    """Send one GET with exactly this (decoded) path to an ASGI app, bypassing client-side
    URL normalisation (httpx would resolve ``..`` before sending)."""
    import anyio

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": raw_path.encode("latin-1", "replace"),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    out = {"status": 0, "body": b"", "received": False}

    async def receive():
        if out["received"]:
            await anyio.sleep_forever()  # the client stays connected
        out["received"] = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    anyio.run(app, scope, receive, send)
    return out["status"], out["body"]
