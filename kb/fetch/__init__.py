"""``kb fetch``: guidance pages and documents listed by address, copied into ``sources/``.

Each address in a ``FETCH.tsv`` (see ``kb.fetch.lists``) is downloaded into the list's folder
with a sidecar (``NAME.meta.yml``) holding its ``url``, its ``fetched`` date and the list's
metadata columns, so the build reads it like any source and its page links to the original.

A rerun asks each server only for what changed (``If-None-Match`` / ``If-Modified-Since`` from
the last answer, kept in the folder's hidden ``.fetch-state.json``) and rewrites a copy only when
its bytes changed. A failure of any kind (network, HTTP status, robots.txt, size, time, a format
kb does not read, content the build would skip) is reported for that address and leaves the
previous copy and its sidecar as they were: new content is checked by the build's own parser
before it replaces anything, and every write is atomic.

The package top imports nothing, so ``kb --help`` does not load httpx: ``lists`` reads the lists,
``client`` talks HTTP, ``run`` does the rest; the CLI is ``kb.commands.fetch``.
"""
