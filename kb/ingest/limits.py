"""Size limits that keep one hostile source from stalling a build or a search.

``MAX_SOURCE_MB`` (5 MB, about 20 times the largest real source, the procurement act at
236 kB): larger files are skipped with "too large (50 MB, limit 5 MB)" before anything is
read. Measured on the 2-core CI machine, indexing costs about 4 s per MB of ordinary Swedish
prose and up to 30 s per MB of text where every word is new (random tokens), so the limit
bounds one file's indexing to well under a minute for real text. An organisation with larger
sources sets ``KB_MAX_SOURCE_MB``.

``MAX_BLOCK_CHARS``: a paragraph longer than this (a file on one line, a pasted blob) is cut
into blocks at spaces, so snippets and the site never work on a megabyte-long paragraph.
"""

from __future__ import annotations

import os

MAX_SOURCE_MB = 5
MAX_BLOCK_CHARS = 10_000


def max_source_bytes() -> int:
    """The limit in bytes: ``KB_MAX_SOURCE_MB`` if set to a positive number, else 5 MB."""
    try:
        mb = float(os.environ.get("KB_MAX_SOURCE_MB", "") or MAX_SOURCE_MB)
    except ValueError:
        mb = MAX_SOURCE_MB
    return int((mb if mb > 0 else MAX_SOURCE_MB) * 1024 * 1024)


def _mb(n: float) -> str:
    return f"{n / 1024 / 1024:.3g}"


def too_large(size: int) -> str:
    """The one-line skip reason, e.g. "too large (50 MB, limit 5 MB)"."""
    return f"too large ({_mb(size)} MB, limit {_mb(max_source_bytes())} MB)"


def split_long(text: str, limit: int = MAX_BLOCK_CHARS) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at the last space before the limit."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    start = 0
    while len(text) - start > limit:
        cut = text.rfind(" ", start + limit // 2, start + limit + 1)
        if cut <= start:
            cut = start + limit
        pieces.append(text[start:cut].strip())
        start = cut
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]
