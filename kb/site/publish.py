"""Build the HTML with MkDocs into a folder next to ``site/`` and swap it in atomically.

A build that fails or is killed leaves the previous ``site/`` serving untouched: the new site
is built in ``site.new-<pid>`` and exchanged with ``site/`` in one ``renameat2(RENAME_EXCHANGE)``
(on Linux; elsewhere two renames in quick succession).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from kb.config import Project
from kb.processes import process_alive


class SiteBuildError(Exception):
    """MkDocs refused the generated pages; the message holds its warnings."""


def staging_dir(project: Project) -> Path:
    return project.site_dir.with_name(project.site_dir.name + f".new-{os.getpid()}")


def clean_stale_staging(project: Project) -> None:
    """Remove staging folders left by killed builds (their process is gone)."""
    for path in project.site_dir.parent.glob(project.site_dir.name + ".new-*"):
        pid = path.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
    for path in project.site_dir.parent.glob(project.site_dir.name + ".old-*"):
        shutil.rmtree(path, ignore_errors=True)


def mkdocs_build(project: Project, out_dir: Path, strict: bool = True) -> None:
    """``mkdocs build --strict`` with the project's ``mkdocs.yml`` into ``out_dir``."""
    cmd = [sys.executable, "-m", "mkdocs", "build", "--quiet", "--clean",
           "--config-file", str(project.mkdocs_yml), "--site-dir", str(out_dir)]
    if strict:
        cmd.append("--strict")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONWARNINGS="ignore")
    proc = subprocess.run(cmd, cwd=project.root, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
        raise SiteBuildError("MkDocs could not build the site:\n" + "\n".join(lines[-40:]))


def swap_into_place(new_dir: Path, site_dir: Path) -> None:
    """Make ``new_dir`` the live ``site_dir`` atomically, then delete the old site."""
    if site_dir.exists() and _exchange(new_dir, site_dir):
        shutil.rmtree(new_dir, ignore_errors=True)  # now holds the previous site
        return
    old = site_dir.with_name(site_dir.name + f".old-{os.getpid()}")
    if site_dir.exists():
        os.rename(site_dir, old)
    os.rename(new_dir, site_dir)
    shutil.rmtree(old, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def count_pages(site: Path) -> int:
    return sum(1 for _ in site.rglob("*.html"))
