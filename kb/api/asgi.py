"""The application for production servers, configured from environment variables.

    KB_ROOT=/srv/kb gunicorn -w 2 -k uvicorn_worker.UvicornWorker 'kb.api.asgi:app'

See ``kb.api.settings`` for the variables (KB_CORS_ORIGINS, KB_TIME_LIMIT, …).
"""

from __future__ import annotations

import os
from pathlib import Path

from kb.api.app import create_app
from kb.api.settings import ApiSettings
from kb.config import Project


def app_from_env():
    project = Project(Path(os.environ.get("KB_ROOT", ".")).resolve())
    return create_app(project, ApiSettings.for_project(project))


app = app_from_env()
