"""Delivery of the site's files: precompressed copies, cache headers, OpenSearch, the API marker,
and the small text rules of the pages (licence notes, diary numbers, repeated paragraphs, 404)."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from kb.api.static import SiteFiles
from kb.site.compress import precompress

REPO = Path(__file__).resolve().parent.parent

BUNDLE = "assets/javascripts/bundle.a5f9d56c.min.js"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "assets" / "javascripts").mkdir(parents=True)
    (site / "sok-index").mkdir()
    (site / "index.html").write_text("<!doctype html><title>Start</title>" + "återbruk " * 300, encoding="utf-8")
    (site / BUNDLE).write_text("console.log(1);" * 200, encoding="utf-8")
    (site / "sok-index" / "api.json").write_text('{"api": false}', encoding="utf-8")
    (site / "opensearch.xml").write_text("<OpenSearchDescription/>", encoding="utf-8")
    (site / "logo.png").write_bytes(b"\x89PNG" + bytes(500))
    precompress(site)
    return site


def client_for(site: Path, site_url: str = "http://127.0.0.1:8000/", search_api: bool = True) -> TestClient:
    app = Starlette(routes=[Mount("/", SiteFiles(site, site_url, "Kunskapsbank", search_api=search_api))])
    return TestClient(app, base_url="http://127.0.0.1:8123")


def test_precompress_writes_gz_of_text_files_only_and_reproducibly(site: Path):
    gz = site / "index.html.gz"
    assert gzip.decompress(gz.read_bytes()) == (site / "index.html").read_bytes()
    assert gz.stat().st_size < (site / "index.html").stat().st_size / 5
    assert not (site / "logo.png.gz").exists()
    before = gz.read_bytes()
    gz.unlink()
    precompress(site)
    assert gz.read_bytes() == before  # no timestamp inside: a rebuild writes the same bytes


def test_precompress_links_the_previous_sites_copy_of_an_unchanged_file(site: Path, tmp_path: Path):
    new = tmp_path / "new"
    new.mkdir()
    os.link(site / "index.html", new / "index.html")  # as a partial build links unchanged pages
    (new / "sok.html").write_text("<p>ny sida</p>", encoding="utf-8")
    precompress(new, previous=site)
    assert os.path.samefile(new / "index.html.gz", site / "index.html.gz")
    assert gzip.decompress((new / "sok.html.gz").read_bytes()) == b"<p>ny sida</p>"


def test_gzip_sent_to_browsers_that_take_it(site: Path):
    client = client_for(site)
    r = client.get("/", headers={"Accept-Encoding": "gzip, br"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["vary"] == "Accept-Encoding"
    assert int(r.headers["content-length"]) == (site / "index.html.gz").stat().st_size
    assert r.text.startswith("<!doctype html>")
    plain = client.get("/", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert int(plain.headers["content-length"]) == (site / "index.html").stat().st_size
    refused = client.get("/", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


def test_a_stale_gz_is_not_sent(site: Path):
    page = site / "index.html"
    page.write_text("<!doctype html><title>Ny</title>" + "ändrad " * 300, encoding="utf-8")
    old = page.stat().st_mtime - 60
    os.utime(site / "index.html.gz", (old, old))
    r = client_for(site).get("/", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in r.headers and "ändrad" in r.text


def test_cache_control_long_for_fingerprinted_assets_revalidate_for_the_rest(site: Path):
    client = client_for(site)
    r = client.get("/" + BUNDLE, headers={"Accept-Encoding": "gzip"})
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert r.headers["content-type"].startswith("text/javascript")
    assert client.get("/").headers["cache-control"] == "no-cache"
    etag = client.get("/", headers={"Accept-Encoding": "gzip"}).headers["etag"]
    again = client.get("/", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304


def test_opensearch_type_and_address_follow_the_request_for_a_local_site_url(site: Path):
    r = client_for(site).get("/opensearch.xml")
    assert r.headers["content-type"] == "application/opensearchdescription+xml"
    assert 'template="http://127.0.0.1:8123/sok/?q={searchTerms}"' in r.text
    configured = client_for(site, site_url="https://intranat.example.se/kunskapsbank/").get("/opensearch.xml")
    assert 'template="https://intranat.example.se/kunskapsbank/sok/?q={searchTerms}"' in configured.text


def test_api_marker_says_whether_a_search_api_answers(site: Path):
    assert client_for(site).get("/sok-index/api.json").json() == {"api": True}
    assert client_for(site, search_api=False).get("/sok-index/api.json").json() == {"api": False}


def test_licence_notes_of_the_shipped_manifests_in_swedish():
    from kb.site.licence_text import licence_in_swedish

    assert licence_in_swedish(
        "Web page text from Region Stockholm, quoted as a source for guidance; original page URL not known"
    ) == ("Text från webbplatsen hos Region Stockholm, citerad som källa för vägledning. "
          "Originalsidans adress är inte känd.")
    assert licence_in_swedish("Swedish public sector document (regeringen.se), via the g0vse open data mirror"
                              ).startswith("Allmän handling från Regeringskansliet")
    assert licence_in_swedish("CC BY 4.0, Upphandlingsmyndigheten") == "CC BY 4.0, Upphandlingsmyndigheten"


def test_every_licence_note_of_the_default_knowledge_base_is_shown_in_swedish():
    import csv

    from kb.site.licence_text import licence_in_swedish

    notes = set()
    for manifest in (REPO / "sources").rglob("MANIFEST.tsv"):
        with open(manifest, encoding="utf-8", newline="") as f:
            notes.update(row["license"] for row in csv.DictReader(f, delimiter="\t") if row.get("license"))
    assert notes
    assert [n for n in notes if licence_in_swedish(n) == n] == []


@pytest.mark.parametrize("title, expected", [
    ("Reformering av avfallslagstiftningen för ökad materialåtervinningKN2025/02319",
     ("Reformering av avfallslagstiftningen för ökad materialåtervinning", "KN2025/02319")),
    ("Uppdrag att göra en översyn Fi2025/01415", ("Uppdrag att göra en översyn", "Fi2025/01415")),
    ("Viktigare lagar och förordningar inför årsskiftet 2021/2022", None),
    ("Lag (2016:1145) om offentlig upphandling", None),
])
def test_diary_number_split_from_a_title(title, expected):
    from kb.ingest.titles import split_diary_number

    assert split_diary_number(title) == (expected or (title, None))


def test_a_paragraph_repeated_as_the_start_of_the_next_is_shown_once():
    from kb.model import Block
    from kb.site.repeats import without_repeats

    lead = "Samverkansprojektet är en Vinnova-stödd verksamhet som koordineras av IDC West Sweden."
    blocks = [Block("p", lead), Block("p", lead + " Projektet syftar till att möta samhällets behov."),
              Block("p", "Ett annat stycke.")]
    assert [b.text for b in without_repeats(blocks)] == [b.text for b in blocks[1:]]
    twice = [Block("p", lead), Block("p", lead)]
    assert len(without_repeats(twice)) == 1
    # statutes repeat sentences in different paragraphs (§): those stay
    statute = [Block("para", "1 §", "kap20-1"), Block("p", lead), Block("para", "2 §", "kap20-2"), Block("p", lead)]
    assert without_repeats(statute) == statute
    short = [Block("p", "Syfte"), Block("p", "Syfte och mål med projektet.")]
    assert without_repeats(short) == short


def test_not_found_page_links_are_relative_to_a_located_base():
    from kb.site.not_found import relocatable

    html = ('<html><head><link rel="stylesheet" href="/kb/assets/main.css"></head><body>'
            '<a href="/kb/">start</a><a href="/kb/sok/">sök</a><script src="/kb/assets/kb.js"></script>'
            '<script id="__config">{"base": "/kb"}</script></body></html>')
    out = relocatable(html, "https://intranat.example.se/kb/")
    assert out.index('<base href="/kb/">') < out.index("<link")
    assert 'href="assets/main.css"' in out and 'href=".">start' in out and 'href="sok/">' in out
    assert 'src="assets/kb.js"' in out and '"base": "."' in out
