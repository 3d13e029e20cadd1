"""Serving site/ at ``/``: directories answer with their index.html, nothing outside site/.

Starlette's StaticFiles resolves every request path with ``realpath`` and refuses anything
whose real path is not inside site/ (``..``, ``%2e%2e``, encoded slashes, symlinks that
point out). This wrapper adds: a clear answer while site/ has not been built yet, no 500
on odd paths (NUL bytes, over-long names), and the delivery of ``kb.api.site_delivery``
(precompressed files, cache headers, an OpenSearch description for the address asked).
"""

from __future__ import annotations

from pathlib import Path

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

from kb.api.site_delivery import (
    API_MARKER_PATH,
    OPENSEARCH,
    api_marker_response,
    opensearch_response,
    site_file_response,
)

NO_SITE_MESSAGE = (
    "The site has not been built yet: run `kb build` on the server.\nThe search API is available: see /api/docs.\n"
)


class SiteFiles(StaticFiles):
    def __init__(self, site_dir: Path, site_url: str = "", site_name: str = "", search_api: bool = True):
        """``search_api=False`` serves the site as a static host would (for benchmarks): the
        search page then uses its static index."""
        super().__init__(directory=site_dir, html=True, check_dir=False, follow_symlink=False)
        self.site_dir = Path(site_dir)
        self.site_url, self.site_name, self.search_api = site_url, site_name, search_api

    def file_response(self, full_path, stat_result, scope: Scope, status_code: int = 200) -> Response:
        response = site_file_response(full_path, stat_result, scope, status_code)
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response

    async def check_config(self) -> None:
        if self.site_dir.is_dir():  # site/ may appear later, after `kb build`
            await super().check_config()

    async def get_response(self, path: str, scope: Scope) -> Response:
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(status_code=405, headers={"Allow": "GET, HEAD"})
        if not self.site_dir.is_dir():
            return PlainTextResponse(NO_SITE_MESSAGE, status_code=404, headers={"Cache-Control": "no-store"})
        if "\x00" in path or "\\" in path or len(path) > 1024:
            raise HTTPException(status_code=404)
        if path == API_MARKER_PATH and self.search_api:
            return api_marker_response()
        if path == OPENSEARCH and self.site_url and (self.site_dir / OPENSEARCH).is_file():
            return opensearch_response(scope, self.site_url, self.site_name)
        try:
            response = await super().get_response(path, scope)
        except (OSError, ValueError):
            raise HTTPException(status_code=404) from None
        return response
