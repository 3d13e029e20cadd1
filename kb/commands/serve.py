"""``kb serve``: the site and the search API in one process (register with ``main.add_command(serve)``)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import click

from kb.commands.errors import root_option

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def served_site_url(site_url: str, host: str, port: int) -> str | None:
    """The page address the API should link to when mkdocs.yml's ``site_url`` is a local
    address on another port than the one served (``kb serve --port 8766`` with the default
    ``http://127.0.0.1:8000/``): the same path on the served port. None when ``site_url``
    stands as it is: the served address already, or a public one (a proxy in front)."""
    parts = urlsplit(site_url)
    if parts.hostname not in LOCAL_HOSTS or (parts.port or (443 if parts.scheme == "https" else 80)) == port:
        return None
    name = host if host in LOCAL_HOSTS else parts.hostname
    name = f"[{name.strip('[]')}]" if ":" in name else name
    return f"{parts.scheme}://{name}:{port}{parts.path or '/'}"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@root_option
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    help="Let pages from this origin call the API, e.g. https://intranet.example.se (repeatable).",
)
@click.option("--reload", is_flag=True, help="Restart on code changes (development only).")
@click.option(
    "--engine",
    metavar="ENGINE",
    default=None,
    help="whoosh (build/index) or a PostgreSQL URL such as postgresql://kb@db.example.se/kb, "
    "shared by many servers. Default: KB_ENGINE, then kb.yml's engine.",
)
def serve(
    host: str, port: int, root: str | None, cors_origins: tuple[str, ...], reload: bool, engine: str | None
) -> None:
    """Serve site/ and the search API (http://127.0.0.1:8000/, docs at /api/docs).

    A new index from `kb build` is picked up without restarting. Settings come from kb.yml
    (api:, query_log:) and KB_* variables. For production behind nginx, see docs/deploy.md.

    \b
    Examples:
      kb serve
      kb serve --port 8001 --root /srv/kunskapsbank
      kb serve --host 0.0.0.0 --cors-origin https://intranat.example.se
      kb serve --engine postgresql://kb@db.example.se/kb
    """
    import uvicorn

    from kb.commands.errors import EXIT_SERVER, KbFailure

    root_path = Path(root or ".").resolve()
    problem = port_problem(host, port)
    if problem:
        raise KbFailure(EXIT_SERVER, problem)
    from kb.config import Project
    from kb.engine import project_engine

    try:
        url = project_engine(Project(root_path), engine)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--engine") from None
    if url:
        os.environ["KB_ENGINE"] = url
    elif not (root_path / "build" / "index" / "current").exists():
        click.echo("Note: no index yet; run `kb build` (the server picks it up without a restart).", err=True)
    os.environ["KB_ROOT"] = str(root_path)
    if cors_origins:
        os.environ["KB_CORS_ORIGINS"] = ",".join(cors_origins)

    configured, _ = Project(root_path).site_settings()
    links = served_site_url(configured, host, port)
    if links:
        os.environ["KB_SITE_URL"] = links
        click.echo(f"Links in API answers: {links} (mkdocs.yml's site_url {configured} is another port)", err=True)
    click.echo(f"Serving {root_path} on http://{host}:{port}/  (API docs: /api/docs)", err=True)
    if reload:
        uvicorn.run(
            "kb.api.asgi:app_from_env",
            factory=True,
            host=host,
            port=port,
            reload=True,
            reload_dirs=[str(Path(__file__).resolve().parents[1])],
        )
        return
    from kb.api.app import create_app
    from kb.api.settings import ApiSettings

    project = Project(root_path)
    settings = ApiSettings.for_project(project)
    if settings.query_log:
        click.echo(f"Counting searches (text and counts only) in {project.query_log}; "
                   "query_log: false in kb.yml turns it off.", err=True)
    try:
        uvicorn.run(create_app(project, settings), host=host, port=port)
    except SystemExit as e:  # uvicorn exits 3 when it cannot start (the port taken in between)
        if e.code not in (0, None):
            message = f"the server could not start on {host}:{port} (see the message above)"
            raise KbFailure(EXIT_SERVER, message) from None
        raise


def port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (in use, unknown address), or None."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"cannot listen on {host!r}: no such address; use e.g. --host 127.0.0.1"
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            sock.bind(address)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                return (
                    f"port {port} on {host} is already in use: "
                    f"stop the other server or choose another, e.g. --port {port + 1}"
                )
            if e.errno in (errno.EACCES, errno.EPERM):
                return f"not allowed to listen on port {port}: ports below 1024 need privileges; use e.g. --port 8000"
            return f"cannot listen on {host}:{port}: {e.strerror or e}"
    return None
