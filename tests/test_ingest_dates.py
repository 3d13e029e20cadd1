"""Dates for texts the manifest leaves undated come from their year/month archive path."""

from kb.ingest import SourceFile, date_from_path, ingest


def test_date_from_archive_path():
    assert date_from_path("related/regeringen/artiklar/2014/12/x.md") == "2014-12"
    assert date_from_path("seeds/000_0263c3a175406f7d.txt") is None
    assert date_from_path("a/2014/13/x.md") is None


def test_manifest_date_wins_over_path(tmp_path):
    folder = tmp_path / "2019" / "05"
    folder.mkdir(parents=True)
    path = folder / "text.md"
    path.write_text("# Rubrik\n\nText om återbruk.\n", encoding="utf-8")
    undated = ingest(SourceFile(path=path, rel="2019/05/text.md", meta={}))
    assert undated[0].meta["date"] == "2019-05"
    dated = ingest(SourceFile(path=path, rel="2019/05/text.md", meta={"published": "2019-05-21"}))
    assert dated[0].meta["date"] == "2019-05-21"
