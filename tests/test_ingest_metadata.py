"""Metadata a maintainer can set: tags from front matter, sidecars and manifests; a web page's
own head (Dublin Core, Open Graph, <meta name="published">, <time datetime>)."""

from __future__ import annotations

from pathlib import Path

from kb.ingest import SourceFile, discover, ingest
from kb.ingest.meta import tag_list

FIXTURES = Path(__file__).parent / "fixtures" / "html"


def _docs(root: Path) -> dict:
    files, _ = discover(root)
    return {f.rel: ingest(f) for f in files}


def test_tags_from_front_matter_list(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "---\ntitle: Möbler\ntags: [cirkulär, möbler]\n---\n# Möbler\n\nÅterbruk av kontorsmöbler.\n",
        encoding="utf-8",
    )
    (doc,) = _docs(tmp_path)["a.md"]
    assert doc.tags == ["cirkulär", "möbler"]
    assert "tags" not in doc.meta


def test_tags_and_review_date_from_sidecar(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text("Textilier\n\nInsamling av textilier.\n", encoding="utf-8")
    (tmp_path / "b.txt.meta.yml").write_text(
        "tags:\n  - textil\n  - återbruk\npublisher: Kommunen\nreviewed: 1 mars 2024\n", encoding="utf-8"
    )
    (doc,) = _docs(tmp_path)["b.txt"]
    assert doc.tags == ["textil", "återbruk"]
    assert doc.meta["publisher"] == "Kommunen" and doc.meta["reviewed"] == "2024-03-01"


def test_sidecar_tags_win_over_front_matter_and_manifest_cells_split_on_commas(tmp_path: Path) -> None:
    (tmp_path / "MANIFEST.tsv").write_text("path\ttags\nm.md\tupphandling, klimat\n", encoding="utf-8")
    (tmp_path / "m.md").write_text("---\ntags: [egen]\n---\n# M\n\nText om klimat.\n", encoding="utf-8")
    (tmp_path / "s.md").write_text("---\ntags: [egen]\n---\n# S\n\nText om klimat.\n", encoding="utf-8")
    (tmp_path / "s.md.meta.yml").write_text("tags: [sidovagn]\n", encoding="utf-8")
    docs = _docs(tmp_path)
    assert docs["m.md"][0].tags == ["upphandling", "klimat"]
    assert docs["s.md"][0].tags == ["sidovagn"]


def test_sidecar_mapping_and_nested_lists_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text("Rubrik\n\nText.\n", encoding="utf-8")
    (tmp_path / "c.txt.meta.yml").write_text("tags: [[a, b]]\nextra: {x: 1}\npublisher: P\n", encoding="utf-8")
    (doc,) = _docs(tmp_path)["c.txt"]
    assert doc.tags == [] and doc.meta == {"publisher": "P"}


def test_tag_list_shapes() -> None:
    assert tag_list("cirkulär, möbler") == ["cirkulär", "möbler"]
    assert tag_list(["a", "a", " b  c ", "", 2024]) == ["a", "b c", "2024"]
    assert tag_list({"a": 1}) == [] and tag_list(None) == [] and tag_list(True) == []


def test_tags_are_searchable_facets(tmp_path: Path) -> None:
    """A maintainer's tag reaches the index: `kb search --tag` filters on it."""
    from kb.config import Project
    from kb.indexing.build import build
    from kb.search import Searcher

    sources = tmp_path / "sources" / "kommun"
    sources.mkdir(parents=True)
    (sources / "a.md").write_text("---\ntags: [möbler]\n---\n# Möbler\n\nÅterbruk av stolar.\n", encoding="utf-8")
    (sources / "b.md").write_text("# Stolar\n\nInköp av nya stolar.\n", encoding="utf-8")
    project = Project(tmp_path)
    build(project, site=False)
    result = Searcher(project.index_root, "http://localhost/").search("stolar", tags=["möbler"])
    assert [h.source for h in result.hits] == ["kommun/a.md"]


def test_regeringen_page_head_gives_publisher_type_and_date() -> None:
    path = FIXTURES / "souregeringen_2017_66_index.html"
    (doc,) = ingest(SourceFile(path=path, rel="html/sou.html", meta={}))
    assert doc.meta["publisher"] == "Regeringen och Regeringskansliet"  # DC.Creator
    assert doc.meta["type"] == "statens offentliga utredning"  # the page's address names it
    assert doc.meta["date"] == "2017-08-28"  # <meta name="published">, not DC.Date.Created
    assert doc.meta["url"].startswith("http://www.regeringen.se/rattsdokument/statens-offentliga-utredningar/")


def test_dublin_core_page_and_manifest_override(tmp_path: Path) -> None:
    path = FIXTURES / "nfs_konsolidering-nfs-2007_10_landingpage.html"
    (doc,) = ingest(SourceFile(path=path, rel="html/nfs.html", meta={}))
    assert doc.meta["publisher"] == "Naturvårdsverket" and doc.meta["date"] == "2008-01-01"
    assert "type" not in doc.meta  # DC.Type "text" says nothing
    given = {"publisher": "Min kommun", "published": "2020-02-02", "type": "rapport"}
    (doc,) = ingest(SourceFile(path=path, rel="html/nfs.html", meta=given))
    assert (doc.meta["publisher"], doc.meta["date"], doc.meta["type"]) == ("Min kommun", "2020-02-02", "rapport")


def _page(tmp_path: Path, head: str, body: str = "") -> dict:
    text = "Upphandling av möbler med krav på återbruk och reparation. " * 6
    (tmp_path / "p.html").write_text(
        f"<html><head>{head}</head><body><main><h1>Sidan</h1>{body}<p>{text}</p></main></body></html>",
        encoding="utf-8",
    )
    (doc,) = ingest(SourceFile(path=tmp_path / "p.html", rel="p.html", meta={}))
    return doc.meta


def test_open_graph_and_article_time(tmp_path: Path) -> None:
    meta = _page(
        tmp_path,
        '<meta property="og:site_name" content="Upphandlingsmyndigheten">'
        '<meta property="article:published_time" content="2023-05-04T10:00:00+02:00">'
        '<meta name="DC.Date" content="2001-01-01">',
    )
    assert meta["publisher"] == "Upphandlingsmyndigheten" and meta["date"] == "2023-05-04"


def test_time_element_when_the_head_has_no_date(tmp_path: Path) -> None:
    meta = _page(tmp_path, "", '<p>Publicerad <time datetime="2022-11-30">30 november 2022</time></p>')
    assert meta["date"] == "2022-11-30"


def test_hostile_meta_values_are_dropped(tmp_path: Path) -> None:
    meta = _page(
        tmp_path,
        f'<meta name="DC.Publisher" content="{"x" * 5000}"><meta property="og:url" content="javascript:alert(1)">'
        '<meta name="published" content="not a date">',
    )
    assert meta == {}
