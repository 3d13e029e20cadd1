"""Production as documented (docs/deploy.md): Debian's nginx with docs/deploy/nginx.conf serves the
site under /kunskapsbank/ (precompressed files where they exist) and proxies /kunskapsbank/api/
to `kb serve` on loopback; headless Chromium searches through nginx and follows a hit.

Set-up: ``scripts/setup-nginx.sh`` (run by ``make test``) installs nginx; the test runs it as a
plain process on a free loopback port with its own pid, logs and temporary folders.
"""

from __future__ import annotations

import getpass
import gzip
import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest
from deploy_support import kb_serve, make_own_kb, stop, wait_for
from site_support import REPO, free_port

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.slow]

NGINX = Path("/usr/sbin/nginx")
CONF = REPO / "docs" / "deploy" / "nginx.conf"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO / "test-artifacts" / "deploy"


def _ensure(binary: Path, script: str) -> None:
    if not binary.exists():
        subprocess.run(["sh", str(REPO / "scripts" / script)], check=False, timeout=900)
    if not binary.exists():
        pytest.skip(f"no {binary} (scripts/{script} could not install it)")


def documented_config(port: int, api_port: int, site: Path, access_log: Path) -> str:
    """docs/deploy/nginx.conf with the test's ports and paths: each documented value must be there."""
    text = CONF.read_text(encoding="utf-8")
    for documented, ours in {
        "listen 80;": f"listen 127.0.0.1:{port};",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{api_port};",
        "/srv/kunskapsbank/site/": f"{site}/",
        "/var/log/nginx/kunskapsbank.access.log": str(access_log),
    }.items():
        assert documented in text, f"{CONF} no longer has {documented!r}"
        text = text.replace(documented, ours)
    return text


def main_config(tmp: Path, server_conf: Path) -> str:
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = "\n".join(f"    {kind}_temp_path {tmp / kind};" for kind in kinds)
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""  # workers read the test's private folder
    return (
        f"{user}pid {tmp / 'nginx.pid'};\nerror_log {tmp / 'error.log'};\ndaemon off;\nevents {{}}\n"
        f"http {{\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n{temp}\n"
        f"    include {server_conf};\n}}\n"
    )


@pytest.fixture(scope="module")
def through_nginx(tmp_path_factory):
    _ensure(NGINX, "setup-nginx.sh")
    tmp = tmp_path_factory.mktemp("nginx")
    port = free_port()
    base = f"http://127.0.0.1:{port}/kunskapsbank/"
    folder = make_own_kb(tmp / "kunskapsbank", base)
    from kb.config import Project
    from kb.indexing.build import build

    build(Project(folder))
    search_page = folder / "site" / "sok" / "index.html"
    if not search_page.with_suffix(".html.gz").exists():  # precompressed, as the site build may write it
        search_page.with_suffix(".html.gz").write_bytes(gzip.compress(search_page.read_bytes()))
    os.environ["KB_SERVE_SITE"] = "0"  # nginx serves the files; kb only the API
    try:
        with kb_serve(folder) as (api_base, api):
            api_port = int(api_base.rsplit(":", 1)[1].strip("/"))
            server_conf = tmp / "kunskapsbank.conf"
            server_conf.write_text(documented_config(port, api_port, folder / "site", tmp / "access.log"))
            (tmp / "nginx.conf").write_text(main_config(tmp, server_conf))
            check = subprocess.run([str(NGINX), "-t", "-e", "stderr", "-p", str(tmp), "-c", str(tmp / "nginx.conf")],
                                   capture_output=True, text=True)
            assert check.returncode == 0, check.stderr
            nginx = subprocess.Popen([str(NGINX), "-e", "stderr", "-p", str(tmp), "-c", str(tmp / "nginx.conf")],
                                     stderr=subprocess.PIPE, text=True)
            try:
                wait_for(base, nginx)
                yield {"base": base, "folder": folder, "access_log": tmp / "access.log", "search_page": search_page}
            finally:
                stop(nginx)
    finally:
        os.environ.pop("KB_SERVE_SITE", None)


def test_site_and_api_under_the_sub_path(through_nginx):
    base = through_nginx["base"]
    start = urllib.request.urlopen(base).read().decode()
    assert "Exempelkommunens kunskapsbank" in start
    health = urllib.request.urlopen(base + "api/health")
    assert health.status == 200 and b'"documents":2' in health.read()
    request = urllib.request.Request(base + "sok/", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as answer:
        assert answer.headers["Content-Encoding"] == "gzip"  # the .gz file, sent as it is
        assert gzip.decompress(answer.read()) == through_nginx["search_page"].read_bytes()
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(base + "finns-inte/")
    assert missing.value.code == 404 and "Sidan finns inte" in missing.value.read().decode()
    redirect = urllib.request.urlopen(base.rstrip("/"))
    assert redirect.url == base
    # the search page learns that the API answers here (the built site alone says it does not)
    assert json.loads(urllib.request.urlopen(base + "sok-index/api.json").read()) == {"api": True}
    opensearch = urllib.request.urlopen(base + "opensearch.xml")
    assert opensearch.headers["Content-Type"] == "application/opensearchdescription+xml"
    site = through_nginx["search_page"].parents[1]
    fingerprinted = next(site.rglob("*.min.js"))
    asset = urllib.request.urlopen(base + fingerprinted.relative_to(site).as_posix())
    assert "immutable" in asset.headers["Cache-Control"]


def test_browser_searches_through_nginx_and_follows_a_hit(through_nginx):
    _ensure(CHROMIUM, "setup-browser.sh")
    sync_api = pytest.importorskip("playwright.sync_api")
    base = through_nginx["base"]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="sv-SE")
            page.goto(base + "sok/?q=återbruk+möbler")
            page.wait_for_selector("#kb-search[data-state=done]", timeout=20000)
            assert page.locator("#kb-search").get_attribute("data-mode") == "api"
            first = page.locator(".kb-hit").first
            assert first.locator(".kb-hit__title").inner_text() == "Riktlinje för återbruk av möbler"
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "search-through-nginx.png"))
            first.locator(".kb-hit__title").click()
            page.wait_for_url(base + "dok/riktlinje-mobler/**")
            assert page.locator("h1").first.inner_text().startswith("Riktlinje för återbruk av möbler")
            page.screenshot(path=str(ARTIFACTS / "hit-through-nginx.png"))
        finally:
            browser.close()
    log = through_nginx["access_log"].read_text()
    assert '"GET /kunskapsbank/api/search" 200' in log  # the API answered, through nginx
    assert "återbruk" not in log and "127.0.0.1" not in log  # no query text, no addresses
