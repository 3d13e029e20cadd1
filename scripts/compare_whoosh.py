"""Compare Whoosh releases on the same work: stock Swedish analysis over sources/related.

Run with each interpreter (one venv with `whoosh==2.7.4`, one with `whoosh3`):
    python scripts/compare_whoosh.py sources/related
Prints index time, index size and query latency; used for the README's choice of whoosh3.
"""

import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")
import whoosh  # noqa: E402
from whoosh import index  # noqa: E402
from whoosh.analysis import LanguageAnalyzer  # noqa: E402
from whoosh.fields import ID, TEXT, Schema  # noqa: E402
from whoosh.qparser import OrGroup, QueryParser  # noqa: E402

root = Path(sys.argv[1])
files = sorted(root.rglob("*.md"))
texts = [(str(p), p.read_text(encoding="utf-8")) for p in files]
queries = ["återbruk möbler", "direktupphandling", "klimatkrav vid upphandling", "producentansvar för textil",
           "cirkulär ekonomi i byggsektorn", "tröskelvärden", "uteslutning av leverantörer"]
with tempfile.TemporaryDirectory() as tmp:
    schema = Schema(path=ID(stored=True), body=TEXT(analyzer=LanguageAnalyzer("sv")))
    ix = index.create_in(tmp, schema)
    t = time.perf_counter()
    for _ in range(3):
        w = ix.writer()
        for path, text in texts:
            w.update_document(path=path, body=text)
        w.commit(optimize=True)
    build = (time.perf_counter() - t) / 3
    size = sum(f.stat().st_size for f in Path(tmp).iterdir())
    parser = QueryParser("body", schema, group=OrGroup)
    lat = []
    with ix.searcher() as s:
        for _ in range(30):
            for q in queries:
                t = time.perf_counter()
                r = s.search(parser.parse(q), limit=10)
                [h["path"] for h in r]
                lat.append((time.perf_counter() - t) * 1000)
    version = getattr(whoosh, "versionstring", lambda: str(getattr(whoosh, "__version__", "?")))()
    mb = sum(len(t.encode()) for _, t in texts) / 1e6
    print(f"whoosh {version} on Python {sys.version.split()[0]}: {len(texts)} docs, {mb:.1f} MB, "
          f"index {build:.2f} s ({mb / build:.2f} MB/s), {size / 1e6:.1f} MB on disk, "
          f"query p50 {statistics.median(lat):.2f} ms, p95 {sorted(lat)[int(len(lat) * 0.95)]:.2f} ms")
