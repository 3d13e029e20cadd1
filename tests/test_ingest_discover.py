"""discover(): file selection, manifest/sidecar metadata, and bad files reported as skips."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kb.ingest import SourceFile, discover, ingest

MANIFEST_HEADER = "path\ttitle\tpublisher\ttype\tpublished\turl\tlicense\n"


def _tree(root: Path) -> None:
    (root / "related" / "sfs").mkdir(parents=True)
    (root / "related" / "regeringen").mkdir()
    (root / "related" / "MANIFEST.tsv").write_text(
        MANIFEST_HEADER
        + "sfs/lag.md\tEn lag\tFinansdepartementet\tförfattning (SFS)\t2016-12-01\thttps://ex.se/lag\tfri\n"
        + "regeringen/sou.md\tEn utredning\tRegeringskansliet\tstatens-offentliga-utredningar"
        + "\t2020-01-02\t\t\n",
        encoding="utf-8",
    )
    (root / "related" / "sfs" / "lag.md").write_text("# Lag\n\nText.\n", encoding="utf-8")
    (root / "related" / "regeringen" / "sou.md").write_text("# SOU\n\nText.\n", encoding="utf-8")
    (root / "related" / "regeringen" / "sou.md.meta.yml").write_text(
        "publisher: Sidecar-förlaget\ntype: rapporter\n", encoding="utf-8"
    )
    (root / "a.txt").write_text("Rubrik\n\nText här.\n", encoding="utf-8")
    (root / "b.HTML").write_text("<p>Hej</p>", encoding="utf-8")
    (root / "ignored.rtf").write_bytes(b"{\\rtf1 Hej}")
    (root / "notes.json").write_text("{}")
    (root / ".hidden.md").write_text("# Dold\n")


def test_files_sorted_and_filtered(tmp_path: Path) -> None:
    _tree(tmp_path)
    files, skips = discover(tmp_path)
    assert [f.rel for f in files] == ["a.txt", "b.HTML", "related/regeringen/sou.md", "related/sfs/lag.md"]
    assert all(f.path.is_absolute() and f.path.is_file() for f in files)
    assert skips == []


def test_manifest_and_sidecar_metadata(tmp_path: Path) -> None:
    _tree(tmp_path)
    files = {f.rel: f for f in discover(tmp_path)[0]}
    lag = files["related/sfs/lag.md"]
    assert lag.meta == {
        "title": "En lag",
        "publisher": "Finansdepartementet",
        "type": "författning (SFS)",
        "published": "2016-12-01",
        "url": "https://ex.se/lag",
        "license": "fri",
    }
    sou = files["related/regeringen/sou.md"]
    assert sou.meta["publisher"] == "Sidecar-förlaget" and sou.meta["title"] == "En utredning"
    assert files["a.txt"].meta == {}
    (doc,) = ingest(lag)
    assert doc.meta["type"] == "författning" and doc.meta["date"] == "2016-12-01"
    assert doc.meta["url"] == "https://ex.se/lag" and doc.meta["publisher"] == "Finansdepartementet"
    (sou_doc,) = ingest(sou)
    assert sou_doc.meta["type"] == "rapport" and sou_doc.meta["publisher"] == "Sidecar-förlaget"


def test_nearer_manifest_wins(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / "related" / "sfs" / "MANIFEST.tsv").write_text(
        MANIFEST_HEADER + "lag.md\t\tNärmare förlag\t\t\t\t\n", encoding="utf-8"
    )
    lag = next(f for f in discover(tmp_path)[0] if f.rel == "related/sfs/lag.md")
    assert lag.meta["publisher"] == "Närmare förlag" and lag.meta["title"] == "En lag"


def test_content_hash_covers_metadata(tmp_path: Path) -> None:
    _tree(tmp_path)
    lag = next(f for f in discover(tmp_path)[0] if f.rel == "related/sfs/lag.md")
    first = ingest(lag)[0].content_hash
    changed = SourceFile(path=lag.path, rel=lag.rel, meta={**lag.meta, "publisher": "Annan"})
    assert first and ingest(changed)[0].content_hash != first
    assert ingest(lag)[0].content_hash == first


def test_broken_sidecar_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "x.md").write_text("# X\n\nText.\n")
    (tmp_path / "x.md.meta.yml").write_text("publisher: [oops\n")
    (source,), skips = discover(tmp_path)
    assert skips == [] and source.meta["warning"].startswith("sidecar unreadable")


def test_symlink_loops_and_broken_links_are_skips(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / "related" / "loop").symlink_to(tmp_path / "related")
    (tmp_path / "self.md").symlink_to(tmp_path / "self.md")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "alias.txt").symlink_to(tmp_path / "a.txt")
    files, skips = discover(tmp_path)
    reasons = dict(skips)
    assert reasons["self.md"] == "symlink loop"
    assert reasons["dangling.txt"] == "broken symlink"
    assert "symlink loop" in reasons["related/loop"]
    assert "alias.txt" in [f.rel for f in files]
    assert len(files) == 5


def test_unreadable_file_is_a_skip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("hemligt")
    real_open = os.open

    def fake_open(file, *args, **kwargs):  # root can read mode-000 files, so simulate EACCES
        if os.fspath(file) == os.fspath(secret):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)
    files, skips = discover(tmp_path)
    assert ("secret.txt", "unreadable: Permission denied") in skips
    assert "secret.txt" not in [f.rel for f in files]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file modes")
def test_unreadable_file_mode_000(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("hemligt")
    secret.chmod(0)
    try:
        files, skips = discover(tmp_path)
        assert files == [] and skips == [("secret.txt", "unreadable: Permission denied")]
    finally:
        secret.chmod(0o644)


def test_missing_sources_dir_does_not_raise(tmp_path: Path) -> None:
    files, skips = discover(tmp_path / "missing")
    assert files == [] and len(skips) == 1
