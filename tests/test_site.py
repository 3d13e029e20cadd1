"""The generated site: escaping, anchors, cross-references, metadata, strict builds, stable URLs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html import unescape as html_unescape
from pathlib import Path

import pytest
from site_support import add_source, make_project, page_file, parse_html

from kb.config import Project
from kb.model import Block, Document, Section
from kb.site import build_site
from kb.site.context import SiteContext
from kb.site.document_page import document_page
from kb.site.markup import md_text
from kb.site.publish import SiteBuildError
from kb.site.xref import CrossReferencer

LOU_ID = "related/sfs/sfs-2016-1145"
IVL_ID = "seeds/004-2b01af607921aa6d"
PROJECT_ID = f"{IVL_ID}/affarsmodellinnovation-for-cirkulara-mobelfloden"

HOSTILE = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "[klicka här](javascript:alert(1))",
    "<a href=\"javascript:alert(2)\">länk</a>",
    "**fet** _kursiv_ `kod` {: onclick=\"alert(3)\" } {#kapa}",
    "1. inte en lista",
    "# inte en rubrik",
    "<https://example.org> &lt;script&gt; &amp;",
    "[TOC]",
    "![bild](javascript:alert(4))",
    "    indraget som kod",
    "<!-- kommentar -->",
]


def hostile_document() -> Document:
    body = [Block("p", text) for text in HOSTILE] + [Block("li", HOSTILE[0]), Block("li", HOSTILE[2])]
    return Document(
        id="test/hostile",
        title="<script>alert('titel')</script> *Titel*",
        source="test/hostile.md",
        sections=[
            Section("intro", ["<b onmouseover=alert(5)>Rubrik</b> [x](javascript:y) #"], body),
            Section("andra", ["Andra {#kapa} avsnittet"], [Block("h", "<i>mindre</i>"), Block("p", "text")]),
        ],
        meta={
            "publisher": "<script>alert(6)</script>",
            "type": "rapport",
            "date": "2024-01-01\"><script>",
            "url": "javascript:alert(7)",
            "license": "<b>fri</b>",
        },
        tags=["cirkulär"],
    )


def statute() -> Document:
    return Document(
        id=LOU_ID,
        title="Lag om offentlig upphandling",
        source="related/sfs/sfs-2016-1145.md",
        sections=[
            Section(
                "kap4",
                ["4 kap. Allmänna bestämmelser"],
                [Block("para", "1 §", "kap4-1"), Block("p", "Likabehandling.")],
            ),
            Section(
                "kap19a",
                ["19 a kap. Direktupphandling"],
                [
                    Block("h", "Tillämpning"),
                    Block("para", "3 §", "kap19a-3"),
                    Block("p", "Se 4 kap. 1 § om principer."),
                ],
            ),
        ],
        meta={"beteckning": "2016:1145", "publisher": "Finansdepartementet", "type": "författning",
              "date": "2016-12-01", "url": "https://rkrattsdb.gov.se/SFSdoc/16/161145.pdf", "license": "fri"},
    )


def citing() -> Document:
    return Document(
        id="test/citing",
        title="Vägledning",
        source="test/citing.md",
        sections=[Section("vagledning", ["Vägledning"], [
            Block("p", "Enligt LOU och lagen (2016:1145) om offentlig upphandling gäller 19 a kap. 3 § LOU."),
            Block("p", "Direktupphandling regleras i 19 a kap. lagen (2016:1145); se även 99 kap. LOU."),
            Block("p", "LUF (2016:1146) finns inte i kunskapsbanken."),
        ])],
        meta={"publisher": "Upphandlingsmyndigheten", "type": "vägledning", "reviewed": "2025-03-01"},
    )


# ---------------------------------------------------------------- pure generation


def test_md_text_escapes_markdown_and_html():
    out = md_text("<script>[a](javascript:x) *b* {#c}")
    assert "<" not in out and "[" not in out.replace("\\[", "")
    assert "&lt;script&gt;" in out
    assert "\\*b\\*" in out and "\\{\\#c\\}" in out


def test_cross_references_link_to_statute_and_chapter():
    docs = [statute(), citing()]
    xref = CrossReferencer(docs)
    file = "dok/test/citing/index.md"
    text = xref.link(docs[1].sections[0].blocks[0].text, docs[1], file)
    target = "../../related/sfs/sfs-2016-1145/index.md"
    assert link("LOU", target) in text
    assert link("lagen (2016:1145) om offentlig upphandling", target) in text
    assert link("19 a kap. 3 § LOU", target + "#kap19a-3") in text
    text2 = xref.link(docs[1].sections[0].blocks[1].text, docs[1], file)
    assert link("19 a kap. lagen (2016:1145)", target + "#kap19a") in text2
    assert link("99 kap. LOU", target) in text2  # unknown chapter: the statute itself
    text3 = xref.link(docs[1].sections[0].blocks[2].text, docs[1], file)
    assert "](" not in text3  # LUF is not in the knowledge base: no link


def link(text: str, href: str) -> str:
    return f"[{md_text(text)}]({href})"


def test_chapter_reference_inside_statute_links_to_own_chapter():
    lou = statute()
    page = document_page(lou, SiteContext([lou], "http://x/", "KB"))
    assert link("4 kap. 1 §", "index.md#kap4-1") in page


def test_document_page_anchors_and_metadata():
    lou = statute()
    page = document_page(lou, SiteContext([lou, citing()], "http://x/", "KB"))
    assert "## 4 kap\\. Allmänna bestämmelser {#kap4}" in page
    assert "## 19 a kap\\. Direktupphandling {#kap19a}" in page
    assert "{: #kap19a-3 .kb-para }" in page
    assert "<dt>Utgivare</dt><dd><a href=\"../../../../utgivare/finansdepartementet/\">Finansdepartementet</a>" in page
    assert "<dt>Datum</dt><dd>2016-12-01</dd>" in page
    assert 'href="https://rkrattsdb.gov.se/SFSdoc/16/161145.pdf"' in page
    assert "<dt>SFS-nummer</dt><dd>2016:1145</dd>" in page


# ---------------------------------------------------------------- built site (MkDocs, strict)


@pytest.fixture(scope="module")
def handmade_site(tmp_path_factory) -> Path:
    root = make_project(tmp_path_factory.mktemp("handmade"), sources=[])
    pages = build_site(Project(root), [hostile_document(), statute(), citing()])
    assert pages >= 8
    return root / "site"


@pytest.mark.slow
def test_hostile_source_text_shows_as_text(handmade_site: Path):
    html = page_file(handmade_site, "dok/test/hostile/").read_text(encoding="utf-8")
    parsed = parse_html(page_file(handmade_site, "dok/test/hostile/"))
    # no script element other than the site's own bundles and config
    assert all(src.startswith("../../../assets/") or src == "" for src in parsed.scripts)
    assert html.count("<script") == len(parsed.scripts)
    assert "alert(" not in "".join(s for s in re.findall(r"<script[^>]*>(.*?)</script>", html, re.S))
    for tag, name, value in parsed.attrs:
        assert not name.startswith("on"), (tag, name, value)
        assert not (value or "").strip().lower().startswith("javascript:"), (tag, name, value)
    assert "<img" not in html.split('class="md-content"')[1].split("</article>")[0]
    text = re.sub(r"<[^>]+>", "", html)
    assert "<script>alert('x')</script>" in html_unescape(text)
    assert "[klicka här](javascript:alert(1))" in text
    assert "**fet** _kursiv_ `kod`" in text
    assert "# inte en rubrik" in text and "1. inte en lista" in text
    assert "&amp;lt;script&amp;gt;" in html  # an entity in the source shows as written


def test_section_and_paragraph_anchors_are_element_ids(handmade_site: Path):
    ids = parse_html(page_file(handmade_site, f"dok/{LOU_ID}/")).ids
    assert ids["kap4"].startswith("4 kap. Allmänna bestämmelser")
    assert ids["kap19a"].startswith("19 a kap. Direktupphandling")
    assert ids["kap19a-3"] == "3 §"
    hostile = parse_html(page_file(handmade_site, "dok/test/hostile/")).ids
    assert "intro" in hostile and "andra" in hostile and "kapa" not in hostile


def test_every_internal_link_resolves(handmade_site: Path):
    for html_file in handmade_site.rglob("*.html"):
        if html_file.name == "404.html":  # links from the site root by design
            continue
        parsed = parse_html(html_file)
        for href in parsed.links:
            if re.match(r"^[a-z]+:", href) or href.startswith("//"):
                continue
            path, _, fragment = href.partition("#")
            path = path.split("?")[0]
            target = (html_file.parent / path).resolve() if path else html_file
            if target.is_dir():
                target = target / "index.html"
            assert target.exists(), f"{html_file.relative_to(handmade_site)}: broken link {href}"
            if fragment and target.suffix == ".html" and target.parent.name != "sok":
                assert fragment in parse_html(target).ids, f"{html_file}: missing anchor {href}"


def test_pages_in_swedish_with_opensearch_and_no_external_requests(handmade_site: Path):
    for rel in ["index.html", "sok/index.html", "teman/index.html", f"dok/{LOU_ID}/index.html"]:
        html = (handmade_site / rel).read_text(encoding="utf-8")
        assert '<html lang="sv"' in html
        assert 'rel="search" type="application/opensearchdescription+xml"' in html
        for tag in re.findall(r"<(?:script|img|link|iframe|source|video|audio)\b[^>]*>", html):
            if 'rel="canonical"' in tag:
                continue
            assert not re.search(r"(src|href)=\"(https?:)?//", tag), tag
        assert "fonts.googleapis" not in html
    osd = (handmade_site / "opensearch.xml").read_text(encoding="utf-8")
    assert 'template="http://127.0.0.1:8000/sok/?q={searchTerms}"' in osd


def test_start_page_and_navigation_pages(handmade_site: Path):
    start = (handmade_site / "index.html").read_text(encoding="utf-8")
    assert "återbruk möbler" in start and 'href="sok/?q=%C3%A5terbruk+m%C3%B6bler"' in start
    assert "Senast granskade eller publicerade" in start
    themes = (handmade_site / "teman/index.html").read_text(encoding="utf-8")
    assert 'id="cirkular"' in themes and "dok/test/hostile/" in themes
    assert (handmade_site / "utgivare/finansdepartementet/index.html").exists()
    assert (handmade_site / "typ/forfattning/index.html").exists()


def test_cross_reference_in_built_page(handmade_site: Path):
    links = parse_html(page_file(handmade_site, "dok/test/citing/")).links
    assert "../../related/sfs/sfs-2016-1145/#kap19a-3" in links
    assert "../../related/sfs/sfs-2016-1145/" in links


@pytest.mark.slow
def test_mkdocs_strict_build_of_generated_pages(handmade_site: Path):
    root = handmade_site.parent
    out = root / "strict-check"
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)],
        cwd=root, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    shutil.rmtree(out)


@pytest.mark.slow
def test_failed_build_keeps_old_site(handmade_site: Path, tmp_path: Path):
    root = make_project(tmp_path / "p", sources=[])
    project = Project(root)
    build_site(project, [statute()])
    before = (root / "site" / "index.html").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text((root / "mkdocs.yml").read_text() + "\nnot_an_option: 1\n")
    with pytest.raises(SiteBuildError):
        build_site(project, [statute(), citing()])
    assert (root / "site" / "index.html").read_text(encoding="utf-8") == before
    assert not list(root.glob("site.new-*"))


@pytest.mark.slow
def test_zensical_builds_the_generated_pages(handmade_site: Path, tmp_path: Path):
    zensical = shutil.which("zensical", path=str(Path(sys.executable).parent))
    if zensical is None:
        pytest.skip("zensical is not installed (pip install -e .[test])")
    root = handmade_site.parent
    cfg = root / "zensical-test.yml"  # the same config, building into zsite/ instead of site/
    cfg.write_text((root / "mkdocs.yml").read_text(encoding="utf-8") + "\nsite_dir: zsite\n", encoding="utf-8")
    proc = subprocess.run([zensical, "build", "--strict", "--config-file", str(cfg)], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    page = root / "zsite" / "dok" / "related" / "sfs" / "sfs-2016-1145" / "index.html"
    html = page.read_text(encoding="utf-8")
    assert 'lang="sv"' in html and 'id="kap19a-3"' in html and 'id="kap19a"' in html
    assert (root / "zsite" / "sok-index" / "meta.json").exists()  # the static search ships too
    assert (root / "zsite" / "opensearch.xml").exists()


# ---------------------------------------------------------------- stable URLs across rebuilds


def _url_contents(site: Path) -> dict[str, str]:
    """Every document URL and section URL → the text it lands on."""
    out: dict[str, str] = {}
    for html_file in (site / "dok").rglob("index.html"):
        rel = html_file.parent.relative_to(site).as_posix() + "/"
        if rel == "dok/":
            continue
        parsed = parse_html(html_file)
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html_file.read_text(encoding="utf-8"), re.S)
        out[rel] = re.sub(r"<[^>]+>|¶", "", h1.group(1)).strip() if h1 else ""
        for ident, text in parsed.ids.items():
            if re.match(r"^(kap|[a-z0-9])", ident) and not ident.startswith("__"):
                out[f"{rel}#{ident}"] = text.replace("¶", "").strip()
    return out


@pytest.mark.slow
def test_urls_stable_when_a_source_is_added(tmp_path: Path):
    from kb.indexing.build import build

    root = make_project(tmp_path / "kb")
    project = Project(root)
    build(project)
    before = _url_contents(root / "site")
    assert f"dok/{PROJECT_ID}/" in before and f"dok/{LOU_ID}/#kap19a" in before
    add_source(root, "related/sfs/sfs-2016-1146.md")
    add_source(root, "related/regeringen/regeringsuppdrag/2020/03/uppdrag-att-framja-minskad-"
                     "klimatpaverkan-vid-offentlig-upphandling-av-bygg--anlaggnings--och-fastighetsentreprenader.md")
    build(project)
    after = _url_contents(root / "site")
    missing = [u for u in before if u not in after]
    changed = [u for u in before if u in after and after[u] != before[u]]
    assert not missing and not changed, (missing[:5], changed[:5])
    assert len(after) > len(before)


# ---------------------------------------------------------------- escaping, property-based

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_TRICKY = st.sampled_from(list("<>&\"'`*_[](){}#+-.!|\\:=~^ \n\t") + ["javascript:", "onerror=", "<script>",
                          "&lt;", "&#x3C;", "{: #x}", "[TOC]", "1.", "---", "http://x.se"])
_TEXT = st.lists(st.one_of(_TRICKY, st.text(alphabet="abcåäöABC 12", max_size=4)), max_size=25).map("".join)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_md_text_renders_as_exactly_the_text(text):
    import markdown

    from kb.site.markup import clean

    md = markdown.Markdown(extensions=["attr_list", "toc"])
    html = md.convert(md_text(text))
    if not clean(text):
        return
    inner = re.fullmatch(r"<p>(.*)</p>", html, re.S)
    assert inner, html  # one paragraph, nothing else (no list, heading, code block)
    assert "<" not in inner.group(1)  # no element at all inside
    assert html_unescape(inner.group(1)) == clean(text)


_CITING = st.lists(st.one_of(_TRICKY, st.sampled_from(["LOU", " 19 a kap. ", "(2016:1145)", " 4 kap. 1 § ", "lagen ",
                                                       " om offentlig upphandling", "LUF"])), max_size=20).map("".join)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(_CITING)
def test_cross_referenced_text_renders_as_the_text_with_safe_links(text):
    import markdown

    from kb.site.markup import clean

    xref = CrossReferencer([statute(), citing()])
    md = markdown.Markdown(extensions=["attr_list", "toc"])
    html = md.convert(xref.link(text, citing(), "dok/test/citing/index.md"))
    if not clean(text):
        return
    inner = re.fullmatch(r"<p>(.*)</p>", html, re.S)
    assert inner, html
    for tag in re.findall(r"<[^>]+>", inner.group(1)):
        assert re.fullmatch(r'<a href="\.\./\.\./related/sfs/sfs-2016-1145/index\.md(#kap[0-9a-z-]+)?">|</a>', tag), tag
    assert html_unescape(re.sub(r"<[^>]+>", "", inner.group(1))) == clean(text)


def test_not_found_page_is_swedish_and_leads_on(handmade_site: Path):
    html = (handmade_site / "404.html").read_text(encoding="utf-8")
    assert "<h1>Sidan finns inte</h1>" in html and "Not found" not in html
    # links relative to a <base> that a script points at the site's root (any sub-path)
    assert 'href="sok/">Sök i kunskapsbanken' in html and 'href=".">startsidan' in html
    assert html.index('<base href="/">') < html.index("<link")
    assert 'href="/' not in html.replace('<base href="/">', '') and 'src="/' not in html
    # no English theme credit in the footer of any page
    assert "Made with" not in html and "Made with" not in (handmade_site / "index.html").read_text(encoding="utf-8")
