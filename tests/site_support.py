"""Helpers for the site tests: throw-away projects, a static file server, link extraction."""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "sources"

# A small knowledge base: the IVL page (projects), the Region Stockholm page and LOU.
SMALL_SOURCES = [
    "seeds/MANIFEST.tsv",
    "seeds/000_0263c3a175406f7d.txt",
    "seeds/004_2b01af607921aa6d.txt",
    "related/sfs/sfs-2016-1145.md",
]


def make_project(root: Path, sources: list[str] | None = SMALL_SOURCES, link_all: bool = False) -> Path:
    """A project folder with the repo's ``mkdocs.yml`` and ``overrides/`` and some sources.

    ``link_all`` symlinks the repo's whole ``sources/`` (the default knowledge base).
    """
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", root / "overrides")
    if link_all:
        (root / "sources").symlink_to(SOURCES, target_is_directory=True)
    else:
        for rel in sources or []:
            add_source(root, rel)
    return root


def add_source(root: Path, rel: str) -> None:
    target = root / "sources" / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(SOURCES / rel, target)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """``python -m http.server`` on a free loopback port; yields the base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base, timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: dict[str, str] = {}
        self.links: list[str] = []
        self.scripts: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self._capture: list[tuple[str, str, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            self.attrs.append((tag, name, value))
        d = dict(attrs)
        if tag == "a" and d.get("href"):
            self.links.append(d["href"])
        if tag == "script":
            self.scripts.append(d.get("src") or "")
        if d.get("id"):
            self._capture.append((tag, d["id"], []))
            self.ids.setdefault(d["id"], "")

    def handle_data(self, data):
        for _, _, buf in self._capture:
            buf.append(data)

    def handle_endtag(self, tag):
        if self._capture and self._capture[-1][0] == tag:
            _, ident, buf = self._capture.pop()
            self.ids[ident] = " ".join("".join(buf).split())


def parse_html(path: Path) -> _Collect:
    parser = _Collect()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def page_file(site: Path, url_path: str) -> Path:
    """The HTML file a site-relative URL (``dok/x/``, without fragment) resolves to."""
    url_path = re.sub(r"[?#].*$", "", url_path)
    path = site / url_path
    return path / "index.html" if url_path.endswith("/") or url_path == "" else path


@contextlib.contextmanager
def serve_under_prefix(directory: Path, prefix: str = "/kunskapsbank/") -> Iterator[str]:
    """The site under a sub-path, as a static host would serve it: directories answer with
    their ``index.html``, a missing address with ``404.html`` and status 404 (like nginx's
    ``error_page 404``). Yields the site's base URL (ending in ``prefix``)."""
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def translate_path(self, path):
            bare = path.split("?", 1)[0].split("#", 1)[0]
            if not bare.startswith(prefix):
                return str(directory / "does-not-exist")
            return super().translate_path("/" + path[len(prefix):])

        def send_error(self, code, message=None, explain=None):
            page = directory / "404.html"
            if code != 404 or not page.is_file():
                return super().send_error(code, message, explain)
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()


CHROMIUM = Path("/usr/bin/chromium")
# Flags for Chromium on these machines: no sandbox as root, and none of its background requests
# (this machine's closed network refuses them).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def ensure_browser_tools(*needed: Path) -> None:
    """Debian's Chromium (and the npm tools in ``needed``), installed by scripts/setup-browser.sh
    when missing; the test is skipped, with the reason, only where that script cannot install them."""
    import subprocess

    import pytest

    if not CHROMIUM.exists() or not all(p.exists() for p in needed):
        subprocess.run(["sh", str(REPO / "scripts" / "setup-browser.sh")], check=False, timeout=900)
    for path in (CHROMIUM, *needed):
        if not path.exists():
            pytest.skip(f"no {path} (scripts/setup-browser.sh could not install it)")


@contextmanager
def chromium_browser(*needed: Path) -> Iterator:
    """A headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    import pytest

    ensure_browser_tools(*needed)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
