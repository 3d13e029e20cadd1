"""Accessibility, layout and download size of the published site in headless Chromium.

axe-core (npm, pinned in scripts/browser-tools/, installed by scripts/setup-browser.sh) runs
every rule it enables by default (WCAG A/AA and best practices alike) on one page of each
kind; a page passes with zero violations. The site is served under a sub-path
(``/kunskapsbank/``) with its own 404 page, as a municipal intranet would host it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from site_support import REPO, chromium_browser, make_project, serve_under_prefix

pytestmark = pytest.mark.browser

AXE = REPO / "scripts" / "browser-tools" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "test-artifacts" / "site"
LOU = "dok/related/sfs/sfs-2016-1145/"
PROJECT = "dok/seeds/004-2b01af607921aa6d/affarsmodellinnovation-for-cirkulara-mobelfloden/"
BUDGET_GZIP_BYTES = 300_000
SITE: dict[str, Path] = {}


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    from kb.config import Project
    from kb.indexing.build import build

    root = make_project(tmp_path_factory.mktemp("a11y-kb"), link_all=True)
    yml = root / "mkdocs.yml"  # the address it is served at, as docs/site.md asks
    text = yml.read_text(encoding="utf-8")
    yml.write_text(text.replace("site_url: http://127.0.0.1:8000/", "site_url: http://127.0.0.1:8000/kunskapsbank/"),
                   encoding="utf-8")
    assert "/kunskapsbank/" in yml.read_text(encoding="utf-8")
    build(Project(root))
    SITE["dir"] = root / "site"
    with serve_under_prefix(root / "site") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium_browser(AXE) as b:
        yield b


@pytest.fixture
def page(browser, site_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    pg = context.new_page()
    failed: list[str] = []
    # (the 404 page's own address answers 404 on purpose)
    pg.on("response", lambda r: failed.append(f"{r.status} {r.url}")
          if r.status >= 400 and "finns-inte" not in r.url else None)
    pg.failed_requests = failed
    yield pg
    context.close()
    assert not failed, f"requests that failed: {failed}"


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]),
             "example": v["nodes"][0]["html"][:200] if v["nodes"] else ""} for v in result]


def _record(name: str, violations: list[dict]) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "axe.json"
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[name] = violations
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


PAGES = {
    "start": "",
    "search": "sok/?q=%C3%A5terbruk+m%C3%B6bler",
    "document": PROJECT,
    "statute": LOU,
    "theme": "teman/",
    "404": "dok/finns-inte/alls/",
}


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_axe_violations(page, site_url, name, width):
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(site_url + PAGES[name])
    if name == "search":
        page.wait_for_selector("#kb-search[data-state=done]", timeout=20000)
        assert page.locator(".kb-hit").count() >= 5
    if name == "404":
        assert response.status == 404
        assert page.locator("h1").first.inner_text() == "Sidan finns inte"
    violations = axe_violations(page)
    _record(f"{name} ({width} px)", violations)
    page.screenshot(path=str(ARTIFACTS / f"a11y-{name}-{width}.png"))
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


def _index_gzip_bytes(page, site: Path, query_path: str, base: str) -> int:
    """gzip bytes (the ``.gz`` beside each file, as nginx gzip_static sends) of every file the
    search page fetched from ``sok-index/`` for one query, from an empty cache."""
    from urllib.parse import unquote, urlsplit

    fetched: set[str] = set()
    page.on("response", lambda r: fetched.add(r.url) if "/sok-index/" in r.url else None)
    page.goto(base + query_path)
    page.wait_for_selector("#kb-search[data-state=done]", timeout=30000)
    prefix = urlsplit(base).path
    total = 0
    for url in fetched:
        path = site / unquote(urlsplit(url).path)[len(prefix):]
        gz = path.with_name(path.name + ".gz")
        total += (gz if gz.exists() else path).stat().st_size
    return total


@pytest.mark.parametrize("query", [
    "återbruk möbler",
    "direktupphandling tröskelvärde",
    "kontorsmöbler återbruk",            # an unknown compound: vocabulary files, split parts
    "klimatkompensasion transporter",    # an unknown spelling: fuzzy match
])
def test_two_word_query_downloads_at_most_300_kb(browser, site_url, query):
    from urllib.parse import quote_plus

    context = browser.new_context()
    try:
        got = _index_gzip_bytes(context.new_page(), SITE["dir"], "sok/?q=" + quote_plus(query), site_url)
    finally:
        context.close()
    assert 0 < got <= BUDGET_GZIP_BYTES, got


def test_paging_reaches_hits_past_the_first_page(page, site_url):
    page.goto(site_url + "sok/?q=upphandling")
    page.wait_for_selector("#kb-search[data-state=done]", timeout=20000)
    status = page.locator(".kb-search__status").inner_text()
    assert status.startswith("Träff 1–20 av "), status
    first_page = page.locator(".kb-hit__title").all_inner_texts()
    assert len(first_page) == 20
    page.locator(".kb-pager a[rel=next]").click()
    page.wait_for_url("**sida=2")
    page.wait_for_selector("#kb-search[data-state=done]", timeout=20000)
    assert page.locator(".kb-search__status").inner_text().startswith("Träff 21–")
    assert page.locator("ol.kb-results").get_attribute("start") == "21"
    second_page = page.locator(".kb-hit .kb-hit__section-link, .kb-hit .kb-hit__title").all()
    assert second_page and page.locator(".kb-pager a[rel=prev]").count() == 1
    hrefs_2 = page.eval_on_selector_all(".kb-hit", "els => els.map(e => e.querySelector('a:last-of-type, a').href)")
    page.go_back()
    page.wait_for_selector("#kb-search[data-state=done]", timeout=20000)
    hrefs_1 = page.eval_on_selector_all(".kb-hit", "els => els.map(e => e.querySelector('a:last-of-type, a').href)")
    assert hrefs_1 and not set(hrefs_1) & set(hrefs_2)


def test_layout_stays_still_while_hits_arrive(page, site_url):
    """Cumulative layout shift of the search page, from navigation until the hits are shown;
    the page always keeps its scrollbar's room, so a classic scrollbar appearing moves nothing."""
    page.add_init_script("""
        window.__cls = 0;
        new PerformanceObserver(list => {
          for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value;
        }).observe({type: 'layout-shift', buffered: true});
    """)
    page.goto(site_url + "sok/?q=%C3%A5terbruk+m%C3%B6bler")
    page.wait_for_selector("#kb-search[data-state=done]", timeout=20000)
    page.wait_for_timeout(300)
    assert page.evaluate("() => getComputedStyle(document.documentElement).overflowY") == "scroll"
    assert page.evaluate("() => window.__cls") < 0.1


def test_linked_paragraph_shows_below_the_sticky_header(page, site_url):
    page.goto(site_url + LOU + "#kap19a-3")
    page.wait_for_timeout(400)
    header_bottom = page.evaluate("() => document.querySelector('.md-header').getBoundingClientRect().bottom")
    top = page.evaluate("() => document.getElementById('kap19a-3').getBoundingClientRect().top")
    assert header_bottom <= top < header_bottom + 200, (header_bottom, top)


def test_mobile_header_search_has_a_button_and_leads_to_hits(browser, site_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(site_url + LOU)
        page.locator("label.md-header__button[for=__search]").click()
        box = page.locator("input.md-search__input")
        box.fill("återbruk möbler")
        button = page.get_by_role("button", name="Sök", exact=True).first
        assert button.is_visible()
        page.wait_for_timeout(500)  # the overlay's opening animation, for the screenshot
        page.screenshot(path=str(ARTIFACTS / "a11y-mobile-search.png"))
        button.click()
        page.wait_for_url("**/sok/?q=*")
        page.wait_for_selector("#kb-search[data-state=done]", timeout=20000)
        assert page.locator(".kb-hit").count() >= 5
    finally:
        context.close()


def test_not_found_page_works_under_any_sub_path(browser, site_url):
    """Served under a path that ``site_url`` does not name, the 404 page still finds its
    styles and scripts and links to the search and start pages of that site."""
    site = SITE["dir"]
    with serve_under_prefix(site, "/annan/plats/") as base:
        context = browser.new_context()
        try:
            page = context.new_page()
            response = page.goto(base + "dok/gammalt-id/")
            assert response.status == 404
            assert page.evaluate("() => getComputedStyle(document.querySelector('.md-header')).position") == "sticky"
            assert page.get_by_role("link", name="startsidan").get_attribute("href") == "."
            assert page.evaluate("() => document.querySelector('a[href=\"sok/\"]').href") == base + "sok/"
            assert page.evaluate("() => document.querySelector('link[rel=search]').href") == base + "opensearch.xml"
        finally:
            context.close()


def test_pages_speak_swedish(page, site_url):
    """No English theme strings or licence notes; titles without a glued diary number; one
    document's type in the singular."""
    page.goto(site_url + LOU)
    html = page.content()
    assert "Permanent link" not in html and "Länk till det här avsnittet" in html
    licence = page.locator(".kb-meta dt:text('Licens') + dd").inner_text()
    assert licence.startswith("Svensk författning"), licence
    page.goto(site_url)
    text = page.locator("article").inner_text()
    assert "materialåtervinningKN2025" not in text
    assert "(pressmeddelanden," not in text and "(pressmeddelande," in text
