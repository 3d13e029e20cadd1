"""Theme files no page uses, removed from the built site.

Material copies its search engine (lunr with its language packs, ~1.3 MB, and the search
worker) into every site, whether its search plugin runs or not. The site's search is kb's own
(``kb-search.js`` and ``sok-index/``), so they are dead weight for a static host to serve and
for an audit to wonder about.
"""

from __future__ import annotations

import shutil
from pathlib import Path

UNUSED = ("assets/javascripts/lunr", "assets/javascripts/workers")


def remove_unused_theme_files(site: Path) -> None:
    for rel in UNUSED:
        path = site / rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
