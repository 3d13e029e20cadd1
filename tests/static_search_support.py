"""Running the site's static search (``kb-search.js``) in Node over a static index built in a test."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from site_support import ensure_browser_tools

from benchmarks.static_search_quality import SCRIPT, node_loader
from kb.model import Block, Document, Section
from kb.site.static_index import build_static_index

NODE = Path("/usr/bin/node")


def leaflets(texts: dict[str, str]) -> list[Document]:
    """One one-section guidance document per text, named by its key ("guide/<key>")."""
    return [
        Document(id=f"guide/{name}", title=f"Blad {name}", source=f"guide/{name}.md",
                 sections=[Section("text", [f"Blad {name}"], [Block("p", text)])], meta={"type": "vägledning"})
        for name, text in texts.items()
    ]


def write_static_index(root: Path, documents: list[Document]) -> Path:
    """The static index of ``documents`` written under ``root``; its ``sok-index`` folder."""
    ensure_browser_tools(NODE)
    for rel, text in build_static_index(documents).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "sok-index"


def run_node(index_dir: Path, body: str, data) -> object:
    """Run ``body`` (a function of ``KB``, ``meta`` and ``data`` returning a value or a promise) in Node
    with kb-search.js loaded over the static index in ``index_dir``; its JSON result."""
    program = node_loader(index_dir, SCRIPT) + f"""
const KB = window.KB;
KB.siteUrl = (p) => p;
KB.docUrl = (id, anchor) => "dok/" + id + "/" + (anchor ? "#" + anchor : "");
const meta = JSON.parse(fs.readFileSync({json.dumps(str(index_dir / "meta.json"))}, "utf8"));
const data = JSON.parse(fs.readFileSync(0, "utf8"));
Promise.resolve((function (KB, meta, data) {{ {body} }})(KB, meta, data))
  .then((out) => process.stdout.write(JSON.stringify(out)));
"""
    done = subprocess.run([str(NODE), "-e", program], input=json.dumps(data), capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def search_ids(index_dir: Path, query: str, limit: int = 10) -> list[str]:
    """The document ids of the static search's hits for ``query``."""
    got = run_node(index_dir, f"return KB.staticSearch(data, {limit});", query)
    return [h["doc_id"] for h in got["hits"]]
