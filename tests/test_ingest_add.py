"""`kb ingest` and `kb build` accept exactly the same files; nothing is dropped without a word,
nothing edited is overwritten without --force."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.ingest import SUFFIXES
from kb.ingest.add import add_sources, check_into

GUIDE = "# Vägledning om möbelåterbruk\n\nKontorsmöbler kan återbrukas i kommunen.\n"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "kb" / "sources").mkdir(parents=True)
    return tmp_path / "kb"


def _files(tmp_path: Path) -> Path:
    given = tmp_path / "given"
    given.mkdir()
    (given / "guide.md").write_text(GUIDE, encoding="utf-8")
    (given / "mobil.rtf").write_bytes(b"{\\rtf1\\ansi Mobiltelefoner}")
    (given / "random").write_bytes(random.Random(7).randbytes(20))
    (given / "random.txt").write_bytes(b"\x00\x01\x02" + random.Random(7).randbytes(20))
    (given / "lag.txt").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")  # a PDF whose name lies
    return given


def test_unsupported_binary_and_lying_files_are_refused_with_the_real_reason(tmp_path, project) -> None:
    given = _files(tmp_path)
    outcomes = {o.rel: o for o in add_sources(project / "sources", sorted(given.iterdir()))}
    assert outcomes["local/guide.md"].status == "added"
    rtf = outcomes["local/mobil.rtf"]
    assert rtf.status == "refused" and rtf.reason == f"unsupported format .rtf; supported: {', '.join(SUFFIXES)}"
    assert outcomes["local/random"].reason.startswith("unsupported format (no known suffix)")
    assert outcomes["local/random.txt"].reason.startswith("binary file")
    assert outcomes["local/lag.txt"].reason == "a PDF named .txt: rename it to .pdf"
    assert sorted(p.name for p in (project / "sources" / "local").iterdir()) == ["guide.md"]


def test_cli_says_not_added_and_exits_4(tmp_path, project) -> None:
    given = _files(tmp_path)
    result = run("ingest", str(given / "mobil.rtf"), "--root", str(project), "--no-build")
    assert result.exit_code == 4
    assert "Not added:" in result.output and "unsupported format .rtf; supported: .txt" in result.output
    assert "Added" not in result.output.replace("Not added", "")
    assert not (project / "sources" / "local").exists()


def test_folder_keeps_its_layout_and_reports_the_rest(tmp_path, project) -> None:
    given = _files(tmp_path)
    (given / "del").mkdir()
    (given / "del" / "krav.txt").write_text("Krav\n\nKrav på reparerbarhet.\n", encoding="utf-8")
    (given / "del" / "krav.txt.meta.yml").write_text("tags: [krav]\n", encoding="utf-8")
    (given / "MANIFEST.tsv").write_text("path\tpublisher\ndel/krav.txt\tRegion Väst\n", encoding="utf-8")
    result = run("ingest", str(given), "--root", str(project), "--into", "kommun", "--no-build")
    assert result.exit_code == 4, result.output  # some files were not added
    assert "Added kommun/given/guide.md" in result.output
    assert "Added kommun/given/del/krav.txt" in result.output
    assert "Added kommun/given/MANIFEST.tsv (metadata of the files in its folder)" in result.output
    assert "3 of 7 files in sources/, 4 not added." in result.output
    assert (project / "sources" / "kommun" / "given" / "del" / "krav.txt.meta.yml").is_file()  # the sidecar too
    built = run("build", "--root", str(project), "--no-site", "--quiet", "--strict")
    assert built.exit_code == 0 and "Sources: 2 ingested" in built.output  # what was added, the build reads
    found = run("search", "reparerbarhet", "--root", str(project), "--tag", "krav")
    assert found.exit_code == 0 and "kommun/given/del/krav.txt" in found.output
    assert "Region Väst" in found.output  # the folder's manifest came along


def test_same_name_is_never_overwritten_without_force(tmp_path, project) -> None:
    source = tmp_path / "guide.md"
    source.write_text(GUIDE, encoding="utf-8")
    assert run("ingest", str(source), "--root", str(project), "--no-build").exit_code == 0
    again = run("ingest", str(source), "--root", str(project), "--no-build")
    assert again.exit_code == 0 and "Already there: local/guide.md (same content)" in again.output
    copy = project / "sources" / "local" / "guide.md"
    copy.write_text(GUIDE + "\nRedigerad av förvaltaren.\n", encoding="utf-8")
    refused = run("ingest", str(source), "--root", str(project), "--no-build")
    assert refused.exit_code == 4
    assert "sources/local/guide.md exists with other content; --force replaces it" in refused.output
    assert "Redigerad" in copy.read_text(encoding="utf-8")
    forced = run("ingest", str(source), "--root", str(project), "--no-build", "--force")
    assert forced.exit_code == 0 and "Replaced local/guide.md" in forced.output
    assert copy.read_text(encoding="utf-8") == GUIDE


def test_a_changed_sidecar_counts_as_other_content(tmp_path, project) -> None:
    source = tmp_path / "guide.md"
    source.write_text(GUIDE, encoding="utf-8")
    (tmp_path / "guide.md.meta.yml").write_text("publisher: Kommunen\n", encoding="utf-8")
    assert add_sources(project / "sources", [source])[0].status == "added"
    (tmp_path / "guide.md.meta.yml").write_text("publisher: Regionen\n", encoding="utf-8")
    outcome = add_sources(project / "sources", [source])[0]
    assert outcome.status == "refused" and "guide.md.meta.yml exists" in outcome.reason
    assert add_sources(project / "sources", [source], force=True)[0].status == "replaced"
    assert (project / "sources/local/guide.md.meta.yml").read_text(encoding="utf-8") == "publisher: Regionen\n"


@pytest.mark.parametrize("into", ["../ut", "/etc", ".dold", "a/../../b", ""])
def test_into_must_stay_inside_sources(into: str) -> None:
    with pytest.raises(ValueError):
        check_into(into)


def test_build_reports_what_it_does_not_index_and_strict_fails(tmp_path, project) -> None:
    sources = project / "sources" / "kommun"
    sources.mkdir()
    (sources / "guide.md").write_text(GUIDE, encoding="utf-8")
    (sources / "mobil.rtf").write_bytes(b"{\\rtf1 Mobiltelefoner}")
    (sources / "krav.docx").write_bytes(b"PK\x03\x04" + bytes(40))
    (sources / "MANIFEST.tsv").write_text("path\tpublisher\nguide.md\tKommunen\n", encoding="utf-8")
    (sources / "guide.md.meta.yml").write_text("tags: [möbler]\n", encoding="utf-8")
    result = run("build", "--root", str(project), "--no-site", "--quiet")
    assert result.exit_code == 0, result.output
    assert "1 ingested, 0 unchanged, 2 skipped" in result.output
    assert "skipped kommun/mobil.rtf: unsupported format .rtf; supported: .txt" in result.output
    if ".docx" not in SUFFIXES:  # until Word files are read
        assert "skipped kommun/krav.docx: unsupported format .docx" in result.output
        assert "By reason: unsupported format .docx; supported: " in result.output  # a count per reason
    assert "unsupported format .rtf; supported: " + ", ".join(SUFFIXES) + ": 1" in result.output
    strict = run("build", "--root", str(project), "--no-site", "--quiet", "--strict")
    assert strict.exit_code == 4 and "--strict: 2 sources skipped." in strict.output
    assert "unsupported format .rtf" in strict.output  # reported on an unchanged rebuild too
