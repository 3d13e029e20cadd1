"""Incremental site builds give exactly the files of a full build of the same documents.

A small real knowledge base goes through ``kb build`` (in-process) step by step: nothing
changed, one document's body changed, a document added, a document removed, a damaged site.
After each step the live ``site/`` is compared, file by file and byte by byte, with a full
MkDocs build of the same documents in a copy of the project. Build dates are the only inputs
that legitimately differ between two builds: MkDocs writes the build day into ``sitemap.xml``
(``<lastmod>``) and the build time into the gzip header of ``sitemap.xml.gz`` and nowhere else
(checked below), so every comparison pins them with ``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from site_support import SOURCES, make_project

from kb import site
from kb.config import Project
from kb.engine.index import current_version_dir
from kb.indexing.build import BuildReport, build, dedupe_ids, ingest_all
from kb.site import build_site
from tests.hostile import SMALL_KB, copy_sources

EDITED = SMALL_KB[3]  # a Government Offices article
EDITED_PAGE = f"dok/{EDITED.removesuffix('.md').replace('--', '-')}/index.html"
REMOVED = SMALL_KB[4]
ADDED = "related/sfs/sfs-2016-1146.md"
DAY = 24 * 3600
EPOCH = "1767225600"  # 2026-01-01


def site_files(site_dir: Path) -> dict[str, bytes]:
    return {p.relative_to(site_dir).as_posix(): p.read_bytes() for p in sorted(site_dir.rglob("*")) if p.is_file()}


def full_build_files(root: Path, tmp: Path) -> dict[str, bytes]:
    """The site a full build of ``root``'s current documents and index gives, built in a copy."""
    copy = tmp / "reference"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, symlinks=True, ignore=shutil.ignore_patterns("site", "site.*"))
    project = Project(copy)
    documents = dedupe_ids(ingest_all(project, BuildReport()))
    build_site(project, documents, index_dir=current_version_dir(project.index_root), full=True)
    return site_files(project.site_dir)


def mkdocs_lap() -> str | None:
    """How the last build ran MkDocs: 'mkdocs (all pages)', 'mkdocs (N pages)' or None (skipped)."""
    return next((k for k in site.last_timings["laps"] if k.startswith("mkdocs")), None)


def assert_same(incremental: dict[str, bytes], full: dict[str, bytes]) -> None:
    assert incremental.keys() == full.keys(), sorted(incremental.keys() ^ full.keys())
    differing = sorted(rel for rel in full if incremental[rel] != full[rel])
    assert not differing, f"differ from a full build: {differing}"


@pytest.fixture(scope="module")
def kb_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("incremental"), sources=[])
    copy_sources(root, SMALL_KB)
    return root


@pytest.fixture(autouse=True)
def fixed_build_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)  # inherited by the MkDocs child process


@pytest.mark.slow
def test_incremental_builds_equal_full_builds(kb_root: Path, tmp_path: Path) -> None:
    project = Project(kb_root)

    build(project)
    assert mkdocs_lap() == "mkdocs (all pages)"
    first = site_files(project.site_dir)
    assert_same(first, full_build_files(kb_root, tmp_path))

    # Nothing changed: no page is even generated, and site/ is not touched.
    build(project)
    assert mkdocs_lap() is None and "related" not in site.last_timings["laps"]
    assert site_files(project.site_dir) == first

    # One body changed: only pages whose Markdown changed are rendered, the others are the
    # previous files (hard links, never written through: a witness link keeps the old bytes).
    witness = tmp_path / "witness"
    for path in project.site_dir.rglob("*"):
        if path.is_file():
            (witness / path.relative_to(project.site_dir)).parent.mkdir(parents=True, exist_ok=True)
            os.link(path, witness / path.relative_to(project.site_dir))
    with open(kb_root / "sources" / EDITED, "a", encoding="utf-8") as f:
        f.write("\n\nTillägg: återbruk av kontorsmöbler minskar avfallet vid offentlig upphandling.\n")
    build(project)
    lap = mkdocs_lap()
    assert lap is not None and lap != "mkdocs (all pages)", lap
    changed = site_files(project.site_dir)
    assert changed != first
    assert_same(changed, full_build_files(kb_root, tmp_path))
    assert site_files(witness) == first, "a partial build wrote into a file of the previous site"
    edited_page = EDITED_PAGE
    assert "Tillägg: återbruk" in changed[edited_page].decode()
    assert os.stat(project.site_dir / "404.html").st_ino != os.stat(witness / "404.html").st_ino
    unchanged = [rel for rel in first if rel.endswith(".html") and changed[rel] == first[rel]]
    assert unchanged and all(
        os.stat(project.site_dir / rel).st_ino == os.stat(witness / rel).st_ino
        for rel in unchanged
        if rel != "404.html"
    )

    # A new document changes the navigation pages and the page set: a full build.
    target = kb_root / "sources" / ADDED
    shutil.copyfile(SOURCES / ADDED, target)
    with open(kb_root / "sources" / "related" / "MANIFEST.tsv", "a", encoding="utf-8") as f:
        f.write(ADDED.split("/", 1)[1] + "\tLag (2016:1146) om upphandling inom försörjningssektorerna\n")
    build(project)
    assert mkdocs_lap() == "mkdocs (all pages)"
    assert_same(site_files(project.site_dir), full_build_files(kb_root, tmp_path))

    # A removed document: a full build, and its page is gone.
    (kb_root / "sources" / REMOVED).unlink()
    build(project)
    assert mkdocs_lap() == "mkdocs (all pages)"
    after_removal = site_files(project.site_dir)
    assert f"dok/{REMOVED.removesuffix('.md').replace('---', '-')}/index.html" in first
    assert f"dok/{REMOVED.removesuffix('.md').replace('---', '-')}/index.html" not in after_removal
    assert_same(after_removal, full_build_files(kb_root, tmp_path))

    # Nothing changed, but the site was damaged: it is rebuilt in full.
    (project.site_dir / edited_page).unlink()
    build(project)
    assert mkdocs_lap() == "mkdocs (all pages)"
    assert site_files(project.site_dir) == after_removal


@pytest.mark.slow
def test_build_dates_only_reach_the_sitemap(kb_root: Path, tmp_path: Path, monkeypatch) -> None:
    """Two full builds a day apart differ in the sitemap only: the one thing not compared as is."""
    project = Project(kb_root)
    build(project)
    a = full_build_files(kb_root, tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(EPOCH) + DAY))
    b = full_build_files(kb_root, tmp_path)
    assert a.keys() == b.keys()
    assert sorted(rel for rel in a if a[rel] != b[rel]) == ["sitemap.xml", "sitemap.xml.gz"]


@pytest.mark.slow
def test_killed_partial_build_leaves_the_old_site(kb_root: Path, tmp_path: Path) -> None:
    """SIGKILL while MkDocs renders the changed pages: site/ is byte for byte the previous one,
    and the next build is still exact."""
    project = Project(kb_root)
    build(project)
    before = site_files(project.site_dir)
    with open(kb_root / "sources" / EDITED, "a", encoding="utf-8") as f:
        f.write("\n\nTillägg: cirkulära möbelflöden i regionerna.\n")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "build", "--root", str(kb_root), "-q"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 120
    staged = False
    while time.monotonic() < deadline and proc.poll() is None:
        if any(kb_root.glob("site.new-*/assets")):  # MkDocs is writing the new site
            staged = True
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert staged, "the build never reached MkDocs"
    assert site_files(project.site_dir) == before

    build(project)
    assert "Tillägg: cirkulära möbelflöden" in (project.site_dir / EDITED_PAGE).read_text(encoding="utf-8")
    assert_same(site_files(project.site_dir), full_build_files(kb_root, tmp_path))
    assert not [p for p in kb_root.glob("site.new-*")], "the killed build's staging folder was not removed"


def test_site_build_pauses_the_cyclic_gc_and_restores_it_on_error(tmp_path, monkeypatch):
    import gc

    from kb.site import incremental

    class Stop(Exception):
        pass

    seen: list[bool] = []

    def load_state(project):
        seen.append(gc.isenabled())
        raise Stop

    monkeypatch.setattr(incremental, "load_state", load_state)
    root = make_project(tmp_path / "kb", sources=[])
    with pytest.raises(Stop):
        build_site(Project(root), [], index_dir=tmp_path)
    assert seen == [False] and gc.isenabled()
