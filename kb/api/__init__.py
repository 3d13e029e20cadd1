"""The HTTP API and static site server (``kb serve``): FastAPI over ``kb.search.Searcher``.

``create_app(project, settings)`` builds the application; ``kb.api.asgi:app`` is the same
application configured from environment variables, for gunicorn/uvicorn in production.
"""

from kb.api.app import create_app
from kb.api.settings import ApiSettings

__all__ = ["ApiSettings", "create_app"]
