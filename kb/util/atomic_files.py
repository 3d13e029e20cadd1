"""Replace a file in one step: write a temporary file beside it, then rename it over the file.

Readers (another build, the API, MkDocs) see the old file or the new one, never a part, because
``os.replace`` within one folder (one filesystem) is atomic. The temporary name is the file's
name plus ``.tmp<PID>``, so a leftover of a killed process can be told from a live writer's
(``kb.indexing.build`` removes the dead ones from its document cache). A write that raises removes its
temporary file and leaves the previous file as it was.

No ``fsync``: this guards against concurrent readers and killed processes, not power loss, and
the document cache writes a file per source, where a sync each would cost more than a rebuild.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path


def temporary_name(path: Path, *, hidden: bool = False) -> Path:
    """This process's temporary name beside ``path``; ``hidden`` puts a dot in front, for folders
    whose readers skip dot files (MkDocs ignores them in its docs folder)."""
    return path.with_name(f"{'.' if hidden else ''}{path.name}.tmp{os.getpid()}")


def replace_atomically(
    path: Path, write: Callable[[Path], object], *, hidden: bool = False, parents: bool = False
) -> None:
    """Call ``write(tmp)`` to make the new file at a temporary name, then rename it over ``path``.

    For writers that stream or open the file themselves (pickle, marisa-trie). ``parents`` makes
    missing parent folders first. If ``write`` (or the rename) raises, the temporary file is
    removed and the exception goes on; ``path`` is untouched.
    """
    if parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_name(path, hidden=hidden)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:  # Ctrl-C in the middle of a write must not leave the part behind either
        with contextlib.suppress(OSError):  # the write's own error is the one to report
            tmp.unlink(missing_ok=True)
        raise


def write_atomically(
    path: Path, data: bytes | str, *, hidden: bool = False, parents: bool = False, encoding: str = "utf-8"
) -> None:
    """Replace ``path`` with ``data`` (a ``str`` is encoded with ``encoding``, newlines as given)."""
    content = data.encode(encoding) if isinstance(data, str) else data
    replace_atomically(path, lambda tmp: tmp.write_bytes(content), hidden=hidden, parents=parents)
