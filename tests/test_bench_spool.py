"""The scale bench: spooled members read back as the bytes ``read_archives`` holds; query rounds take turns."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from benchmarks.scale import ingest_item, member_bytes, read_archives, spool_archives

MEMBERS = {
    "sfs/b.md": "---\nbeteckning: 2016:1145\nrubrik: Lag om offentlig upphandling\n---\n\n# Lag\n\n### 1 §\n\nText.\n",
    "sfs/a.md": "# Upphandling\n\nKlimatkrav vid upphandling av möbler.\n",
    "sfs/notes.txt": "not Markdown: left out",
}


def _archive(folder: Path) -> Path:
    path = folder / "sfs-all.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for name, text in MEMBERS.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def test_spooled_members_equal_read_members(tmp_path):
    _archive(tmp_path)
    held = read_archives(tmp_path)
    spooled = spool_archives(tmp_path, tmp_path / "members.spool")
    assert [member_bytes(item) for item in spooled] == held
    assert [rel for rel, _ in held] == ["related/sfs/a.md", "related/sfs/b.md"]
    assert [item[-1] for item in spooled] == [len(data) for _, data in held]


def test_spooled_member_ingests_like_its_bytes(tmp_path):
    _archive(tmp_path)
    held = read_archives(tmp_path)
    spooled = spool_archives(tmp_path, tmp_path / "members.spool", limit=10)
    for pair, item in zip(held, spooled, strict=True):
        assert [d.sections for d in ingest_item(item)] == [d.sections for d in ingest_item(pair)]
    assert ingest_item(spooled[0])[0].title == "Upphandling"


def test_member_stem_is_the_path_stem():
    from pathlib import PurePosixPath

    from benchmarks.scale import _stem

    for rel in ["related/sfs/1998-808.md", "x.md", ".md", "a.", "a.b.md", "dir.x/name", "n", "related/x/.hidden"]:
        assert _stem(rel) == PurePosixPath(rel).stem


def test_query_latencies_take_turns_by_round():
    from benchmarks.scale import latencies

    calls: list[tuple[str, str]] = []
    runs = {name: (lambda q, name=name: calls.append((name, q))) for name in ("kb", "stock")}
    timed = latencies(runs, ["a", "b"], rounds=2)
    warm_up = [("kb", "a"), ("kb", "b"), ("stock", "a"), ("stock", "b")]
    assert calls == warm_up + warm_up + warm_up  # warm-up, then round 1 and round 2, kb first each time
    assert set(timed) == {"kb", "stock"}
    assert all(0 <= p50 <= p95 for p50, p95 in timed.values())
