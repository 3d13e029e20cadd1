"""How the static search index is cut into files, so a query downloads little of it.

The budget: any two-word query, an unknown word included, downloads at most 300 KB
gzip-compressed from ``sok-index/``. What a query loads (``kb-search.js``):

- ``meta.json`` (documents and sections, ~40 KB gzip), once;
- one ``t/<n>.json`` shard per query word, folded spelling and analysed variant
  (``static_index.SHARDS`` of them, ~4 KB gzip each);
- the text of each hit shown (``x/<section>.json``, one section per file, so a page of 20
  hits never pulls in the long sections next to them);
- for a word the corpus does not hold, the vocabulary of the letters it needs: compound
  splitting looks up heads that begin like the word and tails where a head matched, fuzzy
  matching only words with the same first letter. One file per first character
  (``v/<code point>.json``), instead of one 320 KB vocabulary.
"""

from __future__ import annotations

import json

VOCAB_DIR = "v"
# Whether a search API answers beside the site: false in the built site, true when ``kb serve``
# answers it (kb.api.site_delivery). The search page reads it before asking the API, so a
# static host never sees a request for /api/search (a 404 in the console and a wait).
API_MARKER = "api.json"


def api_marker(available: bool) -> str:
    return json.dumps({"api": available})


def vocabulary_file(term: str) -> str:
    """The file holding ``term`` (and every other term that begins with its first character)."""
    return f"{VOCAB_DIR}/{ord(term[0])}.json"


def vocabulary_files(vocab: list[str]) -> dict[str, str]:
    """Index-relative path → JSON list of the sorted terms that begin with one character."""
    groups: dict[str, list[str]] = {}
    for term in sorted(vocab):
        groups.setdefault(vocabulary_file(term), []).append(term)
    return {path: json.dumps(terms, ensure_ascii=False, separators=(",", ":")) for path, terms in groups.items()}


def vocabulary_keys(vocab: list[str]) -> list[int]:
    """The first characters (code points) that have a vocabulary file, for ``meta.json``: the
    browser asks only for files that exist."""
    return sorted({ord(term[0]) for term in vocab})
