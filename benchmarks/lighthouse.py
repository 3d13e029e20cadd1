"""Lighthouse scores of the site: start page, search page in static mode, a document page.

Runs npm's Lighthouse (pinned in scripts/browser-tools/, installed by scripts/setup-browser.sh)
with Debian's Chromium, mobile and desktop, on a built ``site/`` served as a static host
would serve it (the ``.gz`` files with ``Content-Encoding: gzip``, Cache-Control; no search
API, so the search page runs its static index). Goal (issue 19): 95 or more in all four
categories on every page, and CLS below 0.1.

    sh scripts/setup-browser.sh
    .venv/bin/python benchmarks/lighthouse.py site/ [--runs 3] [--json out.json]

The median of ``--runs`` runs per page and form factor is printed. The machine's load changes
the performance score (Lighthouse simulates a slow phone from the measured trace).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LIGHTHOUSE = REPO / "scripts" / "browser-tools" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run "
                "--disable-background-networking --disable-component-update --disable-sync")
PAGES = {
    "start": "",
    "search (static)": "sok/?q=%C3%A5terbruk+m%C3%B6bler",
    "document": "dok/seeds/004-2b01af607921aa6d/affarsmodellinnovation-for-cirkulara-mobelfloden/",
}
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_static(site: Path, port: int):
    """The site as a static host with precompressed files serves it (kb's own file server
    without the search API), in a background thread."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from kb.api.static import SiteFiles

    app = Starlette(routes=[Mount("/", SiteFiles(site, search_api=False))])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server


def run_lighthouse(url: str, desktop: bool, out: Path) -> dict:
    cmd = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
           f"--chrome-flags={CHROME_FLAGS}", "--only-categories=" + ",".join(CATEGORIES)]
    if desktop:
        cmd.append("--preset=desktop")
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300)
    report = json.loads(out.read_text(encoding="utf-8"))
    audits = report["audits"]
    row = {c: round(100 * (report["categories"][c]["score"] or 0)) for c in CATEGORIES}
    row["cls"] = audits["cumulative-layout-shift"]["numericValue"]
    row["lcp_s"] = audits["largest-contentful-paint"]["numericValue"] / 1000
    row["kib"] = audits["total-byte-weight"]["numericValue"] / 1024
    row["failed"] = sorted(  # the audits that cost points: weighted in a category, score below 1
        ref["id"] for c in CATEGORIES for ref in report["categories"][c]["auditRefs"]
        if ref.get("weight") and (audits[ref["id"]].get("score") is not None) and audits[ref["id"]]["score"] < 1
    )
    return row


def median_row(rows: list[dict]) -> dict:
    out = {k: statistics.median(r[k] for r in rows) for k in rows[0] if k != "failed"}
    out["failed"] = sorted({a for r in rows for a in r["failed"]})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", type=Path, nargs="?", default=REPO / "site")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    if not LIGHTHOUSE.exists():
        print("Lighthouse is missing: run `sh scripts/setup-browser.sh`", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO))
    port = free_port()
    server = serve_static(args.site.resolve(), port)
    base = f"http://127.0.0.1:{port}/"
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name, path in PAGES.items():
                for form in ("mobile", "desktop"):
                    rows = [run_lighthouse(base + path, form == "desktop", Path(tmp) / "report.json")
                            for _ in range(args.runs)]
                    results.append({"page": name, "form": form, **median_row(rows)})
    finally:
        server.should_exit = True
    print("| page | form | perf | a11y | best pr. | SEO | CLS | LCP s | KiB | audits costing points |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['page']} | {r['form']} | {r['performance']:.0f} | {r['accessibility']:.0f} | "
              f"{r['best-practices']:.0f} | {r['seo']:.0f} | {r['cls']:.3f} | {r['lcp_s']:.1f} | {r['kib']:.0f} | "
              f"{', '.join(r['failed'])} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
