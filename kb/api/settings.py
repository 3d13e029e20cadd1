"""API settings: defaults that are safe on an intranet, overridable from the environment.

Environment variables (read by ``ApiSettings.from_env``, used by ``kb.api.asgi:app``):

==================== ============================================================== =========
variable             meaning                                                        default
==================== ============================================================== =========
KB_ROOT              project folder (holds build/index and site/)                   ``.``
KB_CORS_ORIGINS      origins allowed to call the API from a browser, comma-separated none
KB_TIME_LIMIT        seconds Whoosh may spend collecting hits for one query         0.5
KB_REQUEST_TIMEOUT   hard bound in seconds on one search response (then timed_out)  2.0
KB_SEARCH_THREADS    searches computed at once per worker process (others queue)    2
KB_CACHE_SIZE        search responses kept per worker (LRU, per index version)      1024
KB_CACHE_MAX_AGE     ``Cache-Control: max-age`` in seconds (0: always revalidate)   0
KB_SERVE_SITE        ``0`` to serve only the API, not site/                         1
KB_SITE_URL          base of the page URLs in API answers (``kb serve`` sets it when   mkdocs.yml
                     mkdocs.yml names a local address on another port)              site_url
KB_QUERY_LOG         ``0`` to keep no count of searches (``kb report``)             kb.yml
KB_ENGINE            ``whoosh`` or a PostgreSQL URL (docs/postgresql.md)             kb.yml
==================== ============================================================== =========

``ApiSettings.for_project`` starts from the folder's ``kb.yml`` (``api:`` and ``query_log``)
and lets these variables override it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kb.project_settings import ApiOptions


def _flag(value: str) -> bool:
    return value.strip().lower() not in ("0", "false", "no", "off", "")


def _split_origins(value: str) -> tuple[str, ...]:
    return tuple(o.strip().rstrip("/") for o in value.replace(" ", ",").split(",") if o.strip())


_DEFAULTS = ApiOptions()


@dataclass(frozen=True)
class ApiSettings:
    # the defaults of kb.yml's ``api:`` section (one place: kb.project_settings.ApiOptions)
    cors_origins: tuple[str, ...] = _DEFAULTS.cors_origins
    time_limit: float = _DEFAULTS.time_limit
    request_timeout: float = _DEFAULTS.request_timeout
    search_threads: int = _DEFAULTS.search_threads
    cache_size: int = _DEFAULTS.cache_size
    cache_max_age: int = _DEFAULTS.cache_max_age
    serve_site: bool = True
    site_dir: Path | None = None  # default: the project's site/
    warm_up: bool = True  # run one query at startup so the first user does not wait
    site_url: str | None = None  # default: mkdocs.yml's site_url
    query_log: bool = False  # count searches in build/queries.sqlite (on in `kb serve` unless kb.yml says no)
    engine: str | None = None  # a PostgreSQL URL: search that database (kb.engine.postgres), not build/index

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, base: ApiSettings | None = None) -> ApiSettings:
        env = os.environ if environ is None else environ
        base = base or cls()
        return cls(
            cors_origins=_split_origins(env["KB_CORS_ORIGINS"]) if "KB_CORS_ORIGINS" in env else base.cors_origins,
            time_limit=float(env.get("KB_TIME_LIMIT", base.time_limit)),
            request_timeout=float(env.get("KB_REQUEST_TIMEOUT", base.request_timeout)),
            search_threads=max(1, int(env.get("KB_SEARCH_THREADS", base.search_threads))),
            cache_size=int(env.get("KB_CACHE_SIZE", base.cache_size)),
            cache_max_age=int(env.get("KB_CACHE_MAX_AGE", base.cache_max_age)),
            serve_site=env.get("KB_SERVE_SITE", "1") not in ("0", "false", "no"),
            site_url=env.get("KB_SITE_URL") or None,
            query_log=_flag(env["KB_QUERY_LOG"]) if "KB_QUERY_LOG" in env else base.query_log,
            engine=env.get("KB_ENGINE") or base.engine,
        )

    @classmethod
    def for_project(cls, project, environ: dict[str, str] | None = None) -> ApiSettings:
        """The folder's ``kb.yml``, then the environment variables above."""
        kb_settings = project.settings()
        api = kb_settings.api
        base = cls(
            cors_origins=api.cors_origins,
            time_limit=api.time_limit,
            request_timeout=api.request_timeout,
            search_threads=max(1, api.search_threads),
            cache_size=api.cache_size,
            cache_max_age=api.cache_max_age,
            query_log=kb_settings.query_log,
            engine=kb_settings.engine or None,
        )
        return cls.from_env(environ, base)

    @property
    def cache_control(self) -> str:
        if self.cache_max_age <= 0:
            return "public, no-cache"  # may be stored, but revalidated (ETag) on every use
        return f"public, max-age={self.cache_max_age}"
