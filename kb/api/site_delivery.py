"""How ``kb serve`` delivers the site's files: precompressed, with cache headers.

- A browser that accepts gzip gets the ``.gz`` sibling that ``kb build`` wrote beside every
  text file (``kb.site.compress``), with ``Content-Encoding: gzip``: no compression per request.
- Theme assets whose name carries a content hash (``bundle.<hash>.min.js``) never change
  under their name: ``Cache-Control: public, max-age=31536000, immutable``. Everything else
  (pages, our own assets, the search index) is revalidated on each use (``no-cache`` with its
  ETag), so a new ``kb build`` is seen at once.
- ``sok-index/api.json`` says ``{"api": true}``: the search page then asks ``/api/search``
  (on a static host the built file says false and the page searches its static index).
- ``/opensearch.xml`` is sent as ``application/opensearchdescription+xml``; when the configured
  ``site_url`` is a loopback address (the default), its templates use the address the browser
  asked, so ``kb serve --port 8080`` offers a search engine that works.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import FileResponse, Response
from starlette.types import Scope

from kb.site.compress import is_text_asset
from kb.site.static_index import INDEX_DIR
from kb.site.static_layout import API_MARKER, api_marker

API_MARKER_PATH = f"{INDEX_DIR}/{API_MARKER}"

FINGERPRINTED = re.compile(r"\.[0-9a-f]{8,}\.min\.(?:js|css)$")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
OPENSEARCH = "opensearch.xml"
OPENSEARCH_TYPE = "application/opensearchdescription+xml"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def cache_control(path: str) -> str:
    return IMMUTABLE if FINGERPRINTED.search(path) else REVALIDATE


def accepts_gzip(scope: Scope) -> bool:
    """True unless the request refuses gzip (``Accept-Encoding`` without it, or ``gzip;q=0``)."""
    header = Headers(scope=scope).get("accept-encoding", "")
    for part in header.lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def site_file_response(full_path: str | os.PathLike, stat_result: os.stat_result, scope: Scope,
                       status_code: int = 200) -> FileResponse:
    """The file, or its ``.gz`` sibling for a browser that takes gzip, with cache headers."""
    path = Path(full_path)
    headers = {"Cache-Control": cache_control(path.name)}
    if is_text_asset(path):
        headers["Vary"] = "Accept-Encoding"
        gz = path.with_name(path.name + ".gz")
        if accepts_gzip(scope):
            try:
                gz_stat = os.stat(gz)
            except OSError:
                gz_stat = None
            if gz_stat is not None and gz_stat.st_mtime >= stat_result.st_mtime - 1:
                media_type = FileResponse(path, stat_result=stat_result).media_type
                if path.name == OPENSEARCH:
                    media_type = OPENSEARCH_TYPE
                headers["Content-Encoding"] = "gzip"
                return FileResponse(gz, status_code=status_code, stat_result=gz_stat, headers=headers,
                                    media_type=media_type)
    media_type = OPENSEARCH_TYPE if path.name == OPENSEARCH else None
    return FileResponse(path, status_code=status_code, stat_result=stat_result, headers=headers, media_type=media_type)


def serves_request_address(site_url: str) -> bool:
    """The OpenSearch templates follow the request when ``site_url`` is a loopback default."""
    return (urlsplit(site_url).hostname or "") in LOOPBACK_HOSTS


def opensearch_response(scope: Scope, site_url: str, site_name: str) -> Response:
    from kb.site.generate import opensearch_xml

    base = site_url
    if serves_request_address(site_url):
        headers = Headers(scope=scope)
        host = headers.get("host") or "127.0.0.1"
        base = f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}/"
    return Response(opensearch_xml(base, site_name), media_type=OPENSEARCH_TYPE,
                    headers={"Cache-Control": REVALIDATE})


def api_marker_response() -> Response:
    return Response(api_marker(True), media_type="application/json", headers={"Cache-Control": REVALIDATE})
