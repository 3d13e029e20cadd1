"""Build the HTML with MkDocs into a folder next to ``site/`` and swap it in atomically.

A build that fails or is killed leaves the previous ``site/`` serving untouched: the new site
is built in ``site.new-<pid>`` and exchanged with ``site/`` in one ``renameat2(RENAME_EXCHANGE)``
(on Linux; elsewhere two renames in quick succession).
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from kb.config import Project
from kb.site.mkdocs_run import EXIT_PREVIOUS_INCOMPLETE
from kb.util.processes import libc_function, process_alive


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


class PreviousSiteIncomplete(Exception):
    """A partial build found a page missing from the previous site; a full build is needed."""


def mkdocs_build(
    project: Project, out_dir: Path, strict: bool = True, only: list[str] | None = None, previous: Path | None = None
) -> None:
    """Build with the project's ``mkdocs.yml`` (over the package defaults) into ``out_dir`` (strict: any warning fails).

    ``only``: render just these docs-relative Markdown pages and take every other page from
    the ``previous`` site (see ``kb.site.mkdocs_run``). MkDocs runs in a child process, so a
    build can be killed as a whole and MkDocs' global state never leaks into ``kb``.
    """
    from kb.site.mkdocs_config import write_effective_config

    cmd = [sys.executable, "-m", "kb.site.mkdocs_run",
           "--config-file", str(write_effective_config(project)), "--site-dir", str(out_dir)]
    if strict:
        cmd.append("--strict")
    if only is not None:
        if previous is None:
            raise ValueError("a partial build needs the previous site")
        cmd += ["--only", "-", "--previous", str(previous)]
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONWARNINGS="ignore")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]), env.get("PYTHONPATH")]))
    pages = json.dumps(sorted(only)) if only is not None else None
    proc = subprocess.run(cmd, cwd=project.root, env=env, input=pages, capture_output=True, text=True)
    if proc.returncode == EXIT_PREVIOUS_INCOMPLETE:
        raise PreviousSiteIncomplete(proc.stderr.strip())
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr + proc.stdout).splitlines() if ln.strip()]
        raise SiteBuildError("MkDocs could not build the site:\n" + "\n".join(lines[-40:]))


def swap_into_place(new_dir: Path, site_dir: Path, background_cleanup: bool = False) -> None:
    """Make ``new_dir`` the live ``site_dir`` atomically, then delete the old site.

    ``background_cleanup``: the old site is renamed to ``site.old-*`` and deleted by a detached
    child process, so ``kb build`` need not wait for it (removing the ~300 page folders took
    about 2 s on an ext4 disk mounted with ``discard``). Whatever it leaves is removed by the
    next build (``clean_stale_staging``).
    """
    old = site_dir.with_name(site_dir.name + f".old-{os.getpid()}-{time.monotonic_ns()}")
    if site_dir.exists() and _exchange(new_dir, site_dir):
        os.rename(new_dir, old)  # now holds the previous site
    else:
        if site_dir.exists():
            os.rename(site_dir, old)
        os.rename(new_dir, site_dir)
    if old.exists():
        if not (background_cleanup and _remove_in_background(old)):
            shutil.rmtree(old, ignore_errors=True)


def _remove_in_background(path: Path) -> bool:
    try:
        subprocess.Popen(
            [sys.executable, "-c", "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)", str(path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, close_fds=True,
        )
    except OSError:
        return False
    return True


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    rc = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def _renameat2():
    """libc's renameat2, or None."""
    func = libc_function("renameat2")
    if func is not None:
        func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return func


def count_pages(site: Path) -> int:
    return sum(1 for _ in site.rglob("*.html"))
