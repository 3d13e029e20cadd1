"""The static search shipped with the site (used by the search page when no API answers).

Engine choice, measured in Chromium on tests/data/dev.json (see docs/site.md): our own
index with the Swedish analysis precomputed (``static_index``) beats Pagefind and lunr here,
because queries need lemmas, compound parts and folded spellings that those stem-only
engines cannot produce. The index files are written into the docs folder, so MkDocs (and
Zensical) copy them into the site like any other static file.

Analysing the whole corpus takes a while, so the files are cached in ``build/`` under a key
over the documents and the code and data that shape them; an unchanged knowledge base
reuses them. When documents changed, the index is made again (every score depends on the
whole corpus), but the analysis of each word is kept between builds (``WORDS_NAME``, keyed by
the code and data only), so only new words go through the analyzers.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import sys
from collections.abc import Callable
from pathlib import Path

from kb.model import Document
from kb.site.static_index import WordMemo, build_static_index
from kb.util.atomic_files import write_atomically
from kb.util.fingerprint import code_fingerprint

CACHE_NAME = "site-search-cache.json"
WORDS_NAME = "site-search-words.marshal"
_PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"




def cache_key(documents: list[Document]) -> str:
    from kb.engine import document_json

    h = hashlib.sha256(code_fingerprint().encode())
    for doc in documents:
        h.update(document_json(doc).encode())
        h.update(b"\n")
    return h.hexdigest()[:24]


def static_search_files(
    documents: list[Document],
    progress: Callable[[str, int, int], None] | None = None,
    cache_dir: Path | None = None,
) -> dict[str, str]:
    key = cache_key(documents) if cache_dir else ""
    cache = cache_dir / CACHE_NAME if cache_dir else None
    if cache is not None and cache.exists():
        try:
            text = cache.read_text(encoding="utf-8")
            if text.startswith(_dumps({"key": key})[:-1] + ","):  # parse it only when it is the one
                data = json.loads(text)
                if data.get("key") == key:
                    return data["files"]
        except (OSError, ValueError, KeyError):
            pass
    memo = _load_words(cache_dir) if cache_dir else None
    files = build_static_index(documents, progress=progress, memo=memo)
    if cache is not None:
        _write_json(cache, {"key": key, "files": files})
    if cache_dir and memo is not None and memo.changed:
        _write_words(cache_dir / WORDS_NAME, {"key": code_fingerprint(), **memo.to_dict()})
    return files


def _load_words(cache_dir: Path) -> WordMemo:
    """The remembered analyses: ``marshal`` (plain dicts, lists, strings and floats; loads in a
    fraction of JSON's time, and never runs code), from this Python version only."""
    try:
        data = marshal.loads((cache_dir / WORDS_NAME).read_bytes())
        if isinstance(data, dict) and data.get("key") == code_fingerprint() and data.get("python") == _PYTHON:
            return WordMemo(data)
    except (OSError, ValueError, EOFError, TypeError, AttributeError):
        pass
    return WordMemo()


def _write_words(path: Path, data: dict) -> None:
    write_atomically(path, marshal.dumps({**data, "python": _PYTHON}), parents=True)


def _dumps(data) -> str:
    """The cache file's JSON (its key test above reads the same spelling)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _write_json(path: Path, data: dict) -> None:
    write_atomically(path, _dumps(data), parents=True)
