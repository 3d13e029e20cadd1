"""One error shape for every failure: ``{"error": "...", "parameter": "..."|null}``.

Messages never contain the user's query; parameter *names* from the request are echoed
(shortened) only inside JSON, never in an HTML response.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb.search import IndexMissing, SearchError, SearchUnavailable

NO_INDEX_MESSAGE = "There is no search index yet: run `kb build` on the server."


class ApiError(Exception):
    def __init__(self, status: int, error: str, parameter: str | None = None, headers: dict | None = None):
        super().__init__(error)
        self.status, self.error, self.parameter, self.headers = status, error, parameter, headers


def error_response(status: int, error: str, parameter: str | None = None, headers=None) -> JSONResponse:
    return JSONResponse(
        {"error": error, "parameter": parameter},
        status_code=status,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def _param_name(loc) -> str | None:
    if not loc:
        return None
    parts = [p for p in loc if isinstance(p, str) and p not in ("query", "path", "body", "header")]
    return parts[0][:60] if parts else None


def describe_validation_error(err: dict) -> tuple[str, str | None]:
    """A short message for the first validation error of a request, and the parameter it names."""
    name = _param_name(err.get("loc")) or "request"
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return f"{name} is required", name
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{name} must be a whole number", name
    if kind in ("bool_parsing", "bool_type"):
        return f"{name} must be true or false", name
    if kind == "string_too_long":
        return f"{name} must be at most {ctx.get('max_length')} characters", name
    if kind == "string_too_short":
        return f"{name} must not be empty", name
    if kind == "string_pattern_mismatch" and name == "q":
        return "q must not be empty (it holds only spaces)", name
    if kind == "less_than_equal":
        return f"{name} must be at most {ctx.get('le')}", name
    if kind == "greater_than_equal":
        return f"{name} must be at least {ctx.get('ge')}", name
    if kind == "too_long":
        return f"{name} may be given at most {ctx.get('max_length')} times", name
    return f"{name} is not valid", name


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return error_response(exc.status, exc.error, exc.parameter, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        message, name = describe_validation_error(errors[0] if errors else {})
        return error_response(400, message, name)

    @app.exception_handler(IndexMissing)
    async def _no_index(request: Request, exc: IndexMissing):
        return error_response(503, NO_INDEX_MESSAGE, None, {"Retry-After": "30"})

    @app.exception_handler(SearchUnavailable)
    async def _no_database(request: Request, exc: SearchUnavailable):
        logging.getLogger("kb.api").warning("%s", exc)  # the address is for the log, not for every visitor
        message = "the search database is unreachable; try again shortly"
        return error_response(503, message, None, {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(SearchError)
    async def _search_error(request: Request, exc: SearchError):
        text = str(exc)
        first = text.split(" ", 1)[0]
        return error_response(400, text, first if first in ("q", "limit", "offset") else None)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        headers = dict(exc.headers or {})
        if request.url.path.startswith("/api"):
            messages = {404: "not found", 405: "method not allowed"}
            return error_response(exc.status_code, messages.get(exc.status_code, str(exc.detail)), None, headers)
        # Static pages: plain text, never the requested path.
        text = {404: "Not found.", 405: "Method not allowed."}.get(exc.status_code, "Error.")
        return PlainTextResponse(text, status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        return error_response(500, "internal error; the server log has the details", None)
