"""The 404 page, made to work at any address under any sub-path.

A static host answers every missing address with ``404.html`` (nginx ``error_page 404``), so
the page is shown at ``/kunskapsbank/dok/gammalt-id/`` as well as at ``/finns-inte``. MkDocs
writes its links root-absolute from ``site_url`` ("/assets/…"), which breaks as soon as the
site is served under another path than ``site_url`` says. Here they become relative, and a
``<base href>`` first in ``<head>`` points at the path of ``site_url`` (so the browser's
preloading fetches the right files when it is set), and a script moves it to the site's root
as found from the address: the path before the first of the site's own top folders (``dok/``,
``sok/``, …), else the path of ``site_url``.
"""

from __future__ import annotations

import html as html_module
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

NOT_FOUND = "404.html"
TOP_FOLDERS = ("dok", "sok", "sok-index", "teman", "typ", "utgivare", "assets")

_BASE_SCRIPT = """<base href="%(configured_attr)s"><script>(function () {
  var configured = %(configured)s, top = %(top)s, parts = location.pathname.split("/"), root = configured;
  for (var i = 1; i < parts.length; i++) {
    if (top.indexOf(parts[i]) >= 0) { root = parts.slice(0, i).join("/") + "/"; break; }
  }
  if (root !== configured) document.querySelector("base").href = root;
})();</script>"""


def base_path(site_url: str) -> str:
    path = urlsplit(site_url).path or "/"
    return path if path.endswith("/") else path + "/"


def relocatable(html: str, site_url: str) -> str:
    """``html`` with its site links relative and the ``<base>`` script first in ``<head>``."""
    prefix = base_path(site_url)
    html = re.sub(r'(\s(?:href|src))="' + re.escape(prefix) + '"', r'\1="."', html)  # the root itself
    html = re.sub(r'(\s(?:href|src))="' + re.escape(prefix), r'\1="', html)
    for configured_base in {prefix, prefix.rstrip("/") or "/"}:  # the theme's config, either spelling
        html = html.replace(f'"base": "{configured_base}"', '"base": "."', 1)
    script = _BASE_SCRIPT % {
        "configured": json.dumps(prefix),
        "configured_attr": html_module.escape(prefix),
        "top": json.dumps(list(TOP_FOLDERS)),
    }
    return re.sub(r"<head>", lambda m: m.group(0) + "\n" + script, html, count=1)


def fix_not_found_page(site: Path, site_url: str) -> None:
    """Rewrite ``site/404.html`` as a new file (never through a hard link to another site)."""
    import os

    page = site / NOT_FOUND
    if page.is_file():
        tmp = page.with_name(NOT_FOUND + ".tmp")
        tmp.write_text(relocatable(page.read_text(encoding="utf-8"), site_url), encoding="utf-8")
        os.replace(tmp, page)
