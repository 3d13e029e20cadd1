"""Adding files and folders to ``sources/`` (``kb ingest``), with the build's own rules.

A file is copied only if the build would index it: the same suffix test (``supported``), the
same parser (``ingest``), with the metadata of its sidecar. A file already in ``sources/`` under
the same name is never replaced by a different one unless the caller says so (``force``): the
copy there may be the one a maintainer edited. Copies are atomic, so a build running meanwhile
sees the old file or the new one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..util.atomic_files import write_atomically
from .base import SkipSource, SourceFile
from .discover import _meta_for, printable, supported, unsupported_reason, walk
from .meta import MANIFEST, SIDECAR_SUFFIXES


@dataclass
class Added:
    """What happened to one given file: ``status`` is "added", "replaced", "unchanged" (the same
    file is there already) or "refused" (``reason`` says why; nothing was written)."""

    given: str  # the path as the caller gave it (a file inside a given folder: that path)
    rel: str  # its name under sources/, e.g. "local/riktlinjer/möbler.md"
    status: str
    reason: str = ""
    title: str = ""
    sections: int = 0

    @property
    def ok(self) -> bool:
        return self.status != "refused"


def check_into(into: str) -> str:
    """``into`` as a relative folder inside ``sources/``, or ValueError."""
    parts = PurePosixPath(into.replace("\\", "/")).parts
    if not parts or into.startswith("/") or any(p in ("..", ".") or p.startswith(".") for p in parts):
        raise ValueError("must be a folder inside sources/, e.g. 'local' or 'kommun/riktlinjer'")
    return "/".join(parts)


def add_sources(sources: Path, paths: list[Path], into: str = "local", force: bool = False) -> list[Added]:
    """Copy each file (and each source inside each folder) into ``sources/<into>/`` if kb can
    index it; a folder keeps its name and inner layout. One ``Added`` per file, in order."""
    into = check_into(into)
    outcomes: list[Added] = []
    for path in paths:
        if path.is_dir():
            outcomes.extend(_add_folder(sources, path, f"{into}/{path.resolve().name}", force))
        else:
            meta, sidecars = _sidecar_meta(path)
            outcomes.append(_add_file(sources, path, f"{into}/{path.name}", meta, sidecars, force, str(path)))
    return outcomes


def _add_folder(sources: Path, folder: Path, rel_root: str, force: bool) -> list[Added]:
    """Every file under ``folder``: the sources kb reads are added, the rest reported."""
    from .discover import source_file

    found, skips = walk(folder)
    outcomes = [Added(str(folder / rel), f"{rel_root}/{rel}", "refused", reason) for rel, reason in skips]
    added = 0
    for f in found:
        source = source_file(f)
        outcome = _add_file(
            sources, Path(f.path), f"{rel_root}/{f.rel}", source.meta, f.sidecars, force, str(folder / f.rel)
        )
        outcomes.append(outcome)
        added += outcome.ok
    if added:  # the folder's manifests hold metadata of what was added: they come along
        outcomes.extend(_add_manifests(sources, folder, rel_root, force))
    outcomes.sort(key=lambda a: a.rel)
    return outcomes


def _add_manifests(sources: Path, folder: Path, rel_root: str, force: bool) -> list[Added]:
    """Copy each ``MANIFEST.tsv`` under ``folder`` to the same place under ``rel_root``."""
    outcomes = []
    for dirpath, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if MANIFEST not in files:
            continue
        path = Path(dirpath) / MANIFEST
        rel = printable(f"{rel_root}/{path.relative_to(folder).as_posix()}")
        content, target = path.read_bytes(), sources / rel
        if not _differs(target, content):
            outcomes.append(Added(str(path), rel, "unchanged", title="metadata"))
        elif target.exists() and not force:
            outcomes.append(
                Added(str(path), rel, "refused", f"sources/{rel} exists with other content; --force replaces it")
            )
        else:
            status = "replaced" if target.exists() else "added"
            write_atomically(target, content, hidden=True, parents=True)
            outcomes.append(Added(str(path), rel, status, title="metadata"))
    return outcomes


def _sidecar_meta(path: Path) -> tuple[dict, tuple[str, ...]]:
    """A single file's sidecar metadata (``NAME.EXT.meta.yml`` beside it), as a build reads it."""
    beside = (path.with_name(path.name + suffix) for suffix in SIDECAR_SUFFIXES)
    sidecars = tuple(str(sidecar) for sidecar in beside if sidecar.is_file())
    return _meta_for(path.name, (), sidecars), sidecars


def _add_file(
    sources: Path, path: Path, rel: str, meta: dict, sidecars: tuple[str, ...], force: bool, given: str
) -> Added:
    from . import ingest, read_source

    rel = printable(rel)
    if not supported(path.name):
        return Added(given, rel, "refused", unsupported_reason(path.name))
    try:
        docs = ingest(SourceFile(path=path.resolve(), rel=rel, meta=meta))
        data = read_source(path)
    except SkipSource as e:
        return Added(given, rel, "refused", e.reason)
    except Exception as e:  # noqa: BLE001 - any parser failure is this file's problem, reported
        return Added(given, rel, "refused", f"could not be parsed ({type(e).__name__})")
    title, sections = docs[0].title, sum(len(d.sections) for d in docs)
    copies = [(sources / rel, data)]
    for sidecar in sidecars:
        copies.append((sources / (rel + sidecar[len(str(path)) :]), Path(sidecar).read_bytes()))
    differing = [target for target, content in copies if _differs(target, content)]
    if not differing:
        return Added(given, rel, "unchanged", title=title, sections=sections)
    target = sources / rel
    taken = [t for t in differing if t.exists() or t.is_symlink()]
    if taken and not force:
        shown = ", ".join("sources/" + printable(os.path.relpath(t, sources)) for t in taken)
        return Added(given, rel, "refused", f"{shown} exists with other content; --force replaces it")
    if target.is_dir():
        return Added(given, rel, "refused", f"sources/{rel} is a folder")
    for copy_to, content in copies:
        write_atomically(copy_to, content, hidden=True, parents=True)
    return Added(given, rel, "replaced" if taken else "added", title=title, sections=sections)


def _differs(target: Path, content: bytes) -> bool:
    """True unless ``target`` is a regular file holding exactly ``content``."""
    try:
        if not target.is_file() or target.stat().st_size != len(content):
            return True
        return target.read_bytes() != content
    except OSError:
        return True
