"""The aggregated query log, `kb report` and the Atom feed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from kb.api import ApiSettings, create_app
from kb.api.query_log import QueryLog, read_counts
from kb.cli import main
from kb.config import Project
from kb.model import Block, Document, Section
from kb.reports import citation_problems, make_report, review_items, source_link_problems
from kb.site.feed import atom_feed, update_state

ATOM = "{http://www.w3.org/2005/Atom}"


def test_two_workers_add_up_and_nothing_but_text_and_counts_is_kept(tmp_path):
    path = tmp_path / "queries.sqlite"
    first, second = QueryLog(path), QueryLog(path)
    first.record("Återbruk  Möbler", found=True)
    second.record("återbruk möbler", found=True)
    second.record("qqqzz", found=False)
    first.flush()
    second.flush()
    counts = {q.query: (q.searches, q.no_hits) for q in read_counts(path)}
    assert counts == {"återbruk möbler": (2, 0), "qqqzz": (1, 1)}
    with sqlite3.connect(path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(searches)")]
    assert columns == ["query", "searches", "no_hits"]


def test_the_api_counts_first_pages_and_can_be_turned_off(tmp_path, default_kb):
    project = Project(tmp_path)
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "index").symlink_to(default_kb.index_root, target_is_directory=True)
    settings = ApiSettings(warm_up=False, query_log=True, serve_site=False)
    with TestClient(create_app(project, settings)) as client:
        for _ in range(2):  # the second answer comes from the fast path's cache
            assert client.get("/api/search", params={"q": "återbruk möbler"}).status_code == 200
        client.get("/api/search", params={"q": "återbruk möbler", "offset": 10})  # paging: not a new search
        client.get("/api/search", params={"q": "qqqqzzzz"})
        client.head("/api/search", params={"q": "qqqqzzzz"})  # a HEAD is no search anyone read
    counts = {q.query: (q.searches, q.no_hits) for q in read_counts(project.query_log)}
    assert counts == {"återbruk möbler": (2, 0), "qqqqzzzz": (1, 1)}
    project.query_log.unlink()
    with TestClient(create_app(project, ApiSettings(warm_up=False, serve_site=False))) as client:
        client.get("/api/search", params={"q": "möbler"})
    assert not project.query_log.exists()
    (tmp_path / "kb.yml").write_text("query_log: false\n", encoding="utf-8")
    assert ApiSettings.for_project(project, {}).query_log is False
    assert ApiSettings.for_project(project, {"KB_QUERY_LOG": "1"}).query_log is True


def test_head_answers_wherever_get_does(default_kb):
    with TestClient(create_app(default_kb, ApiSettings(warm_up=False))) as client:
        for path in ("/api/health", "/api/search?q=möbler", "/api/suggest?q=upp", "/api/openapi.json", "/api/docs"):
            get, head = client.get(path), client.head(path)
            assert head.status_code == get.status_code == 200, path
            assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]
        assert client.head("/api/nothing").status_code == 404


def test_suggestions_are_in_swedish_spelling(default_searcher):
    for typed in ("återb", "aterb"):
        words = default_searcher.suggest(typed, limit=8)
        assert words and all(w.startswith("återb") for w in words), words
    assert "möbler" in default_searcher.suggest("mob", limit=20)


def _doc(doc_id: str, reviewed: str = "", text: str = "Text.", parent: str | None = None, meta=None) -> Document:
    meta = dict(meta or {}, **({"reviewed": reviewed} if reviewed else {}))
    section = Section(anchor="a", path=[doc_id], blocks=[Block(kind="p", text=text)])
    title = doc_id.title()
    return Document(id=doc_id, title=title, source=f"{doc_id}.md", meta=meta, sections=[section], parent=parent)


def test_review_lists_missing_and_old_reviews_oldest_first():
    today = dt.date(2026, 6, 1)
    docs = [_doc("ny", "2026-05-01"), _doc("gammal", "2024-01-01"), _doc("aldrig"), _doc("del", parent="x")]
    items = review_items(docs, today, 365)
    assert [(i.doc_id, i.reviewed, i.age_days) for i in items] == [("aldrig", "", None), ("gammal", "2024-01-01", 882)]
    assert [i.doc_id for i in review_items(docs, today, 10)] == ["aldrig", "gammal", "ny"]


def test_broken_links_in_sources_and_citations(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "finns.md").write_text("# Finns\n", encoding="utf-8")
    (tmp_path / "a" / "sida.md").write_text(
        "[ok](finns.md) [trasig](saknas.md#x) [ute](https://example.org/) [ankare](#del) "
        "[upp](../../etc/passwd) [webb](/artiklar/x/)\n",
        encoding="utf-8",
    )
    (tmp_path / "b.html").write_text('<a href="a/finns.md">ok</a> <a href="borta.html">x</a>', encoding="utf-8")
    problems = {(p.source, p.target, p.problem) for p in source_link_problems(tmp_path)}
    assert problems == {
        ("a/sida.md", "saknas.md#x", "no such file in sources/"),
        ("a/sida.md", "../../etc/passwd", "points outside sources/"),
        ("b.html", "borta.html", "no such file in sources/"),
    }
    lou = _doc("lou", meta={"beteckning": "2016:1145"})
    lou.sections[0].anchor = "kap19a"
    citing = _doc("vagledning", text="Se 19 a kap. LOU och 19 a kap. 99 § LOU samt 42 kap. LOU.")
    cited = {(p.source, p.target) for p in citation_problems([lou, citing])}
    assert cited == {("vagledning", "19 a kap. 99 § LOU"), ("vagledning", "42 kap. LOU")}


@pytest.mark.slow
def test_report_command_table_json_and_csv(tmp_path, default_kb):
    (tmp_path / "sources").mkdir()
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "index").symlink_to(default_kb.index_root, target_is_directory=True)
    log = QueryLog(tmp_path / "build" / "queries.sqlite")
    for query, found in [("möbler", True), ("möbler", True), ("kvastfening", False)]:
        log.record(query, found)
    log.flush()
    (tmp_path / "kb.yml").write_text("review_age_days: 30\n", encoding="utf-8")
    run = CliRunner().invoke
    table = run(main, ["report", "--root", str(tmp_path)])
    assert table.exit_code == 0, table.output
    assert "reviewed more than 30 days ago" in table.output and "kvastfening" in table.output
    data = json.loads(run(main, ["report", "--root", str(tmp_path), "--json"]).output)
    assert data["review_age_days"] == 30 and data["review"]
    assert [(q["query"], q["searches"]) for q in data["top_searches"]] == [("möbler", 2), ("kvastfening", 1)]
    assert [q["query"] for q in data["no_hit_searches"]] == ["kvastfening"]
    rows = list(csv.DictReader(io.StringIO(run(main, ["report", "--root", str(tmp_path), "--csv"]).output)))
    assert {r["section"] for r in rows} >= {"review", "top search", "no hits"}
    only = json.loads(run(main, ["report", "--root", str(tmp_path), "--json", "--only", "searches"]).output)
    assert only["review"] == [] and only["top_searches"]
    table = run(main, ["report", "--root", str(tmp_path), "--only", "links"]).output
    assert "do not resolve" in table and "review" not in table and "searches" not in table


def test_report_library_without_query_log(tmp_path):
    report = make_report([_doc("x")], tmp_path, tmp_path / "none.sqlite", today=dt.date(2026, 1, 1))
    assert report.top_searches == [] and [r.doc_id for r in report.review] == ["x"]


def test_feed_announces_new_and_changed_documents(tmp_path):
    state_path = tmp_path / "feed-state.json"
    docs = [_doc("a", "2025-01-02"), _doc("b")]
    state = update_state(state_path, docs, now="2026-03-01T10:00:00Z")
    assert state["a"]["updated"] == "2025-01-02T00:00:00Z"  # first build: the document's own date
    assert state["b"]["updated"] == "2026-03-01T10:00:00Z"
    changed = [_doc("a", "2025-01-02", text="Ny text."), _doc("b"), _doc("c")]
    state = update_state(state_path, changed, now="2026-04-01T09:00:00Z")
    assert state["a"]["updated"] == state["c"]["updated"] == "2026-04-01T09:00:00Z"
    assert state["b"]["updated"] == "2026-03-01T10:00:00Z"
    feed = ET.fromstring(atom_feed(changed, state, "https://intranat.example.se/kunskapsbank/", "Kunskapsbank"))
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["C", "A", "B"]
    assert entries[0].find(f"{ATOM}link").get("href") == "https://intranat.example.se/kunskapsbank/dok/c/"
    assert [e.find(f"{ATOM}category").get("term") for e in entries] == ["Nytt", "Ändrat", "Nytt"]


def test_an_unwritable_query_log_never_fails_a_search(tmp_path, caplog):
    (tmp_path / "build").write_text("a file where the folder should be", encoding="utf-8")
    log = QueryLog(tmp_path / "build" / "queries.sqlite", flush_seconds=0)
    with caplog.at_level("WARNING", logger="kb.query_log"):
        log.record("möbler", found=True)
        log.record("möbler", found=True)
    assert [r.getMessage() for r in caplog.records].count(caplog.records[0].getMessage()) == 1
    assert "cannot be written" in caplog.records[0].getMessage()


def test_a_filtered_search_is_counted_with_its_filter(tmp_path, default_kb):
    project = Project(tmp_path)
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "index").symlink_to(default_kb.index_root, target_is_directory=True)
    settings = ApiSettings(warm_up=False, query_log=True, serve_site=False)
    with TestClient(create_app(project, settings)) as client:
        assert client.get("/api/search", params={"q": "möbler"}).json()["hits"]
        for _ in range(2):  # the second answer comes from the fast path's cache
            filtered = client.get("/api/search", params={"q": "möbler", "type": "ingen-sådan-typ"})
            assert filtered.json()["hits"] == []
    counts = {q.query: (q.searches, q.no_hits) for q in read_counts(project.query_log)}
    assert counts == {"möbler": (1, 0), "möbler [type=ingen-sådan-typ]": (2, 2)}


def test_report_counts_a_query_once_however_it_was_spelt(tmp_path):
    log = QueryLog(tmp_path / "queries.sqlite")
    for query, found in [("möbler", True), ("Möbler", True), ("mobler", False), ("möbel", True)]:
        log.record(query, found)
    log.flush()
    report = make_report([], tmp_path, tmp_path / "queries.sqlite", sections=("searches",))
    assert [(q.query, q.searches, q.no_hits) for q in report.top_searches] == [("möbler", 3, 1), ("möbel", 1, 0)]
    assert [q.query for q in report.no_hit_searches] == ["möbler"]


def test_start_page_says_which_date_orders_its_recent_documents():
    from kb.site.context import SiteContext
    from kb.site.listing_pages import start_page

    docs = [
        _doc("granskad", "2026-05-01", meta={"date": "2020-01-01"}),
        _doc("publicerad", meta={"date": "2025-03-01"}),
    ]
    page = start_page(SiteContext(docs, "http://kb.example/", "Kunskapsbank")).replace("\\", "")  # Markdown escapes
    assert "## Senast granskade eller publicerade" in page and "Senast granskade dokument" not in page
    assert "granskad 2026-05-01" in page and "publicerad 2025-03-01" in page
    assert page.index("granskad 2026-05-01") < page.index("publicerad 2025-03-01")
