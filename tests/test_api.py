"""The search API through FastAPI's TestClient: contract, errors, caching headers, CORS, static files."""

from __future__ import annotations

import re

import pytest
from api_support import SECRET, shared_project
from fastapi.testclient import TestClient

from kb.api import ApiSettings, create_app
from kb.model import fold_ascii
from kb.search import Searcher

HIT_KEYS = {
    "title",
    "section",
    "source",
    "url",
    "anchor",
    "snippet",
    "score",
    "publisher",
    "type",
    "date",
    "tags",
    "doc_id",
    "original",
    "page",
}


@pytest.fixture(scope="module")
def project():
    return shared_project()


@pytest.fixture(scope="module")
def client(project):
    with TestClient(create_app(project)) as c:
        yield c


def _error(r, status: int, parameter: str | None):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error", "parameter"} and body["error"]
    assert body["parameter"] == parameter
    return body


# ---------------------------------------------------------------- search


def test_search_contract_matches_cli_json(client, project):
    r = client.get("/api/search", params={"q": "återbruk möbler", "limit": 3})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "återbruk möbler"
    assert body["total"] >= 3 and len(body["hits"]) == 3
    assert body["offset"] == 0 and body["limit"] == 3 and body["next_offset"] == 3
    assert set(body["facets"]) == {"tags", "publisher", "type"}
    assert all(isinstance(n, int) for facet in body["facets"].values() for n in facet.values())
    for hit in body["hits"]:
        assert set(hit) == HIT_KEYS
        assert hit["url"].startswith("http") and "/dok/" in hit["url"]
    # the hit objects are exactly those of `kb search --json`
    site_url, _ = project.site_settings()
    direct = Searcher(project.index_root, site_url).search("återbruk möbler", limit=3).to_json()
    assert [h["doc_id"] + h["anchor"] for h in body["hits"]] == [h["doc_id"] + h["anchor"] for h in direct["hits"]]
    assert body["hits"][0] == direct["hits"][0]
    assert body["index_version"] == client.get("/api/health").json()["index_version"]


def test_notice_about_a_law_not_here_comes_in_words_and_codes(client):
    body = client.get("/api/search", params={"q": "SFS 2099:12"}).json()
    assert body["hits"] == [] and body["timed_out"] is False
    assert body["notice"] == "Not in the knowledge base: SFS 2099:12."
    assert body["notice_detail"] == {"code": "not_in_knowledge_base", "cited": ["SFS 2099:12"]}
    assert "notice_detail" not in client.get("/api/search", params={"q": "återbruk"}).json()


def test_paging_walks_all_hits_once(client):
    first = client.get("/api/search", params={"q": "cirkulär", "limit": 50}).json()
    seen, offset = [], 0
    while offset is not None:
        page = client.get("/api/search", params={"q": "cirkulär", "limit": 4, "offset": offset}).json()
        assert page["offset"] == offset
        seen += [h["doc_id"] + "#" + h["anchor"] for h in page["hits"]]
        offset = page["next_offset"]
    assert len(seen) == len(set(seen)) == min(first["total"], 1000)
    assert seen[:50] == [h["doc_id"] + "#" + h["anchor"] for h in first["hits"]]
    beyond = client.get("/api/search", params={"q": "cirkulär", "offset": 1000}).json()
    assert beyond["hits"] == [] and beyond["next_offset"] is None


def test_filters_and_facets(client):
    everything = client.get("/api/search", params={"q": "cirkulär ekonomi", "limit": 50}).json()
    facets = everything["facets"]
    assert facets["publisher"] and facets["type"]
    publisher, count = next(iter(facets["publisher"].items()))
    only = client.get("/api/search", params={"q": "cirkulär ekonomi", "publisher": publisher, "limit": 50}).json()
    assert only["total"] == count
    assert {h["publisher"] for h in only["hits"]} == {publisher}
    tag, tag_count = next(iter(facets["tags"].items()))
    tagged = client.get("/api/search", params={"q": "cirkulär ekonomi", "tag": tag, "limit": 50}).json()
    assert tagged["total"] == tag_count and all(tag in h["tags"] for h in tagged["hits"])
    type_ = next(iter(facets["type"]))
    typed = client.get("/api/search", params={"q": "cirkulär ekonomi", "type": type_, "limit": 50}).json()
    assert typed["hits"] and {h["type"] for h in typed["hits"]} == {type_}
    none = client.get("/api/search", params={"q": "cirkulär", "tag": "finns-inte"}).json()
    assert none["total"] == 0 and none["hits"] == [] and none["next_offset"] is None


def test_suggestion_and_fuzzy_flags_come_from_the_searcher(client, project):
    direct = Searcher(project.index_root, "http://x/").search("cirkulr ekonomj")
    body = client.get("/api/search", params={"q": "cirkulr ekonomj"}).json()
    assert body["suggestion"] == direct.suggestion and body["fuzzy"] == direct.fuzzy
    assert body["total"] == direct.total


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"q": "x", "limit": "51"}, "limit"),
        ({"q": "x", "limit": "0"}, "limit"),
        ({"q": "x", "limit": "tio"}, "limit"),
        ({"q": "x", "limit": "1.5"}, "limit"),
        ({"q": "x", "offset": "-1"}, "offset"),
        ({"q": "x", "offset": "1001"}, "offset"),
        ({"q": "a" * 501}, "q"),
        ({"q": ""}, "q"),
        ({"q": "  \t "}, "q"),
        ({}, "q"),
        ({"q": "x", "sort": "date"}, "sort"),
        ({"q": "x", "tags": "cirkulär"}, "tags"),
        ({"q": "x", "publisher": "p" * 201}, "publisher"),
        ({"q": "x", "tag": [f"t{i}" for i in range(11)]}, "tag"),
    ],
)
def test_bad_search_parameters_are_400_naming_the_parameter(client, params, parameter):
    _error(client.get("/api/search", params=params), 400, parameter)


def test_q_of_500_characters_is_accepted(client):
    assert client.get("/api/search", params={"q": ("upphandling " * 50)[:500]}).status_code == 200


def test_errors_do_not_reflect_markup(client):
    r = client.get("/api/search", params={"q": "<script>alert(1)</script>", "<img src=x onerror=alert(1)>": "1"})
    body = _error(r, 400, "<img src=x onerror=alert(1)>")
    assert "<" not in body["error"]
    r = client.get("/<script>alert(1)</script>")
    assert r.status_code == 404 and "<script" not in r.text


def test_query_is_echoed_only_as_json(client):
    r = client.get("/api/search", params={"q": "<b>upphandling</b>"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json()["query"] == "<b>upphandling</b>"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_snippets_escape_everything_but_marks(client):
    for q in ["upphandling", "cirkulär ekonomi", "möbler", "plast"]:
        for hit in client.get("/api/search", params={"q": q, "limit": 50}).json()["hits"]:
            assert "<" not in re.sub(r"</?mark>", "", hit["snippet"]), hit["snippet"]


# ---------------------------------------------------------------- suggest, documents, health


def test_suggest(client, project):
    r = client.get("/api/suggest", params={"q": "cirk"})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "cirk" and body["suggestions"]
    assert all(s.lower().replace("ä", "a").startswith("cirk") or " " in s for s in body["suggestions"])
    assert len(client.get("/api/suggest", params={"q": "upp", "limit": 3}).json()["suggestions"]) <= 3
    _error(client.get("/api/suggest", params={"q": "upp", "limit": 21}), 400, "limit")
    _error(client.get("/api/suggest"), 400, "q")
    _error(client.get("/api/suggest", params={"q": "upp", "x": "1"}), 400, "x")


def test_suggest_work_is_bounded_and_cached(client, project, monkeypatch):
    """Why suggest stays fast, whatever the prefix (its latency is measured by benchmarks, not
    here): titles and headings are listed once per index version, a prefix reads at most 201
    words of the lexicon, and the app answers a repeated prefix from its cache."""
    searcher = Searcher(project.index_root, "http://x/")
    assert searcher.suggest("upp")
    state = searcher._current()
    listed = state._completions
    read: list = []
    reader_class = type(state.searcher.reader())
    expand_prefix = reader_class.expand_prefix

    def counting(self, fieldname, prefix):
        for term in expand_prefix(self, fieldname, prefix):
            read.append(term)
            yield term

    monkeypatch.setattr(reader_class, "expand_prefix", counting)
    words = searcher.suggest("kvastfening a")  # no title starts so: "a…" from the lexicon, thousands of words
    assert words and all(fold_ascii(w).startswith("kvastfening a") for w in words)  # shown in Swedish: "ändra"
    assert state._completions is listed
    assert 0 < len(read) <= 201

    calls: list[str] = []
    monkeypatch.setattr(Searcher, "suggest", lambda self, q, limit=8: calls.append(q) or ["kvastfeningar"])
    first = client.get("/api/suggest", params={"q": "kvastfen"})
    second = client.get("/api/suggest", params={"q": "kvastfen"})
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"query": "kvastfen", "suggestions": ["kvastfeningar"]}
    assert calls == ["kvastfen"]


def test_document_with_slashes_in_id(client):
    hit = client.get("/api/search", params={"q": "offentlig upphandling", "limit": 50}).json()["hits"]
    doc_id = next(h["doc_id"] for h in hit if h["doc_id"].count("/") >= 2)
    r = client.get(f"/api/documents/{doc_id}")
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["id"] == doc_id and doc["title"] and doc["sections"]
    assert doc["url"].endswith(f"/dok/{doc_id}/")
    for s in doc["sections"]:
        assert s["url"] == f"{doc['url']}#{s['anchor']}"
        assert "text" not in s
    with_text = client.get(f"/api/documents/{doc_id}", params={"text": "true"}).json()
    assert any(s["text"] for s in with_text["sections"])
    _error(client.get("/api/documents/finns/inte"), 404, "id")
    assert client.get("/api/documents/../../etc/passwd").status_code == 404  # client normalises: /etc/passwd
    _error(client.get("/api/documents/%2e%2e/%2e%2e/etc/passwd"), 404, "id")
    _error(client.get(f"/api/documents/{doc_id}", params={"txt": "1"}), 400, "txt")


def test_health(client, project):
    r = client.get("/api/health")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    body = r.json()
    info = Searcher(project.index_root, "http://x/").info()
    assert body == {
        "status": "ok",
        "index_version": info.version,
        "built_at": info.built_at,
        "documents": info.documents,
        "sections": info.sections,
        "site": True,
    }


def test_no_index_is_503_not_a_crash(tmp_path):
    from kb.config import Project

    with TestClient(create_app(Project(tmp_path))) as c:
        for url in ["/api/health", "/api/search?q=x", "/api/suggest?q=upp", "/api/documents/a/b"]:
            r = c.get(url)
            assert r.status_code == 503 and "kb build" in r.json()["error"]
        r = c.get("/")
        assert r.status_code == 404 and "kb build" in r.text  # no site/ yet: a clear message


def test_unknown_endpoint_and_method(client):
    _error(client.get("/api/nothing"), 404, None)
    r = client.post("/api/search", params={"q": "x"})
    assert r.status_code == 405 and "GET" in r.headers["allow"]


# ---------------------------------------------------------------- caching headers


def test_etag_tied_to_index_version(client):
    r = client.get("/api/search", params={"q": "möbler"})
    version = r.json()["index_version"]
    etag = r.headers["etag"]
    assert version in etag and r.headers["cache-control"].startswith("public")
    again = client.get("/api/search", params={"q": "möbler"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = client.get("/api/search", params={"q": "möbler"}, headers={"If-None-Match": 'W/"old"'})
    assert other.status_code == 200
    for url in ["/api/suggest?q=upp", f"/api/documents/{r.json()['hits'][0]['doc_id']}"]:
        first = client.get(url)
        assert first.headers["etag"] == etag
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_cached_response_is_identical(client):
    a = client.get("/api/search", params={"q": "avfallshierarkin", "limit": 5})
    b = client.get("/api/search", params={"q": "avfallshierarkin", "limit": 5})
    assert a.content == b.content


# ---------------------------------------------------------------- CORS


def test_no_cors_by_default(client):
    r = client.get("/api/search", params={"q": "x"}, headers={"Origin": "https://intranet.example.se"})
    assert "access-control-allow-origin" not in r.headers


def test_cors_allow_list(project):
    settings = ApiSettings(cors_origins=("https://intranet.example.se",), warm_up=False)
    with TestClient(create_app(project, settings)) as c:
        ok = c.get("/api/search", params={"q": "x"}, headers={"Origin": "https://intranet.example.se"})
        assert ok.headers["access-control-allow-origin"] == "https://intranet.example.se"
        assert "etag" in ok.headers["access-control-expose-headers"].lower()
        bad = c.get("/api/search", params={"q": "x"}, headers={"Origin": "https://evil.example.com"})
        assert "access-control-allow-origin" not in bad.headers
        pre = c.options(
            "/api/search",
            headers={"Origin": "https://intranet.example.se", "Access-Control-Request-Method": "GET"},
        )
        assert pre.status_code == 200
        assert pre.headers["access-control-allow-origin"] == "https://intranet.example.se"
        pre_bad = c.options(
            "/api/search", headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"}
        )
        assert pre_bad.status_code == 400


def test_settings_from_env():
    s = ApiSettings.from_env(
        {
            "KB_CORS_ORIGINS": "https://a.example.se, https://b.example.se/",
            "KB_TIME_LIMIT": "0.25",
            "KB_CACHE_SIZE": "0",
        }
    )
    assert s.cors_origins == ("https://a.example.se", "https://b.example.se")
    assert s.time_limit == 0.25 and s.cache_size == 0
    assert ApiSettings.from_env({}).cors_origins == ()
    assert ApiSettings.from_env({}).site_url is None
    assert ApiSettings.from_env({"KB_SITE_URL": "http://127.0.0.1:8766/"}).site_url == "http://127.0.0.1:8766/"


def test_links_follow_the_served_port_when_site_url_is_local(project):
    from kb.commands.serve import served_site_url

    configured, _ = project.site_settings()
    links = served_site_url(configured, "127.0.0.1", 8766)
    assert links == "http://127.0.0.1:8766/"
    with TestClient(create_app(project, ApiSettings(site_url=links, warm_up=False))) as c:
        hits = c.get("/api/search", params={"q": "återbruk möbler"}).json()["hits"]
        assert hits and all(h["url"].startswith("http://127.0.0.1:8766/dok/") for h in hits)


@pytest.mark.parametrize(
    ("site_url", "host", "port", "expected"),
    [
        ("http://127.0.0.1:8000/", "127.0.0.1", 8000, None),  # already the served address
        ("http://localhost:8000/kb/", "127.0.0.1", 9000, "http://127.0.0.1:9000/kb/"),
        ("http://127.0.0.1:8000/", "0.0.0.0", 9000, "http://127.0.0.1:9000/"),  # all interfaces: the local name
        ("http://localhost/", "localhost", 80, None),  # no port means 80
        ("https://localhost/", "localhost", 443, None),  # or 443
        ("http://[::1]:8000/", "::1", 8001, "http://[::1]:8001/"),
        ("https://intranat.example.se/kunskapsbank/", "127.0.0.1", 8766, None),  # public: a proxy in front
    ],
)
def test_served_site_url(site_url, host, port, expected):
    from kb.commands.serve import served_site_url

    assert served_site_url(site_url, host, port) == expected


# ---------------------------------------------------------------- docs


def test_openapi_and_offline_docs(client):
    spec = client.get("/api/openapi.json").json()
    assert {"/api/search", "/api/suggest", "/api/documents/{id}", "/api/health"} <= set(spec["paths"])
    names = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert names == {"q", "limit", "offset", "tag", "publisher", "type"}
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/search" in docs.text
    assert "<script" not in docs.text and "http://" not in docs.text.replace("http://x", "")  # nothing from a CDN


# ---------------------------------------------------------------- static site


def test_site_pages(client):
    assert "start" in client.get("/").text
    r = client.get("/sok/", params={"q": "återbruk"})
    assert r.status_code == 200 and "sökruta" in r.text
    r = client.get("/sok", follow_redirects=False)
    assert r.status_code in (301, 302, 307, 308) and r.headers["location"].endswith("/sok/")
    assert client.get("/dok/a/").text == "dokument a"
    missing = client.get("/finns/inte/")
    assert missing.status_code == 404 and "sidan finns inte" in missing.text


@pytest.mark.parametrize(
    "raw_path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/sok/../../secret.txt",
        "/sok/%2e%2e/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "/%252e%252e/secret.txt",
        "/out-link",
        "/out-dir/secret.txt",
        "/out-dir/sources/seeds/MANIFEST.tsv",
        "/%00",
        "/index.html%00.txt",
        "//etc/passwd",
        "/" + "a" * 5000,
    ],
)
def test_static_never_leaves_site(project, raw_path):
    """Raw paths as a server hands them to the app (percent-decoded path, raw_path kept)."""
    from urllib.parse import unquote

    from api_support import call_raw

    status, body = call_raw(create_app(project, ApiSettings(warm_up=False)), unquote(raw_path), raw_path)
    assert status in (400, 404), (status, body[:200])
    assert SECRET.encode() not in body and b"root:" not in body
