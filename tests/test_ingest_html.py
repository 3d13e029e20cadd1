"""HTML: real saved pages (BOM, meta-only charset, script-heavy), deep nesting, broken markup."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kb.ingest import SkipSource, SourceFile, ingest
from kb.model import Document

HTML = Path(__file__).parent / "fixtures" / "html"

CASES = {
    # Arbetsmiljöverket: 360 KB, mostly script; cookie banner and mega menu.
    "afs_konsolidering-afs-2011_19_landingpage.html": (
        "Kemiska arbetsmiljörisker (AFS 2011:19), föreskrifter",
        "Föreskrifterna specificerar kraven på ett systematiskt arbetsmiljöarbete för arbetsplatser "
        "med kemiska risker.",
        [
            "Google Tag Manager",
            "gtm.",
            "använder vi cookies",
            "Till innehållet",
            "Hälsa och säkerhet Inomhusmiljö",
        ],
    ),
    # Naturvårdsverket: UTF-8 BOM, ASP.NET <form> wrapping the whole page.
    "nfs_konsolidering-nfs-2007_10_landingpage.html": (
        "Naturvårdsverkets föreskrifter och allmänna råd om inventering av björn, varg, järv, "
        "lodjur och kungsörn",
        "Det är den tryckta versionen som gäller i rättssammanhang.",
        ["dataLayer", "Jag accepterar", "kakor (cookies)", "Friluftsliv & jakt"],
    ),
    # Socialstyrelsen: XHTML, charset only in <meta http-equiv>.
    "sosfs_konsolidering-sosfs-2005_27_index.html": (
        "Senaste version av Socialstyrelsens föreskrifter (SOSFS 2005:27) om samverkan vid in- och "
        "utskrivning av patienter i sluten vård",
        "Dessa föreskrifter gäller vid tillämpningen av lagen (1990:1404)",
        ["MSOWebPartPageFormName", "Start / SOSFS", "document.write"],
    ),
    # regeringen.se: <main>, title vignette inside <h1>.
    "souregeringen_2017_66_index.html": (
        "Dataskydd inom Socialdepartementets verksamhetsområde – en anpassning till "
        "EU:s dataskyddsförordning",
        "EU:s dataskyddsförordning blir tillämplig i Sverige den 25 maj 2018",
        ["Huvudnavigering", "Statsråden och departementen", "dataLayer", "ID-nummer"],
    ),
}


def _ingest_file(path: Path) -> Document:
    (doc,) = ingest(SourceFile(path=path, rel=f"html/{path.name}", meta={}))
    return doc


def _text(doc: Document) -> str:
    return "\n".join(
        [doc.title]
        + [" / ".join(s.path) for s in doc.sections]
        + [b.text for s in doc.sections for b in s.blocks]
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_real_pages(name: str) -> None:
    title, sentence, leaks = CASES[name]
    doc = _ingest_file(HTML / name)
    assert doc.title == title
    text = _text(doc)
    assert sentence in text
    assert "Ã" not in text and "&#" not in text and "&amp;" not in text
    for leak in leaks:
        assert leak not in text, leak


def test_sections_follow_h2() -> None:
    doc = _ingest_file(HTML / "sosfs_konsolidering-sosfs-2005_27_index.html")
    paths = [s.path for s in doc.sections]
    assert ["1 kap. Tillämpningsområde"] in paths and ["2 kap. Rutiner för samverkan"] in paths


def test_nested_headings_and_blocks(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text(
        "<html><head><title>Fönstertitel</title><script>var x = 'skript';</script></head><body>"
        "<nav><a href='/'>Startsida</a></nav><div class='cookie-banner'>Vi använder kakor</div>"
        "<main><h1>Rubrik &amp; mer</h1><p>Intro om m&ouml;bler.</p>"
        "<h2>Del A</h2><p>Text A</p><h3>Del A1</h3><ul><li>punkt <b>ett</b></li><li>punkt två</li></ul>"
        "<h2>Del B</h2><table><tr><td>cell 1</td><td>cell 2</td></tr></table>"
        "<p hidden>dold text</p></main><footer>Sidfot</footer></body></html>",
        encoding="utf-8",
    )
    doc = _ingest_file(page)
    assert doc.title == "Rubrik & mer"
    assert [s.path for s in doc.sections] == [["Rubrik & mer"], ["Del A"], ["Del A", "Del A1"], ["Del B"]]
    assert [(b.kind, b.text) for b in doc.sections[2].blocks] == [("li", "punkt ett"), ("li", "punkt två")]
    assert [b.text for b in doc.sections[3].blocks] == ["cell 1", "cell 2"]
    text = _text(doc)
    for leak in ("skript", "Startsida", "kakor", "Sidfot", "dold text", "Fönstertitel"):
        assert leak not in text
    assert doc.sections[0].blocks[0].text == "Intro om möbler."


def test_title_falls_back_to_title_tag(tmp_path: Path) -> None:
    page = tmp_path / "t.html"
    page.write_text("<title>Sidans titel</title><body><p>Brödtext.</p></body>", encoding="utf-8")
    assert _ingest_file(page).title == "Sidans titel"


def test_ten_thousand_nested_divs(tmp_path: Path) -> None:
    depth = 10_000
    page = tmp_path / "deep.html"
    page.write_text(
        "<html><body>"
        + "<div class='x'>" * depth
        + "<h1>Djup sida</h1><p>Återbruk av möbler långt ner.</p>"
        + "</div>" * depth
        + "</body></html>",
        encoding="utf-8",
    )
    assert depth > sys.getrecursionlimit()
    doc = _ingest_file(page)
    assert doc.title == "Djup sida"
    assert "Återbruk av möbler långt ner." in _text(doc)


def test_unclosed_tags(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        "<html><body><h1>Trasig sida<p>Första stycket<p>Andra <b>stycket<ul><li>ett<li>två<div><h2>Del",
        encoding="utf-8",
    )
    doc = _ingest_file(page)
    assert doc.title == "Trasig sida"
    blocks = [(b.kind, b.text) for s in doc.sections for b in s.blocks]
    assert blocks == [("p", "Första stycket"), ("p", "Andra stycket"), ("li", "ett"), ("li", "två")]


def test_page_without_text_is_skipped(tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    page.write_text("<html><head><script>alert(1)</script></head><body><nav>Meny</nav></body></html>")
    with pytest.raises(SkipSource):
        _ingest_file(page)
