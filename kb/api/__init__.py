"""The HTTP API and static site server (``kb serve``): FastAPI over ``kb.search.searcher.Searcher``.

``create_app(project, settings)`` builds the application; ``kb.api.asgi:app`` is the same
application configured from environment variables, for gunicorn/uvicorn in production.
Both names are imported on first use, so ``kb build`` (which registers ``kb serve`` from
``kb.commands.serve``) does not pay for importing FastAPI (~1.3 s).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ApiSettings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from kb.api.app import create_app

        return create_app
    if name == "ApiSettings":
        from kb.api.settings import ApiSettings

        return ApiSettings
    raise AttributeError(f"module 'kb.api' has no attribute {name!r}")
