"""``kb init``: the click command over ``kb.init_project`` (registered in ``kb.cli``)."""

from __future__ import annotations

from pathlib import Path

import click

from kb.commands.errors import EXIT_USAGE, KbFailure
from kb.config import DEFAULT_SITE_URL
from kb.ingest import accepted_formats


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", "site_name", default="Kunskapsbank", show_default=True, help="Site name (mkdocs.yml).")
@click.option(
    "--site-url",
    default=DEFAULT_SITE_URL,
    show_default=True,
    help="Where the site is served, with its sub-path, e.g. https://intranat.example.se/kunskapsbank/.",
)
@click.option("--language", default="sv", show_default=True, help="Language of the site's interface.")
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    help="Let pages from this origin call the API, e.g. https://intranat.example.se (repeatable).",
)
@click.option("--publisher", default="", help="Publisher of every source that names none (kb.yml's default_publisher).")
def init(
    folder: Path, site_name: str, site_url: str, language: str, cors_origins: tuple[str, ...], publisher: str
) -> None:
    """Make FOLDER a knowledge base of your own: sources/, mkdocs.yml, kb.yml, README.md.

    Nothing of kb's code is copied: theme and templates come from the installed package,
    so upgrading kb never conflicts with your files. An existing knowledge base is never
    overwritten.

    \b
    Examples:
      kb init kunskapsbank
      kb init /srv/kunskapsbank --name "Kommunens kunskapsbank" \\
          --site-url https://intranat.example.se/kunskapsbank/ --publisher "Vaxholms stad"
    """
    from kb.init_project import InitError, InitOptions, init_project

    options = InitOptions(
        site_name=site_name, site_url=site_url, language=language, cors_origins=cors_origins, publisher=publisher
    )
    try:
        init_project(folder, options)
    except InitError as e:
        raise KbFailure(EXIT_USAGE, str(e)) from None
    formats = accepted_formats()
    click.echo(f"Made a knowledge base in {folder}:")
    click.echo(f"  sources/     your documents ({formats}), in subfolders if you like")
    click.echo("  mkdocs.yml   site name, address and language")
    click.echo("  kb.yml       API, query log and review settings")
    click.echo(f"Next: put documents into {folder / 'sources'}/ (or add one with `kb ingest FILE --root {folder}`),")
    click.echo(f"then: kb build --root {folder} && kb serve --root {folder}")
