"""The URL scheme, in one place: the site, the search results and the API all link the same way.

- a document:  ``{site_url}dok/{doc_id}/``          e.g. ``dok/related/sfs/sfs-2016-1145/``
- a section:   ``{site_url}dok/{doc_id}/#{anchor}``  e.g. ``…/sfs-2016-1145/#kap19a``
- a paragraph: ``{site_url}dok/{doc_id}/#{anchor}``  e.g. ``…/sfs-2016-1145/#kap19a-3``
- a search:    ``{site_url}sok/?q=återbruk+möbler``

``doc_id`` comes from the source path (see ``kb.model.doc_id``), so links survive rebuilds,
title edits and the addition of other sources.
"""

from __future__ import annotations

from urllib.parse import quote_plus

DOCUMENT_PREFIX = "dok"
SEARCH_PAGE = "sok"


def document_path(doc_id: str) -> str:
    """Site-relative path of a document page, without leading slash: ``dok/<id>/``."""
    return f"{DOCUMENT_PREFIX}/{doc_id}/"


def document_url(site_url: str, doc_id: str, anchor: str | None = None) -> str:
    url = site_url.rstrip("/") + "/" + document_path(doc_id)
    return f"{url}#{anchor}" if anchor else url


def search_url(site_url: str, query: str) -> str:
    return site_url.rstrip("/") + f"/{SEARCH_PAGE}/?q={quote_plus(query)}"
