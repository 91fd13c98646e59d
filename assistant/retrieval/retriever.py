"""Hybrid retrieval: dense search in the store plus BM25, fused, grouped by article."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np

from assistant.core.embedding import Embedder
from assistant.retrieval.fusion import merge_candidates, rank_articles
from assistant.retrieval.lexical import LexicalIndex
from assistant.core.records import SearchResult
from assistant.core.settings import SearchSettings
from assistant.core.store import MODEL_KEYS, ChunkStore, StoreBackend, StoreMismatchError, check_manifest


class Retriever:
    """Answers ``search(query)`` with article-level hits above the relevance floor.

    The BM25 index is rebuilt whenever the live store's generation or revision
    changes, so keyword and vector search always see the same chunks.
    """

    def __init__(self, backend: StoreBackend, embedder: Embedder, search: SearchSettings | None = None):
        search = search or SearchSettings()
        self.backend = backend
        self.embedder = embedder
        self.k = search.k
        self.candidates = search.candidates
        self.min_relevance = search.min_relevance
        self.dense_weight = search.dense_weight
        self._lexical: LexicalIndex | None = None
        self._key: tuple[str, object] | None = None
        self._lock = threading.Lock()

    def _current(self) -> tuple[ChunkStore | None, LexicalIndex | None]:
        store = self.backend.live()
        if store is None:
            return None, None
        manifest = store.manifest()
        key = (store.name, manifest.get("revision"))
        with self._lock:
            if key != self._key:
                check_manifest(
                    manifest,
                    {
                        "embedding_model": self.embedder.model_id,
                        "embedding_dim": self.embedder.dimension,
                        "embedding_backend": getattr(self.embedder, "backend", "torch"),
                    },
                    MODEL_KEYS,
                )
                self._lexical = LexicalIndex(store.documents())
                self._key = key
            return store, self._lexical

    def search(self, query: str, k: int | None = None) -> SearchResult:
        """Top ``k`` articles for ``query``; empty hits mean no good source.

        If the live generation is swapped while a query runs (a rebuild finished), the
        query is retried once on the new generation.
        """
        try:
            return self._search(query, k)
        except StoreMismatchError:
            raise
        except Exception:  # noqa: BLE001 - e.g. the collection was replaced mid-query
            with self._lock:
                self._key = None
            return self._search(query, k)

    def _search(self, query: str, k: int | None) -> SearchResult:
        k = k or self.k
        store, lexical = self._current()
        if store is None or not query.strip():
            return SearchResult(query=query, hits=())
        vector = self.embedder.embed_query(query)
        dense = store.query(vector, self.candidates)
        keyword = lexical.search(query, self.candidates) if lexical is not None else []
        passages = merge_candidates(dense, keyword)
        missing = [p.chunk_id for p in passages if p.similarity is None]
        if missing:
            vectors = store.vectors(missing)
            passages = [
                replace(p, similarity=float(np.dot(vectors[p.chunk_id], vector)))
                if p.similarity is None and p.chunk_id in vectors
                else p
                for p in passages
            ]
        best = max((p.similarity for p in passages if p.similarity is not None), default=None)
        hits = rank_articles(passages, k, self.min_relevance, self.dense_weight)
        return SearchResult(query=query, hits=tuple(with_units(store, hits)), best_relevance=best, query_vector=vector)


def with_units(store: ChunkStore, hits: list, articles: int = 3, passages: int = 3) -> list:
    """The best passages of the best articles, with their per-sentence vectors (one store call)."""
    wanted = [p.chunk_id for h in hits[:articles] for p in h.passages[:passages]]
    try:
        vectors = store.unit_vectors(wanted) if wanted else {}
    except Exception:  # noqa: BLE001 - sentences are then chosen without vectors
        vectors = {}
    if not vectors:
        return hits
    out = []
    for h in hits:
        group = tuple(replace(p, units=vectors.get(p.chunk_id)) if p.chunk_id in vectors else p for p in h.passages)
        out.append(replace(h, passages=group, passage=group[0] if group else h.passage))
    return out
