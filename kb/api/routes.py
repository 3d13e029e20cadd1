"""The JSON endpoints under /api.

Whoosh calls are blocking CPU work: they run in worker threads (``def`` endpoints, or
``anyio.to_thread`` for search), never on the event loop. Search responses are cached per
index version, so a repeated query is answered on the event loop without touching Whoosh.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response

import kb
from kb.api.cache import ResponseCache
from kb.api.errors import ApiError
from kb.api.head import HEAD_FLAG
from kb.api.models import DocumentResponse, ErrorResponse, HealthResponse, SearchResponse, SuggestResponse
from kb.api.query_log import QueryLog, search_filters
from kb.api.settings import ApiSettings
from kb.config import Project
from kb.engine import current_version_dir
from kb.search import FACETS, MAX_LIMIT, MAX_QUERY_CHARS, IndexMissing, Searcher, clean_query, wildcard_terms
from kb.urls import document_url

MAX_OFFSET = 1000
MAX_FILTER_CHARS = 200
MAX_TAGS = 10
MAX_PREFIX_CHARS = 100
MAX_SUGGESTIONS = 20
MAX_PREFIX_TERMS = 3
# q holds something other than spaces, tabs and line breaks (in the OpenAPI schema too; an
# explicit class, because regex engines disagree on what \s covers)
NOT_BLANK = r"[^ \t\r\n]"

router = APIRouter(prefix="/api")
NO_HITS_MARK = b'"total":0,'  # in a compact search body only there: quotes inside strings are escaped


@dataclass
class ApiState:
    project: Project
    settings: ApiSettings
    searcher: Searcher
    site_url: str
    site_dir: Path
    cache: ResponseCache
    raw_cache: ResponseCache
    inflight: dict = field(default_factory=dict)
    limiter: anyio.CapacityLimiter | None = None
    query_log: QueryLog | None = None  # counts searches for `kb report` (kb.api.query_log)

    def count_search(self, q: str, offset: int, body: bytes, filters: tuple[str, ...] = ()) -> None:
        """Count a first-page search; ``body`` tells whether it found anything."""
        if self.query_log is not None and offset == 0:
            self.query_log.record(q, found=NO_HITS_MARK not in body, filters=filters)

    def version(self) -> str:
        """Name of the index version being served (cheap: one readlink, no index access; a
        database engine's searcher knows it, and looks again at most twice a second)."""
        published = getattr(self.searcher, "version_name", None)
        if published is not None:
            return published()
        version_dir = current_version_dir(self.project.index_root)
        if version_dir is None:
            raise IndexMissing(f"No index in {self.project.index_root}")
        return version_dir.name

    def etag(self, version: str) -> str:
        return f'W/"kb{kb.__version__}-{version}"'


def _state(request: Request) -> ApiState:
    return request.app.state.kb


_ERRORS = {
    400: {"model": ErrorResponse, "description": "Bad parameter: `parameter` names it."},
    503: {
        "model": ErrorResponse,
        "description": "No index built yet, or the search exceeded its time bound.",
    },
}


def _check_params(request: Request, allowed: frozenset[str], repeatable: frozenset[str] = frozenset()) -> None:
    """Unknown parameters, and a single-valued one given twice (FastAPI would silently take the last)."""
    names = request.query_params.keys()
    for name in names:
        if name not in allowed:
            raise ApiError(400, f"unknown parameter; allowed: {', '.join(sorted(allowed))}", name[:60])
    for name in set(names) - repeatable:
        if len(request.query_params.getlist(name)) > 1:
            raise ApiError(400, "given more than once; give it once", name)


def _not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in header.split(","))


def _cached_headers(state: ApiState, etag: str) -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": state.settings.cache_control}


def _json_bytes(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ---------------------------------------------------------------- search

SEARCH_PARAMS = frozenset({"q", "limit", "offset", "tag", "publisher", "type"})


@router.get(
    "/search",
    summary="Search sections",
    response_model=None,
    responses={200: {"model": SearchResponse, "description": "Ranked section hits."}, **_ERRORS},
)
async def search(
    request: Request,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_QUERY_CHARS,
            pattern=NOT_BLANK,
            description='Words, "quoted phrases" and prefixes (`möb*`, at least 3 letters); '
            "spelling mistakes and missing accents are tolerated.",
            examples=["återbruk möbler"],
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Hits per page.")] = 10,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Hits to skip (paging).")] = 0,
    tag: Annotated[
        list[Annotated[str, Query(max_length=MAX_FILTER_CHARS)]] | None,
        Query(
            max_length=MAX_TAGS,
            description="Only sections with this tag; repeat for several (all must match).",
        ),
    ] = None,
    publisher: Annotated[
        str | None, Query(max_length=MAX_FILTER_CHARS, description="Only documents from this publisher.")
    ] = None,
    type: Annotated[str | None, Query(max_length=MAX_FILTER_CHARS, description="Only documents of this type.")] = None,
) -> Response:
    """The same hit objects as `kb search --json`, plus total, paging, a spelling suggestion and
    facet counts (tags, publisher, type) over all matching sections."""
    _check_params(request, SEARCH_PARAMS, repeatable=frozenset({"tag"}))
    state = _state(request)
    version = state.version()
    etag = state.etag(version)
    headers = _cached_headers(state, etag)
    if _not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    tags = tuple(tag or ())
    _check_query(q)
    key = (version, q, limit, offset, tags, publisher, type)
    body = state.cache.get(key)
    if body is None:
        work = partial(_run_search, state, version, q, limit, offset, tags, publisher, type)
        try:
            with anyio.fail_after(state.settings.request_timeout):
                body, cacheable = await _compute_once(state, key, work, request.scope["query_string"])
        except TimeoutError:
            # The hard bound: answer now with no hits and timed_out=true (never a 5xx for an
            # input). The search itself goes on in its thread and is cached if it completes.
            body = _timed_out_body(q, limit, offset, version, state.settings.request_timeout)
            return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})
        if not cacheable:
            headers = {"Cache-Control": "no-store"}
    if not request.scope.get(HEAD_FLAG):
        state.count_search(q, offset, body, search_filters(tags, publisher, type))
    return Response(body, media_type="application/json", headers=headers)


async def _compute_once(state: ApiState, key, work, raw_query: bytes) -> tuple[bytes, bool]:
    """Run ``work`` in a search thread, once for concurrent identical requests (single flight).

    At most ``settings.search_threads`` searches run at once per process: Whoosh is CPU work
    under the GIL, so more threads only stretch every search (and its time limit) without
    adding throughput. The task is shielded: a request that gives up (time bound) does not
    cancel the search, whose result is cached for the next request.
    """
    task = state.inflight.get(key)
    if task is None:
        task = asyncio.ensure_future(_search_and_cache(state, key, work, raw_query))
        state.inflight[key] = task
        task.add_done_callback(partial(_forget, state, key))
    return await asyncio.shield(task)


async def _search_and_cache(state: ApiState, key, work, raw_query: bytes) -> tuple[bytes, bool]:
    if state.limiter is None:
        state.limiter = anyio.CapacityLimiter(state.settings.search_threads)
    body, cacheable = await anyio.to_thread.run_sync(work, limiter=state.limiter)
    if cacheable and state.version() == key[0]:
        state.cache.put(key, body)
        state.raw_cache.put((key[0], raw_query), body)  # for kb.api.fastpath
    return body, cacheable


def _forget(state: ApiState, key, task: asyncio.Future) -> None:
    if state.inflight.get(key) is task:
        del state.inflight[key]
    if not task.cancelled():
        task.exception()  # retrieved: no "never retrieved" warning when every waiter gave up


def _check_query(q: str) -> None:
    """Caps the Searcher does not enforce itself (see docs/api.md, "Time bound")."""
    if wildcard_terms(clean_query(q)) > MAX_PREFIX_TERMS:  # "a*" too: what the user typed
        raise ApiError(400, f"at most {MAX_PREFIX_TERMS} wildcard terms (word*) per query", "q")


def _timed_out_body(q: str, limit: int, offset: int, version: str, seconds: float) -> bytes:
    return _json_bytes(
        {
            "query": q,
            "total": 0,
            "took_ms": round(seconds * 1000, 2),
            "suggestion": None,
            "hits": [],
            "facets": {name: {} for name in FACETS},
            "offset": offset,
            "limit": limit,
            "next_offset": None,
            "fuzzy": False,
            "timed_out": True,
            "index_version": version,
        }
    )


def _run_search(state: ApiState, version, q, limit, offset, tags, publisher, type_) -> tuple[bytes, bool]:
    result = state.searcher.search(
        q,
        limit=limit,
        offset=offset,
        tags=tags,
        publisher=publisher or None,
        type=type_ or None,
        facets=True,
        time_limit=state.settings.time_limit,
    )
    data = result.to_json(facets=True)
    data["facets"] = {name: result.facets.get(name, {}) for name in FACETS}
    end = offset + len(result.hits)
    data.update(
        offset=offset,
        limit=limit,
        next_offset=end if result.hits and end < result.total else None,
        fuzzy=result.fuzzy,
        timed_out=result.timed_out,
        index_version=version,
    )
    return _json_bytes(data), not result.timed_out


# ---------------------------------------------------------------- suggest


@router.get(
    "/suggest",
    summary="Completions for a search box",
    response_model=None,
    responses={200: {"model": SuggestResponse, "description": "Completions, best first."}, **_ERRORS},
)
def suggest(
    request: Request,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_PREFIX_CHARS,
            description="What the user typed so far.",
            examples=["upp"],
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=MAX_SUGGESTIONS, description="Completions to return.")] = 8,
) -> Response:
    """Titles and section headings starting with `q` (accents optional), then indexed words."""
    _check_params(request, frozenset({"q", "limit"}))
    state = _state(request)
    version = state.version()
    etag = state.etag(version)
    headers = _cached_headers(state, etag)
    if _not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    key = ("suggest", version, q, limit)
    body = state.cache.get(key)
    if body is None:
        body = _json_bytes({"query": q, "suggestions": state.searcher.suggest(q, limit=limit)})
        state.cache.put(key, body)
    return Response(body, media_type="application/json", headers=headers)


# ---------------------------------------------------------------- documents


@router.get(
    "/documents/{id:path}",
    summary="A document's metadata and sections",
    response_model=None,
    responses={
        200: {"model": DocumentResponse, "description": "The document."},
        404: {"model": ErrorResponse, "description": "No document with this id."},
        **_ERRORS,
    },
)
def get_document(
    request: Request,
    id: Annotated[str, PathParam(description="Document id, may contain slashes: `related/sfs/sfs-2016-1145`.")],
    text: Annotated[bool, Query(description="Include each section's plain text.")] = False,
) -> Response:
    _check_params(request, frozenset({"text"}))
    state = _state(request)
    version = state.version()
    etag = state.etag(version)
    headers = _cached_headers(state, etag)
    doc = state.searcher.document(id.strip("/")) if len(id) <= 1000 else None
    if doc is None:
        raise ApiError(404, "no document with this id", "id")
    if _not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    data = {
        "id": doc.id,
        "title": doc.title,
        "source": doc.source,
        "url": document_url(state.site_url, doc.id),
        "parent": doc.parent,
        "meta": doc.meta,
        "tags": doc.tags,
        "sections": [
            {
                "anchor": s.anchor,
                "heading": s.heading,
                "path": s.path,
                "level": s.level,
                "url": document_url(state.site_url, doc.id, s.anchor),
                "tags": s.tags,
                **({"text": s.text} if text else {}),
            }
            for s in doc.sections
        ],
        "index_version": version,
    }
    return Response(_json_bytes(data), media_type="application/json", headers=headers)


# ---------------------------------------------------------------- health


@router.get(
    "/health",
    summary="Index version, build time and counts",
    response_model=None,
    responses={200: {"model": HealthResponse, "description": "The index being served."}, **_ERRORS},
)
def health(request: Request) -> Response:
    _check_params(request, frozenset())
    state = _state(request)
    info = state.searcher.info()
    data = {
        "status": "ok",
        "index_version": info.version,
        "built_at": info.built_at,
        "documents": info.documents,
        "sections": info.sections,
        "site": state.site_dir.is_dir(),
    }
    return JSONResponse(data, headers={"Cache-Control": "no-store"})


@router.api_route("/{rest:path}", methods=["GET", "HEAD"], include_in_schema=False)
def api_not_found(rest: str) -> Response:
    raise ApiError(404, "no such endpoint; see /api/docs", None)
