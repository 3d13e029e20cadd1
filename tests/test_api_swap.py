"""A running server answers from a new index after `kb build`, and no request fails during the swap."""

from __future__ import annotations

import threading

import pytest
from api_support import make_project
from fastapi.testclient import TestClient

from kb.api import create_app
from kb.indexing.build import build

QUERIES = ["återbruk möbler", "cirkulär ekonomi", "upphandling", "plast", "zebrafinkar"]


@pytest.mark.slow
def test_rebuild_switches_index_without_failed_requests(tmp_path):
    project = make_project(tmp_path / "kb", site=False)
    with TestClient(create_app(project)) as client:
        before = client.get("/api/health").json()
        first = client.get("/api/search", params={"q": "zebrafinkar"})
        assert first.json()["total"] == 0
        old_etag = first.headers["etag"]

        statuses: list[int] = []
        versions: set[str] = set()
        stop = threading.Event()

        def hammer(n: int) -> None:
            i = n
            while not stop.is_set():
                r = client.get("/api/search", params={"q": QUERIES[i % len(QUERIES)], "limit": 5})
                statuses.append(r.status_code)
                if r.status_code == 200:
                    versions.add(r.json()["index_version"])
                h = client.get("/api/health")
                statuses.append(h.status_code)
                i += 1

        threads = [threading.Thread(target=hammer, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        try:
            seed = project.sources / "seeds" / "000_0263c3a175406f7d.txt"
            with open(seed, "a", encoding="utf-8") as f:
                f.write("\n\nZebrafinkar och återbruk\n\nZebrafinkar är ett ord som bara finns efter ombyggnaden.\n")
            report = build(project, site=False)
            assert report.index_rebuilt
            seen = len(statuses)
            while len(statuses) < seen + 12:  # keep the load on after the switch too
                stop.wait(0.05)
        finally:
            stop.set()
            for t in threads:
                t.join()

        assert len(statuses) > 12 and set(statuses) == {200}, sorted(set(statuses))
        after = client.get("/api/health").json()
        assert after["index_version"] != before["index_version"]
        assert after["index_version"] in versions  # concurrent searches moved to the new index
        found = client.get("/api/search", params={"q": "zebrafinkar"}, headers={"If-None-Match": old_etag})
        assert found.status_code == 200  # the old ETag no longer matches
        assert found.json()["total"] >= 1 and found.json()["index_version"] == after["index_version"]
        assert found.headers["etag"] != old_etag and after["index_version"] in found.headers["etag"]
