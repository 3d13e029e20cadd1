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
from site_support import REPO, make_project, serve_under_prefix

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = REPO / "scripts" / "browser-tools" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO / "test-artifacts" / "site"
LOU = "dok/related/sfs/sfs-2016-1145/"
PROJECT = "dok/seeds/004-2b01af607921aa6d/affarsmodellinnovation-for-cirkulara-mobelfloden/"
BUDGET_GZIP_BYTES = 300_000
SITE: dict[str, Path] = {}


def _ensure_tools() -> None:
    import subprocess

    if not CHROMIUM.exists() or not AXE.exists():
        subprocess.run(["sh", str(REPO / "scripts" / "setup-browser.sh")], check=False, timeout=900)
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (scripts/setup-browser.sh could not install it)")
    if not AXE.exists():
        pytest.skip("no axe-core (scripts/setup-browser.sh could not install it)")


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    from kb.config import Project
    from kb.pipeline import build

    root = make_project(tmp_path_factory.mktemp("a11y-kb"), link_all=True)
    build(Project(root))
    SITE["dir"] = root / "site"
    with serve_under_prefix(root / "site") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    _ensure_tools()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


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


@pytest.mark.parametrize("name", list(PAGES))
def test_no_axe_violations(page, site_url, name):
    response = page.goto(site_url + PAGES[name])
    if name == "search":
        page.wait_for_selector("#kb-search[data-state=done]", timeout=20000)
        assert page.locator(".kb-hit").count() >= 5
    if name == "404":
        assert response.status == 404
        assert page.locator("h1").first.inner_text() == "Sidan finns inte"
    violations = axe_violations(page)
    _record(name, violations)
    page.screenshot(path=str(ARTIFACTS / f"a11y-{name}.png"))
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
