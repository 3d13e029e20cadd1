"""Precompressed copies of the site's text files, for static hosts and ``kb serve``.

Every text file of the site (HTML, CSS, JavaScript, JSON, XML, SVG, text) gets a ``.gz``
sibling at gzip's highest level, so nginx (``gzip_static on``) and ``kb serve`` send it to any
browser that accepts gzip without compressing per request. ``mtime=0`` keeps the bytes a
function of the content alone, so an incremental build writes the same files as a full one.

Brotli is not written: on this site it saves another 10-17 % over gzip -9 (measured with
``benchmarks/compression.py``), which does not pay for a compiled dependency and a module
that Debian's nginx lacks.

An incremental build takes the pages it did not render as hard links of the previous site's
files; their ``.gz`` are linked the same way instead of compressed again.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

TEXT_SUFFIXES = frozenset({".html", ".css", ".js", ".json", ".xml", ".svg", ".txt", ".map", ".webmanifest"})


def is_text_asset(path: Path) -> bool:
    return path.suffix.lower() in TEXT_SUFFIXES


def gzip_bytes(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def precompress(site: Path, previous: Path | None = None) -> int:
    """Write ``<file>.gz`` beside every text file under ``site``; returns how many were made."""
    made = 0
    for dirpath, _dirnames, filenames in os.walk(site):
        folder = Path(dirpath)
        for name in filenames:
            path = folder / name
            if not is_text_asset(path) or path.is_symlink():
                continue
            target = path.with_name(name + ".gz")
            if previous is not None and _link_previous(path, target, previous / path.relative_to(site)):
                continue
            target.write_bytes(gzip_bytes(path.read_bytes()))
            made += 1
    return made


def _link_previous(path: Path, target: Path, old: Path) -> bool:
    """Hard-link the previous site's ``.gz`` when ``path`` is the very file it was made from."""
    old_gz = old.with_name(old.name + ".gz")
    try:
        if not os.path.samefile(path, old) or target.exists():
            return False
        os.link(old_gz, target)
    except OSError:
        return False
    return True
