"""Injection: markup in sources shows as text in snippets and on the site; no path outside site/ is served.

Sources carry ``<script>``, event-handler attributes, ``javascript:`` links and Markdown/HTML
tricks in plain text, Markdown and HTML. In snippets (library, CLI JSON, API) everything is
HTML-escaped except the ``<mark>`` highlights; the generated site (parsed with BeautifulSoup)
has no script, event handler or ``javascript:`` URL that came from a source; and the API's
static file serving answers 4xx, never a file outside site/, for every traversal trick.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from kb.cli import main
from kb.config import Project
from kb.indexing.build import build
from kb.search import Searcher
from tests.api_support import call_raw

REPO = Path(__file__).resolve().parents[1]
SITE_URL = "http://127.0.0.1:8000/"
SECRET = "TOP-SECRET-next-to-site"
PAYLOAD_MARK = "alert("  # every payload below calls alert(…)

TXT = """Skript i text

Återbruk av möbler är bra. <script>alert(1)</script> Bilden <img src=x onerror=alert(2)> och länken
javascript:alert(3) står här som text i injektionsprov ett. "><svg onload=alert(4)> '-alert(5)-'
"""
MD = """---
title: "<script>alert('titel')</script> Markdown-trick"
---
# <img src=x onerror=alert(6)> Markdown-trick

Återbruk och [klicka här](javascript:alert(7)) och [igen](JaVaScRiPt:alert(8)) och
[tab](java\tscript:alert(9)) och ![bild](javascript:alert(10)) i injektionsprov två.

<div onclick="alert(11)">Rått HTML-block om möbler</div>

<script>alert(12)</script>

<a href="javascript:alert(13)">länk</a> <iframe src="javascript:alert(14)"></iframe>

[ref]: javascript:alert(15)

Se [referensen][ref] och <javascript:alert(16)> och `<script>alert(17)</script>`.

```html
<script>alert(18)</script>
```

## Rubrik med <b onmouseover=alert(19)>fet</b> text

Mer text om återbruk av möbler, injektionsprov tre.
"""
HTML = """<!doctype html><html><head><title>HTML-trick</title><script>alert(20)</script></head>
<body onload="alert(21)"><main><h1>HTML-trick <img src=x onerror=alert(22)></h1>
<p>Text om återbruk av möbler, injektionsprov fyra, <a href="javascript:alert(23)">länk</a>
<a href=" &#106;avascript:alert(24)">kodad länk</a> <svg onload=alert(25)></svg>
<img src=x onerror="alert(26)"></p>
<p>&lt;script&gt;alert(27)&lt;/script&gt; är kodad som text.</p>
<iframe src="javascript:alert(28)"></iframe><object data="javascript:alert(29)"></object>
<h2 onmouseover="alert(30)">Rubrik <script>alert(31)</script>två</h2>
<p style="background:url(javascript:alert(32))">Mer text om injektionsprov fem.</p>
<form action="javascript:alert(33)"><button formaction="javascript:alert(34)">x</button></form>
</main></body></html>
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("injection")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    if (REPO / "overrides").is_dir():
        shutil.copytree(REPO / "overrides", root / "overrides")
    src = root / "sources" / "prov"
    src.mkdir(parents=True)
    (src / "skript.txt").write_text(TXT, encoding="utf-8")
    (src / "markdown-trick.md").write_text(MD, encoding="utf-8")
    (src / "html-trick.html").write_text(HTML, encoding="utf-8")
    shutil.copytree(REPO / "sources" / "seeds", root / "sources" / "seeds")
    project = Project(root)
    build(project, site=False)
    (root / "secret.txt").write_text(SECRET, encoding="utf-8")
    return project


_MARK = re.compile(r"</?mark>")


def assert_escaped(snippet: str) -> None:
    rest = _MARK.sub("", snippet)
    assert "<" not in rest and ">" not in rest, snippet


QUERIES = ["injektionsprov", "script alert", "javascript", "onerror", "återbruk möbler", "img src", "<script>"]


def test_library_snippets_are_escaped(project: Project) -> None:
    searcher = Searcher(project.index_root, SITE_URL)
    seen = 0
    for q in QUERIES:
        for hit in searcher.search(q, limit=50).hits:
            assert_escaped(hit.snippet)
            seen += 1
    assert seen
    txt = [h for h in searcher.search("injektionsprov ett", limit=50).hits if h.source == "prov/skript.txt"]
    assert txt and "&lt;svg onload=alert(4)&gt;" in txt[0].snippet  # shown as text, escaped


@pytest.mark.parametrize("q", QUERIES)
def test_cli_json_snippets_are_escaped(project: Project, q: str) -> None:
    result = CliRunner().invoke(main, ["search", q, "--root", str(project.root), "--json", "--limit", "50"])
    assert result.exit_code in (0, 1), result.output
    for hit in json.loads(result.output)["hits"]:
        assert_escaped(hit["snippet"])


@pytest.fixture(scope="module")
def site(project: Project) -> Path:
    pytest.importorskip("kb.site")
    build(project, site=True)
    assert (project.site_dir / "index.html").is_file()
    return project.site_dir


_URL_ATTRS = ("href", "src", "action", "formaction", "data", "xlink:href", "poster", "background", "srcset")


def _dangerous_url(value: str) -> bool:
    compact = re.sub(r"[\x00-\x20]", "", value).lower()
    return compact.startswith(("javascript:", "vbscript:", "data:text/html"))


@pytest.mark.slow
def test_site_has_no_executable_source_markup(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert pages
    problems: list[str] = []
    shown_as_text = False
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
        rel = page.relative_to(site)
        for script in soup.find_all("script"):
            if PAYLOAD_MARK in (script.string or ""):
                problems.append(f"{rel}: inline <script> from a source: {str(script)[:80]}")
        for tag in soup.find_all(True):
            for name, value in tag.attrs.items():
                value = " ".join(value) if isinstance(value, list) else str(value)
                if name.lower().startswith("on") and PAYLOAD_MARK in value:
                    problems.append(f"{rel}: <{tag.name} {name}={value[:40]!r}>")
                if name.lower() in _URL_ATTRS and _dangerous_url(value):
                    problems.append(f"{rel}: <{tag.name} {name}={value[:40]!r}>")
                if name.lower() == "style" and "javascript:" in value.lower():
                    problems.append(f"{rel}: <{tag.name} style={value[:40]!r}>")
            if tag.name in ("iframe", "object", "embed", "svg") and PAYLOAD_MARK in str(tag):
                problems.append(f"{rel}: <{tag.name}> from a source")
        if "<script>alert(1)</script>" in soup.get_text():
            shown_as_text = True
    assert not problems, "\n".join(problems[:20])
    assert shown_as_text, "the plain-text source's <script> should be visible as text on its page"


@pytest.mark.slow
def test_site_search_data_is_inert(site: Path) -> None:
    """Data files the site's search page reads: markup from sources only as escaped text or plain JSON strings."""
    for path in list(site.rglob("*.json")) + list(site.rglob("*.js")):
        if "assets" in path.parts and path.suffix == ".js":
            continue  # the theme's own code
        text = path.read_text(encoding="utf-8", errors="replace")
        assert "<script>alert(" not in text.replace("\\u003c", "<") or path.suffix == ".json", path


# ---------------------------------------------------------------- the API


@pytest.fixture(scope="module")
def app(project: Project):
    api = pytest.importorskip("kb.api.app")
    from kb.api.settings import ApiSettings

    site_dir = project.site_dir
    if not site_dir.is_dir():  # the site test may not have run: a minimal site is enough here
        (site_dir / "dok").mkdir(parents=True)
        (site_dir / "index.html").write_text("<!doctype html><title>Kunskapsbank</title>start", encoding="utf-8")
    link = site_dir / "ut-lank.txt"
    if not link.exists():
        link.symlink_to(project.root / "secret.txt")
    return api.create_app(project, ApiSettings(warm_up=False))


@pytest.fixture(scope="module")
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("q", QUERIES)
def test_api_snippets_are_escaped(client, q: str) -> None:
    response = client.get("/api/search", params={"q": q, "limit": 50})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    for hit in response.json()["hits"]:
        assert_escaped(hit["snippet"])


@pytest.mark.parametrize(
    "params",
    [{"q": "<script>alert(1)</script>", "limit": "<b>"}, {"q": "x" * 600}, {"<img src=x onerror=alert(1)>": "1"}],
)
def test_api_errors_never_echo_markup_as_html(client, params) -> None:
    response = client.get("/api/search", params=params)
    assert 400 <= response.status_code < 500
    assert not response.headers["content-type"].startswith("text/html")


TRAVERSALS = [
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/..%2fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/..%5csecret.txt",
    "/%2e%2e%5csecret.txt",
    "/..\\secret.txt",
    "/%252e%252e/secret.txt",
    "/....//secret.txt",
    "/./../secret.txt",
    "/dok/../../secret.txt",
    "/dok/%2e%2e/%2e%2e/secret.txt",
    "/%c0%ae%c0%ae/secret.txt",
    "/..;/secret.txt",
    "/ut-lank.txt",
    "/../../../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "//etc/passwd",
    "/%00../secret.txt",
    "/dok%00/../../secret.txt",
]


@pytest.mark.parametrize("raw_path", TRAVERSALS)
def test_static_serving_never_leaves_site(app, client, raw_path: str) -> None:
    status, body = call_raw(app, unquote(raw_path), raw_path)
    assert 400 <= status < 500, (raw_path, status, body[:100])
    assert SECRET.encode() not in body and b"root:x:0:0" not in body
    response = client.get(raw_path)  # the same through the HTTP client (which may normalise it)
    assert response.status_code < 500
    assert SECRET not in response.text and "root:x:0:0" not in response.text
