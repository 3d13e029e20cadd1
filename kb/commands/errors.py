"""Exit codes of every ``kb`` command, and the one place that turns failures into a message and a code.

Each code means one thing, so scripts and CI can tell cases apart (docs/cli.md has the table):

==  ====================================================================================
0   success
1   nothing found: ``kb search`` ran but had no hit (a filter may have matched nothing)
2   usage error: unknown option, bad value, empty query (click's own code)
3   no index yet: run ``kb build`` first
4   the build, ingest or fetch failed, another build is running, or ``--strict`` found skipped sources
5   ``kb eval`` ran but missed its ``--min-ndcg`` goal
6   not a knowledge base: no ``sources/`` folder, or ``mkdocs.yml``/``kb.yml`` cannot be used
7   permission denied or read-only: kb could not write (or read) a file it needs
8   the server could not start: the port is in use or the address cannot be bound
130 interrupted (Ctrl-C); nothing already built is changed
==  ====================================================================================

``KbGroup`` wraps every command, so an error of a known kind never shows a traceback;
new commands raise ``KbFailure(code, message)`` or let the known exceptions through.
"""

from __future__ import annotations

import errno
import sys

import click

EXIT_NO_HITS = 1
EXIT_USAGE = 2
EXIT_NO_INDEX = 3
EXIT_BUILD = 4
EXIT_EVAL = 5
EXIT_NOT_A_KB = 6
EXIT_PERMISSION = 7
EXIT_SERVER = 8
EXIT_INTERRUPTED = 130

PERMISSION_ERRNOS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


class KbFailure(click.ClickException):
    """A failure with its exit code; click prints ``Error: <message>`` on stderr."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.exit_code = code


def describe(exc: BaseException) -> KbFailure | None:
    """The message and exit code for an exception of a known kind, else None."""
    from kb.config import ConfigError

    if isinstance(exc, KbFailure):
        return exc
    if isinstance(exc, ConfigError):
        return KbFailure(EXIT_NOT_A_KB, str(exc))
    if isinstance(exc, OSError) and exc.errno in PERMISSION_ERRNOS:
        where = f" {exc.filename}" if exc.filename else ""
        reason = "the file system is read-only" if exc.errno == errno.EROFS else "permission denied"
        return KbFailure(
            EXIT_PERMISSION,
            f"cannot write{where}: {reason}. Run kb as a user who may write the knowledge base folder, "
            "or pass --root with a writable copy. Nothing already built was changed.",
        )
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return KbFailure(EXIT_SERVER, "the port is already in use: stop the other server or pass another --port")
    module = type(exc).__module__
    name = type(exc).__name__
    if module.startswith("kb.") and name in ("BuildError", "BuildLocked", "SiteBuildError"):
        return KbFailure(EXIT_BUILD, str(exc))
    if module.startswith("kb.") and name == "IndexMissing":
        return KbFailure(EXIT_NO_INDEX, "there is no index yet. Run `kb build` first.")
    return None


class KbGroup(click.Group):
    """The ``kb`` group: known failures become a one-line message and their exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("\nInterrupted: the previous index and site are unchanged.", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - only known kinds are translated
            failure = describe(exc)
            if failure is None:
                raise
            raise failure from None


def require_knowledge_base(project) -> None:
    """Exit 6 with a hint when ``project`` has no ``sources/`` folder."""
    if not project.sources.is_dir():
        raise KbFailure(
            EXIT_NOT_A_KB,
            f"No sources/ folder in {project.root}: not a knowledge base folder. "
            "Run kb inside one, pass --root, or make one with `kb init DIR`.",
        )


# One --root for every command: the knowledge base folder (sources/, mkdocs.yml, kb.yml, build/, site/).
root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="Knowledge base folder: sources/, kb.yml, build/, site/ (default: the current folder).",
)
