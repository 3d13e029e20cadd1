"""`kb sources`: the documents with their metadata and the files not indexed, with reasons."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from kb.cli import main
from kb.ingest.catalog import catalog


def _sources(root: Path) -> Path:
    sources = root / "sources" / "kommun"
    sources.mkdir(parents=True)
    (sources / "moebler.md").write_text(
        "---\ntitle: Möbelåterbruk\ntags: [cirkulär, möbler]\n---\n# Möbelåterbruk\n\nStolar och bord.\n",
        encoding="utf-8",
    )
    (sources / "moebler.md.meta.yml").write_text("publisher: Kommunen\npublished: 2024-02-01\n", encoding="utf-8")
    (sources / "mobil.rtf").write_bytes(b"{\\rtf1 Mobiltelefoner}")
    (sources / "krav.odt").write_bytes(b"PK\x03\x04")
    (sources / "tom.txt").write_bytes(b"")
    return root / "sources"


def test_catalog_lists_documents_and_skips(tmp_path: Path) -> None:
    result = catalog(_sources(tmp_path))
    (doc,) = result.documents
    assert (doc.source, doc.title, doc.tags) == ("kommun/moebler.md", "Möbelåterbruk", ["cirkulär", "möbler"])
    assert doc.meta == {"publisher": "Kommunen", "date": "2024-02-01"}
    reasons = dict(result.skipped)
    assert reasons["kommun/tom.txt"] == "empty file"
    assert reasons["kommun/mobil.rtf"].startswith("unsupported format .rtf; supported:")
    assert "kommun/krav.odt" in reasons  # unsupported until OpenDocument is read; then a broken file
    assert sum(n for _, n in result.skipped_by_reason()) == 3


def test_cli_table(tmp_path: Path) -> None:
    _sources(tmp_path)
    result = CliRunner().invoke(main, ["sources", "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["SOURCE", "TITLE", "TYPE", "PUBLISHER", "DATE", "TAGS"]
    assert lines[1].split() == [
        "kommun/moebler.md",
        "Möbelåterbruk",
        "-",
        "Kommunen",
        "2024-02-01",
        "cirkulär,",
        "möbler",
    ]
    assert "1 document from 1 file." in result.output
    assert "Not indexed: 3 files." in result.output
    assert "  kommun/mobil.rtf: unsupported format .rtf; supported: .txt" in result.output
    assert "By reason: " in result.output and "empty file: 1" in result.output


def test_cli_json_and_skipped_only(tmp_path: Path) -> None:
    _sources(tmp_path)
    data = json.loads(CliRunner().invoke(main, ["sources", "--root", str(tmp_path), "--json"]).output)
    assert data["documents"][0]["meta"]["publisher"] == "Kommunen"
    assert {s["path"] for s in data["skipped"]} == {"kommun/mobil.rtf", "kommun/krav.odt", "kommun/tom.txt"}
    skipped = CliRunner().invoke(main, ["sources", "--root", str(tmp_path), "--skipped"])
    assert "SOURCE" not in skipped.output and "kommun/tom.txt: empty file" in skipped.output


def test_cli_table_keeps_the_file_names_of_long_paths(tmp_path: Path) -> None:
    """Files in one deep folder differ in their names: the table keeps those (the start of the
    path is cut); a name longer than the column keeps its end; --wide shows every path whole."""
    deep = "regeringen/rattsliga-dokument/departementsserien-och-promemorior/2016"
    names = [f"{deep}/upphandling-av-kollektivtrafik.md", f"{deep}/upphandling-av-livsmedel.md",
             f"{deep}/{'en-mycket-lang-titel-' * 3}om-upphandling.md"]
    for i, name in enumerate(names):
        path = tmp_path / "sources" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# Dokument {i}\n\nText om upphandling.\n", encoding="utf-8")
    table = CliRunner().invoke(main, ["sources", "--root", str(tmp_path)])
    assert table.exit_code == 0, table.output
    cells = [line[:44].strip() for line in table.output.splitlines()[1:4]]
    assert all(len(c) <= 44 and "…" in c for c in cells), cells
    assert "…itel-en-mycket-lang-titel-om-upphandling.md" in cells
    for name in ("upphandling-av-kollektivtrafik.md", "upphandling-av-livsmedel.md"):
        assert any(c.startswith("regeringe") and c.endswith("…/" + name) for c in cells), (name, cells)
    assert "--wide" in table.output
    wide = CliRunner().invoke(main, ["sources", "--root", str(tmp_path), "--wide"])
    assert {line.split()[0] for line in wide.output.splitlines()[1:4]} == set(names)


def test_cli_without_sources_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["sources", "--root", str(tmp_path)])
    assert result.exit_code == 6 and "No sources/ folder" in result.output  # not a knowledge base


def test_unchanged_files_come_from_the_last_build_changed_ones_are_parsed(tmp_path: Path) -> None:
    from kb.config import Project
    from kb.indexing.build import build, cached_documents

    sources = _sources(tmp_path)
    project = Project(tmp_path)
    build(project, site=False)
    calls: list[str] = []

    def cached(source):
        calls.append(source.rel)
        return cached_documents(project, source)

    (doc,) = catalog(sources, cached).documents
    assert doc.title == "Möbelåterbruk" and "kommun/moebler.md" in calls
    guide = sources / "kommun" / "moebler.md"
    from kb.ingest import discover

    (source,) = [f for f in discover(sources)[0] if f.rel == "kommun/moebler.md"]
    assert cached_documents(project, source) is not None
    guide.write_text("# Ny rubrik\n\nNy text om stolar.\n", encoding="utf-8")
    (source,) = [f for f in discover(sources)[0] if f.rel == "kommun/moebler.md"]
    assert cached_documents(project, source) is None  # changed since the build: parsed again
    (doc,) = catalog(sources, cached).documents
    assert doc.title == "Ny rubrik"
