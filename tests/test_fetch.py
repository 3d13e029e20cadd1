"""`kb fetch` against a local HTTP server on 127.0.0.1: copies with url and date, conditional
reruns, robots.txt, pauses, time and size limits, and failures that keep the previous copy."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.fetch.client import PoliteClient
from kb.fetch.lists import read_list
from kb.fetch.run import fetch_sources
from kb.ingest import SUFFIXES, discover, ingest

GUIDE = (
    "<html><head><title>Cirkulär upphandling</title>"
    '<meta name="DC.Creator" content="Upphandlingsmyndigheten"></head>'
    "<body><main><h1>Cirkulär upphandling</h1><p>{}</p></main></body></html>"
)
TEXT = "Ställ krav på återbrukade kontorsmöbler och reparation i stället för nyköp. " * 5


class Site:
    """What the server answers; tests change it between runs."""

    def __init__(self) -> None:
        self.robots = "User-agent: *\nDisallow: /privat/\n"
        self.guide = GUIDE.format(TEXT)
        self.guide_etag = '"v1"'
        self.notes = "Anteckningar\n\nTextilier samlas in för återbruk.\n"
        self.notes_modified = "Wed, 01 May 2024 10:00:00 GMT"
        self.broken = False
        self.requests: list[tuple[str, dict[str, str]]] = []


def _handler(site: Site):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet test output
            pass

        def _send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8", **headers) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k.replace("_", "-"), v)
            self.end_headers()
            if body:
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (the timeout test)
                    pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            site.requests.append((self.path, dict(self.headers)))
            path = self.path
            if path == "/robots.txt":
                return self._send(200, site.robots.encode(), "text/plain")
            if path == "/vagledning/cirkular/":
                if site.broken:
                    return self._send(500, b"Serverfel")
                if self.headers.get("If-None-Match") == site.guide_etag:
                    return self._send(304, ETag=site.guide_etag)
                return self._send(200, site.guide.encode(), ETag=site.guide_etag)
            if path == "/anteckningar.txt":
                if self.headers.get("If-Modified-Since") == site.notes_modified:
                    return self._send(304)
                return self._send(200, site.notes.encode(), "text/plain", Last_Modified=site.notes_modified)
            if path == "/flyttad":
                return self._send(301, Location="/vagledning/cirkular/")
            if path == "/privat/hemlig.html":
                return self._send(200, GUIDE.format("Hemligt").encode())
            if path == "/stor.html":
                return self._send(200, b"<p>" + b"x" * 300_000 + b"</p>")
            if path == "/bomb.html":  # 20 kB on the wire, 20 MB unpacked
                packed = gzip.compress(b"<p>" + b"a" * 20_000_000, compresslevel=9)
                return self._send(200, packed, Content_Encoding="gzip")
            if path == "/packad.html":
                return self._send(200, gzip.compress(GUIDE.format(TEXT).encode()), Content_Encoding="gzip")
            if path == "/droppar.html":  # a byte every 0.05 s: each read is quick, the whole is not
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                try:
                    for _ in range(60):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(0.05)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return None
            if path == "/alltid304.html":
                return self._send(304)
            if path == "/tom.html":
                return self._send(200, b"<html><body><nav>Meny</nav></body></html>")
            if path == "/rapport.pdf":
                return self._send(200, b"%PDF-1.7\n", "application/pdf")
            if path == "/bild":
                return self._send(200, b"\x89PNG\r\n", "image/png")
            if path == "/langsam.html":
                time.sleep(1.5)
                return self._send(200, GUIDE.format(TEXT).encode())
            return self._send(404, b"Finns inte")

    return Handler


@pytest.fixture
def site(monkeypatch) -> Iterator[tuple[Site, str]]:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("KB_MAX_SOURCE_MB", "0.2")
    state = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _list(sources: Path, base: str, rows: list[str], header: str = "url\tpath\tpublisher\ttags") -> None:
    folder = sources / "webb"
    folder.mkdir(parents=True, exist_ok=True)
    lines = [header] + [row.replace("BASE", base) for row in rows]
    (folder / "FETCH.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _client(**kw) -> PoliteClient:
    return PoliteClient(delay=0, timeout=kw.pop("timeout", 5), max_bytes=200_000, **kw)


def _fetch(sources: Path, today: str = "2026-12-01", **kw):
    import datetime as dt

    with _client(**kw) as client:
        return fetch_sources(sources, client, today=lambda: dt.date.fromisoformat(today))


def test_copies_carry_url_and_fetch_date_and_are_indexed(tmp_path: Path, site) -> None:
    server, base = site
    _list(
        tmp_path,
        base,
        ["BASE/vagledning/cirkular/\t\t\tcirkulär, möbler", "BASE/anteckningar.txt\tegna/anteckningar.txt"],
    )
    report = _fetch(tmp_path)
    assert [(o.status, o.rel) for o in report.outcomes] == [
        ("new", "webb/127.0.0.1_" + base.rsplit(":", 1)[1] + "/vagledning-cirkular.html"),
        ("new", "webb/egna/anteckningar.txt"),
    ]
    files, skips = discover(tmp_path)
    assert skips == []  # the list, the sidecars and the hidden state are not sources
    docs = {f.rel: ingest(f)[0] for f in files}
    guide = docs[report.outcomes[0].rel]
    assert guide.meta["url"] == f"{base}/vagledning/cirkular/"  # the page's real address
    assert guide.meta["fetched"] == "2026-12-01"
    assert guide.meta["publisher"] == "Upphandlingsmyndigheten"  # from the page's own head
    assert guide.tags == ["cirkulär", "möbler"]  # from the list's tags column
    assert docs["webb/egna/anteckningar.txt"].meta["url"] == f"{base}/anteckningar.txt"


def test_rerun_asks_conditionally_and_rewrites_only_what_changed(tmp_path: Path, site) -> None:
    server, base = site
    _list(tmp_path, base, ["BASE/vagledning/cirkular/", "BASE/anteckningar.txt"])
    first = _fetch(tmp_path)
    copies = [tmp_path / o.rel for o in first.outcomes]
    stamps = [p.stat().st_mtime_ns for p in copies]
    server.requests.clear()
    second = _fetch(tmp_path, today="2026-12-02")
    assert [o.status for o in second.outcomes] == ["unchanged", "unchanged"]
    asked = {path: headers for path, headers in server.requests}
    assert asked["/vagledning/cirkular/"]["If-None-Match"] == '"v1"'
    assert asked["/anteckningar.txt"]["If-Modified-Since"] == server.notes_modified
    assert [p.stat().st_mtime_ns for p in copies] == stamps
    assert "fetched: '2026-12-01'" in copies[0].with_name(copies[0].name + ".meta.yml").read_text("utf-8")
    server.guide, server.guide_etag = GUIDE.format("Ny text om återbruk av textilier. " * 8), '"v2"'
    third = _fetch(tmp_path, today="2026-12-03")
    assert [o.status for o in third.outcomes] == ["updated", "unchanged"]
    assert "textilier" in copies[0].read_text("utf-8")
    assert "fetched: '2026-12-03'" in copies[0].with_name(copies[0].name + ".meta.yml").read_text("utf-8")


def test_a_failure_keeps_the_previous_copy(tmp_path: Path, site) -> None:
    server, base = site
    _list(tmp_path, base, ["BASE/vagledning/cirkular/"])
    (first,) = _fetch(tmp_path).outcomes
    copy = tmp_path / first.rel
    before = copy.read_bytes(), copy.with_name(copy.name + ".meta.yml").read_bytes()
    server.broken = True
    server.guide_etag = '"v2"'  # not a 304: the server fails instead
    (failed,) = _fetch(tmp_path).outcomes
    assert failed.status == "failed" and failed.reason == "HTTP 500 Internal Server Error"
    assert failed.rel == first.rel  # "kept …"
    assert (copy.read_bytes(), copy.with_name(copy.name + ".meta.yml").read_bytes()) == before
    server.broken = False
    server.guide = "<html><body><nav>Sidan är tom</nav></body></html>"
    (skipped,) = _fetch(tmp_path).outcomes
    assert skipped.status == "failed" and skipped.reason == "not saved, the build would skip it: no text content"
    assert copy.read_bytes() == before[0]


def test_each_failure_is_reported_per_address(tmp_path: Path, site) -> None:
    server, base = site
    rows = [
        "BASE/privat/hemlig.html",
        "BASE/finns-inte.html",
        "BASE/stor.html",
        "BASE/langsam.html",
        "BASE/bild",
        "BASE/flyttad",
        "ftp://127.0.0.1/fil.txt",
        "BASE/flyttad",
    ]
    _list(tmp_path, base, rows, header="url")
    report = _fetch(tmp_path, timeout=0.5)
    reasons = {o.url.replace(base, ""): (o.status, o.reason) for o in report.outcomes}
    assert reasons["/privat/hemlig.html"] == ("failed", "robots.txt of " + base[7:] + " does not allow it")
    assert reasons["/finns-inte.html"] == ("failed", "HTTP 404 Not Found")
    assert reasons["/stor.html"][1].startswith("too large (0.286 MB, limit 0.191 MB)")
    assert reasons["/langsam.html"][1] == "timed out (no answer within 0.5 s)"
    assert reasons["/bild"][1].startswith("unsupported format (no known suffix); supported: .txt")
    assert reasons["/bild"][1].endswith("(image/png); name a supported file in the list's path column")
    assert reasons["/flyttad"][0] == "new"  # the redirect is followed
    assert any(o.listed == "webb/FETCH.tsv:8" and "only http:// and https://" in o.reason for o in report.outcomes)
    assert any(o.listed == "webb/FETCH.tsv:9" and o.reason.endswith("listed twice") for o in report.outcomes)
    assert len(report.failed) == 7
    written = sorted(p.name for p in (tmp_path / "webb").rglob("*") if p.is_file())
    assert written == [".fetch-state.json", "FETCH.tsv", "flyttad.html", "flyttad.html.meta.yml"]  # the listed name


def test_pdf_addresses_wait_for_a_pdf_reader_or_are_saved(tmp_path: Path, site) -> None:
    server, base = site
    _list(tmp_path, base, ["BASE/rapport.pdf"], header="url")
    (outcome,) = _fetch(tmp_path).outcomes
    if ".pdf" not in SUFFIXES:
        assert outcome.status == "failed" and outcome.reason.startswith("unsupported format .pdf; supported:")
    else:  # the stub is no real PDF: the build's parser refuses it, so nothing is saved
        assert outcome.status == "failed" and outcome.reason.startswith("not saved, the build would skip it")


def test_robots_disallow_all_and_unreachable_robots(tmp_path: Path, site) -> None:
    server, base = site
    server.robots = "User-agent: kb-fetch\nDisallow: /\n"
    _list(tmp_path, base, ["BASE/vagledning/cirkular/"], header="url")
    (outcome,) = _fetch(tmp_path).outcomes
    assert outcome.reason.endswith("does not allow it")
    _list(tmp_path, "http://127.0.0.1:9", ["BASE/sida.html"], header="url")  # nothing listens on port 9
    (outcome,) = _fetch(tmp_path, timeout=0.5).outcomes
    assert outcome.reason.startswith("robots.txt could not be read (could not connect")


def test_pauses_between_requests_to_one_host(tmp_path: Path, site) -> None:
    """Every request to the host after the first (robots.txt) waits the delay, or a longer Crawl-delay."""
    import datetime as dt

    server, base = site
    _list(tmp_path, base, ["BASE/vagledning/cirkular/", "BASE/anteckningar.txt"], header="url")
    frozen = time.monotonic()
    for robots, expected in (
        ("User-agent: *\nDisallow:\n", [1.0, 1.0]),
        ("User-agent: *\nCrawl-delay: 3\n", [3.0, 3.0]),
    ):
        server.robots = robots
        pauses: list[float] = []
        with PoliteClient(delay=1.0, timeout=5, sleep=pauses.append, clock=lambda: frozen) as client:
            report = fetch_sources(tmp_path, client, today=lambda: dt.date(2026, 12, 1))
        assert [o.status for o in report.outcomes] in (["new", "new"], ["unchanged", "unchanged"])
        assert pauses == expected


def test_a_file_fetch_did_not_write_is_never_overwritten(tmp_path: Path, site) -> None:
    server, base = site
    _list(tmp_path, base, ["BASE/anteckningar.txt\tegen.txt"])
    (tmp_path / "webb" / "egen.txt").write_text("Min egen text\n\nRedigerad.\n", encoding="utf-8")
    (outcome,) = _fetch(tmp_path).outcomes
    assert outcome.status == "failed" and "was not fetched from this address" in outcome.reason
    assert (tmp_path / "webb" / "egen.txt").read_text("utf-8").startswith("Min egen text")


def test_list_problems_are_reported_with_their_line(tmp_path: Path) -> None:
    folder = tmp_path / "webb"
    folder.mkdir()
    (folder / "FETCH.tsv").write_text(
        "url\tpath\n# kommentar\n\nhttps://ex.se/a\t../utanför.html\njavascript:alert(1)\nhttps://ex.se/b\tMANIFEST.tsv\n"
        "https://ex.se/c\tbra.html\n",
        encoding="utf-8",
    )
    wanted, problems = read_list(tmp_path, folder / "FETCH.tsv")
    assert [w.url for w in wanted] == ["https://ex.se/c"]
    assert [p.where for p in problems] == ["webb/FETCH.tsv:4", "webb/FETCH.tsv:5", "webb/FETCH.tsv:6"]
    (folder / "FETCH.tsv").write_text("https://ex.se/a\n", encoding="utf-8")
    assert "first row must name the columns" in read_list(tmp_path, folder / "FETCH.tsv")[1][0].reason


def test_cli_table_json_and_exit_codes(tmp_path: Path, site) -> None:
    server, base = site
    runner = CliRunner()
    assert runner.invoke(main, ["fetch", "--root", str(tmp_path)]).exit_code == 6  # no sources/: not a kb
    (tmp_path / "sources").mkdir()
    empty = runner.invoke(main, ["fetch", "--root", str(tmp_path)])
    assert empty.exit_code == 0 and "Nothing to fetch: no FETCH.tsv" in empty.output
    _list(tmp_path / "sources", base, ["BASE/vagledning/cirkular/", "BASE/finns-inte.html"], header="url")
    result = runner.invoke(main, ["fetch", "--root", str(tmp_path), "--delay", "0"])
    assert result.exit_code == 4
    assert "new        sources/webb/127.0.0.1_" in result.output
    assert "failed     " + base + "/finns-inte.html: HTTP 404 Not Found [webb/FETCH.tsv:3]" in result.output
    assert "2 addresses: 1 new, 0 updated, 0 unchanged, 1 failed. Run `kb build` to index them." in result.output
    again = runner.invoke(main, ["fetch", "--root", str(tmp_path), "--delay", "0", "--json"])
    rows = json.loads(again.stdout)
    assert [r["status"] for r in rows] == ["unchanged", "failed"] and again.exit_code == 4


def test_a_compressed_bomb_stops_at_the_size_limit(tmp_path: Path, site) -> None:
    server, base = site
    _list(tmp_path, base, ["BASE/bomb.html"], header="url")
    (outcome,) = _fetch(tmp_path).outcomes
    assert outcome.status == "failed" and outcome.reason == "too large (over 0.191 MB, limit 0.191 MB)"
    assert not any(p.suffix == ".html" for p in (tmp_path / "webb").rglob("*"))


def test_a_compressed_page_is_unpacked(tmp_path: Path, site) -> None:
    server, base = site
    _list(tmp_path, base, ["BASE/packad.html"], header="url")
    (outcome,) = _fetch(tmp_path).outcomes
    assert outcome.status == "new"
    assert (tmp_path / outcome.rel).read_text("utf-8") == GUIDE.format(TEXT)
    assert dict(server.requests)["/packad.html"]["Accept-Encoding"] == "gzip, deflate"


def test_a_server_that_drips_is_cut_off_by_the_total_deadline(tmp_path: Path, site) -> None:
    server, base = site
    _list(tmp_path, base, ["BASE/droppar.html"], header="url")
    (outcome,) = _fetch(tmp_path, timeout=0.25).outcomes
    # the total deadline (3 x 0.25 s), or on a loaded machine the per-read timeout: never saved
    assert outcome.status == "failed" and outcome.reason.startswith("timed out")
    assert not (tmp_path / "webb" / "127.0.0.1").exists() and outcome.rel == ""


def test_a_304_without_a_question_saves_nothing(tmp_path: Path, site) -> None:
    server, base = site
    _list(tmp_path, base, ["BASE/alltid304.html"], header="url")
    (outcome,) = _fetch(tmp_path).outcomes
    assert outcome.status == "failed" and outcome.reason == "HTTP 304 Not Modified, but there is no copy yet"
    assert sorted(p.name for p in (tmp_path / "webb").iterdir()) == ["FETCH.tsv"]
