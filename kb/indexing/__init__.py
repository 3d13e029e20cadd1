"""The indexing stage: sources → documents → an index version, redoing only what changed.

``kb.indexing.build`` runs a build (``kb build``); ``kb.indexing.state`` keeps what the last
build saw of each source. The index itself is written by ``kb.engine``.
"""
