"""The application factory: ``create_app(project, settings)``."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware

import kb
from kb.api.cache import ResponseCache
from kb.api.docs import render_docs
from kb.api.errors import install_error_handlers
from kb.api.fastpath import SearchFastPath
from kb.api.head import HeadAsGet
from kb.api.query_log import QueryLog
from kb.api.routes import ApiState, router
from kb.api.settings import ApiSettings
from kb.api.static import SiteFiles
from kb.config import Project
from kb.search import Searcher, SearchError

log = logging.getLogger("kb.api")

DESCRIPTION = (
    "Search the knowledge base on circular and climate-smart public procurement. "
    "Errors are JSON objects {error, parameter}; unknown query parameters are rejected with 400. "
    "Responses carry an ETag tied to the index version (send If-None-Match for a 304)."
)


def create_app(project: Project, settings: ApiSettings | None = None) -> FastAPI:
    settings = settings or ApiSettings()
    site_url, site_name = project.site_settings()
    site_url = settings.site_url or site_url
    state = ApiState(
        project=project,
        settings=settings,
        searcher=_searcher(project, site_url, settings.engine),
        site_url=site_url,
        site_dir=settings.site_dir or project.site_dir,
        cache=ResponseCache(settings.cache_size),
        raw_cache=ResponseCache(settings.cache_size),
        query_log=QueryLog(project.query_log) if settings.query_log else None,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if settings.warm_up:
            await anyio.to_thread.run_sync(_warm_up, state.searcher)
        yield
        if state.query_log is not None:
            state.query_log.flush()

    app = FastAPI(
        title=f"{site_name}: API",
        version=kb.__version__,
        description=DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.kb = state
    install_error_handlers(app)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        if not hasattr(app.state, "docs_html"):
            app.state.docs_html = render_docs(app.openapi())
        return HTMLResponse(app.state.docs_html, headers={"Cache-Control": "no-cache"})

    app.include_router(router)

    _tidy_openapi(app)
    if settings.serve_site:
        app.mount("/", SiteFiles(state.site_dir, site_url, site_name), name="site")
    app.add_middleware(SearchFastPath, state=state)
    app.add_middleware(HeadAsGet)
    app.add_middleware(NoSniff)
    # API answers and anything without a precompressed file; the site's files carry their
    # Content-Encoding already and pass through untouched.
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "HEAD"],
            allow_headers=["If-None-Match"],
            expose_headers=["ETag"],
            max_age=600,
        )
    return app


def _searcher(project: Project, site_url: str, engine: str | None) -> Searcher:
    """The Whoosh index folder's searcher, or a PostgreSQL database's (``engine``, ``KB_ENGINE``)."""
    from kb.engine import engine_url
    from kb.search import open_searcher

    return open_searcher(project, site_url, engine_url(engine))


def _warm_up(searcher: Searcher) -> None:
    """Load the analysers and open the index once, so the first user does not pay for it."""
    try:
        searcher.search("upphandling", facets=True)
        searcher.suggest("upp")
    except SearchError:
        pass  # no index yet: /api/health says so
    except Exception:  # noqa: BLE001 - a failing warm-up must not stop the server
        log.exception("warm-up query failed")


def _tidy_openapi(app: FastAPI) -> None:
    """Validation errors answer 400 with ErrorResponse, so drop FastAPI's default 422 entries."""
    original = app.openapi

    def openapi():
        if app.openapi_schema:
            return app.openapi_schema
        spec = original()
        for ops in spec.get("paths", {}).values():
            for op in ops.values():
                op.get("responses", {}).pop("422", None)
        schemas = spec.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi


class NoSniff:
    """Pure ASGI middleware: ``X-Content-Type-Options: nosniff`` on every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_header(message):
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                if not any(k.lower() == b"x-content-type-options" for k, _ in headers):
                    headers.append((b"x-content-type-options", b"nosniff"))
            await send(message)

        await self.app(scope, receive, send_with_header)
