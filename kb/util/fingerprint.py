"""One fingerprint of kb's code and of the dependencies that shape what a build writes.

Every cache a build keeps (parsed documents, the index version, the site's word memo and
related-documents lists, the generated pages) is valid only for the code that made it. One
hash over the whole package, not a hand-kept list of modules per cache, means no edit can be
missed: a change anywhere in ``kb/`` (Python, C, data, templates) makes the next build redo
its work. The installed versions of the libraries whose behaviour lands in the index (Whoosh's
file format, simplemma's lemmas, marisa-trie's tries, numpy's arithmetic) count as code too.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from importlib import metadata
from pathlib import Path

KB_PACKAGE = Path(__file__).resolve().parents[1]
SHAPING_DISTRIBUTIONS = ("whoosh3", "simplemma", "marisa-trie", "numpy")
_SKIPPED_SUFFIXES = (".pyc", ".so", ".pyd")


def package_files() -> list[Path]:
    """Every source and data file of the installed ``kb`` package, in a stable order."""
    return sorted(
        p
        for p in KB_PACKAGE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(_SKIPPED_SUFFIXES)
    )


def dependency_versions() -> str:
    parts = []
    for dist in SHAPING_DISTRIBUTIONS:
        try:
            parts.append(f"{dist}={metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{dist}=")
    return ";".join(parts)


@functools.cache
def code_fingerprint() -> str:
    """Hash of every file of the package, the shaping libraries' versions and Python's version."""
    h = hashlib.sha256(f"{sys.version_info[:2]};{dependency_versions()}".encode())
    for path in package_files():
        h.update(path.relative_to(KB_PACKAGE).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:24]
