"""Serving site/ at ``/``: directories answer with their index.html, nothing outside site/.

Starlette's StaticFiles resolves every request path with ``realpath`` and refuses anything
whose real path is not inside site/ (``..``, ``%2e%2e``, encoded slashes, symlinks that
point out). This wrapper adds: a clear answer while site/ has not been built yet, no 500
on odd paths (NUL bytes, over-long names).
"""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

NO_SITE_MESSAGE = (
    "The site has not been built yet: run `kb build` on the server.\nThe search API is available: see /api/docs.\n"
)


class SiteFiles(StaticFiles):
    def __init__(self, site_dir: Path):
        super().__init__(directory=site_dir, html=True, check_dir=False, follow_symlink=False)
        self.site_dir = Path(site_dir)

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
        try:
            response = await super().get_response(path, scope)
        except (OSError, ValueError):
            raise HTTPException(status_code=404) from None
        return response
