"""Damaged PDF and Word files: every one gives documents or a one-line reason, never a crash."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from kb.ingest import SkipSource, SourceFile, ingest

OFFICE = Path(__file__).resolve().parents[1] / "sources" / "office"
FILES = [
    "molndalsbostader-avropsforfragan-fastighetssystem-2024.pdf",
    "vaxholms-stad-avropsforfragan-resursuppdrag-2024.docx",
]


@pytest.mark.parametrize("name", FILES)
def test_cut_and_flipped_bytes_give_documents_or_a_reason(tmp_path, name):
    original = (OFFICE / name).read_bytes()
    rng = random.Random(name)
    for i in range(16):
        data = bytearray(original)
        if i % 2:
            data = data[: rng.randrange(16, len(data))]  # cut short, as by an interrupted copy
        else:
            for _ in range(rng.randrange(1, 40)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        path = tmp_path / f"{i}{Path(name).suffix}"
        path.write_bytes(bytes(data))
        try:
            docs = ingest(SourceFile(path=path, rel=path.name, meta={}))
        except SkipSource as exc:
            assert exc.reason and "\n" not in exc.reason and len(exc.reason) <= 200
        else:
            assert docs and any(s.text for s in docs[0].sections)
