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
==================== ============================================================== =========
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _split_origins(value: str) -> tuple[str, ...]:
    return tuple(o.strip().rstrip("/") for o in value.replace(" ", ",").split(",") if o.strip())


@dataclass(frozen=True)
class ApiSettings:
    cors_origins: tuple[str, ...] = ()
    time_limit: float = 0.5
    request_timeout: float = 2.0
    search_threads: int = 2
    cache_size: int = 1024
    cache_max_age: int = 0
    serve_site: bool = True
    site_dir: Path | None = None  # default: the project's site/
    warm_up: bool = True  # run one query at startup so the first user does not wait
    site_url: str | None = None  # default: mkdocs.yml's site_url

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> ApiSettings:
        env = os.environ if environ is None else environ
        return cls(
            cors_origins=_split_origins(env.get("KB_CORS_ORIGINS", "")),
            time_limit=float(env.get("KB_TIME_LIMIT", cls.time_limit)),
            request_timeout=float(env.get("KB_REQUEST_TIMEOUT", cls.request_timeout)),
            search_threads=max(1, int(env.get("KB_SEARCH_THREADS", cls.search_threads))),
            cache_size=int(env.get("KB_CACHE_SIZE", cls.cache_size)),
            cache_max_age=int(env.get("KB_CACHE_MAX_AGE", cls.cache_max_age)),
            serve_site=env.get("KB_SERVE_SITE", "1") not in ("0", "false", "no"),
            site_url=env.get("KB_SITE_URL") or None,
        )

    @property
    def cache_control(self) -> str:
        if self.cache_max_age <= 0:
            return "public, no-cache"  # may be stored, but revalidated (ETag) on every use
        return f"public, max-age={self.cache_max_age}"
