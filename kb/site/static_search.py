"""The static search index, used by the search page when no search API answers.

First version: Pagefind over the built HTML (one result per page, sub-results per section).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kb.model import Document


class StaticSearchError(Exception):
    pass


def static_search_files(documents: list[Document]) -> dict[str, bytes | str]:
    return {}


def build_static_search(site: Path, documents: list[Document]) -> None:
    cmd = [
        sys.executable, "-m", "pagefind", "--site", str(site), "--silent",
        "--root-selector", "article",
        "--exclude-selectors", ".kb-meta, .kb-related, .headerlink",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise StaticSearchError("Pagefind failed: " + (proc.stderr or proc.stdout)[-2000:])
