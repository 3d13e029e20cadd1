"""Any bytes in any supported file type either ingest or raise SkipSource — nothing else."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.ingest import SkipSource, SourceFile, ingest

_SNIPPETS = st.sampled_from(
    [
        b"---\n",
        b"# ",
        b"## 19 a kap. ",
        b"#### 3 a \xc2\xa7\n",
        b"beteckning: 2016:1\n",
        b"<h1>",
        b"<div>",
        b"</p>",
        b"<meta charset=utf-16>",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"\x00",
        b"\n\n",
        b"\xe5\xe4\xf6",
        b"1. Startsida\n",
        b"En illustration av en fot\n",
        b" \xe2\x80\xa2 ",
        b"**",
        b"[a](b)",
        b"%PDF",
    ]
)
_CONTENT = st.one_of(
    st.binary(max_size=400), st.lists(st.one_of(_SNIPPETS, st.binary(max_size=12)), max_size=40).map(b"".join)
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_CONTENT, suffix=st.sampled_from([".txt", ".md", ".html"]))
def test_arbitrary_bytes_never_crash(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"fuzz{suffix}"
        path.write_bytes(data)
        try:
            docs = ingest(SourceFile(path=path, rel=path.name, meta={}))
        except SkipSource as exc:
            assert exc.reason
            return
        assert docs and all(d.id and d.title is not None for d in docs)
        for doc in docs:
            anchors = [s.anchor for s in doc.sections]
            assert len(anchors) == len(set(anchors))
