"""Hybrid retrieval: dense search in the store plus BM25, fused, grouped by article."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

import numpy as np

from assistant.core.embedding import Embedder
from assistant.retrieval.fusion import merge_candidates, rank_articles
from assistant.retrieval.lexical import LexicalIndex
from assistant.core.records import SearchResult
from assistant.core.settings import SearchSettings
from assistant.core.store import MODEL_KEYS, ChunkStore, StoreBackend, StoreMismatchError, check_manifest
from assistant.retrieval.breaker import CircuitBreaker, StoreUnavailable

log = logging.getLogger(__name__)


class Retriever:
    """Answers ``search(query)`` with article-level hits above the relevance floor.

    The BM25 index follows the live store's generation and revision. The first one
    is built before the first search (``warm``); later ones are rebuilt in a
    background thread after an ingest and swapped in when ready, so no question
    waits for them. Meanwhile the previous index is used, and keyword hits on chunks
    the store no longer holds are dropped. While the store is down, searches fail at
    once (``StoreUnavailable``) until a background probe finds it back.
    """

    def __init__(
        self,
        backend: StoreBackend,
        embedder: Embedder,
        search: SearchSettings | None = None,
        breaker: CircuitBreaker | None = None,
    ):
        search = search or SearchSettings()
        self.backend = backend
        self.embedder = embedder
        self.k = search.k
        self.candidates = search.candidates
        self.min_relevance = search.min_relevance
        self.dense_weight = search.dense_weight
        self.breaker = breaker
        self._lexical: LexicalIndex | None = None
        self._key: tuple[str, object] | None = None  # what self._lexical was built from
        self._checked: tuple[str, object] | None = None  # the store whose manifest matched the model
        self._building: tuple[str, object] | None = None
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Build the keyword index now (the app does this before it takes questions)."""
        store, key = self._live()
        if store is not None and key != self._key:
            self._build(store, key)

    def _live(self) -> tuple[ChunkStore | None, tuple[str, object] | None]:
        store = self.backend.live()
        if store is None:
            return None, None
        manifest = store.manifest()
        key = (store.name, manifest.get("revision"))
        if key != self._checked:
            check_manifest(
                manifest,
                {"embedding_model": self.embedder.model_id, "embedding_dim": self.embedder.dimension},
                MODEL_KEYS,
            )
            self._checked = key
        return store, key

    def _build(self, store: ChunkStore, key: tuple[str, object]) -> None:
        index = LexicalIndex(store.documents())
        with self._lock:
            self._lexical, self._key = index, key
            if self._building == key:
                self._building = None

    def _current(self) -> tuple[ChunkStore | None, LexicalIndex | None]:
        store, key = self._live()
        if store is None:
            return None, None
        if self._lexical is None:
            self._build(store, key)  # nothing to answer keywords with yet (a command-line search)
        elif key != self._key:
            with self._lock:
                start = self._building != key
                self._building = key
            if start:
                threading.Thread(target=self._rebuild, args=(store, key), name="keyword-index", daemon=True).start()
        return store, self._lexical

    def _rebuild(self, store: ChunkStore, key: tuple[str, object]) -> None:
        try:
            self._build(store, key)
        except Exception:  # noqa: BLE001 - the next search starts another try
            log.warning("keyword index rebuild failed", exc_info=True)
            with self._lock:
                if self._building == key:
                    self._building = None

    def search(self, query: str, k: int | None = None, floor: float | None = None) -> SearchResult:
        """Top ``k`` articles for ``query``; empty hits mean no good source.

        If the live generation is swapped while a query runs (a rebuild finished), the
        query is retried once on the new generation; a second failure means the store
        is down, and the breaker opens. ``floor`` replaces the relevance floor for this search.
        """
        if self.breaker is not None:
            self.breaker.check()
        try:
            result = self._search(query, k, floor)
        except StoreMismatchError:
            raise
        except Exception:  # noqa: BLE001 - e.g. the collection was replaced mid-query
            self._checked = None
            try:
                result = self._search(query, k, floor)
            except StoreMismatchError:
                raise
            except Exception as exc:
                if self.breaker is None:
                    raise
                self.breaker.failure(exc)
                raise StoreUnavailable(f"the article store is unreachable ({type(exc).__name__}: {exc})") from exc
        if self.breaker is not None:
            self.breaker.success()
        return result

    def _search(self, query: str, k: int | None, floor: float | None = None) -> SearchResult:
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
            # a keyword hit the store no longer holds (the index is being rebuilt) is dropped
            passages = [
                replace(p, similarity=float(np.dot(vectors[p.chunk_id], vector))) if p.similarity is None else p
                for p in passages
                if p.similarity is not None or p.chunk_id in vectors
            ]
        best = max((p.similarity for p in passages if p.similarity is not None), default=None)
        hits = rank_articles(passages, k, self.min_relevance if floor is None else floor, self.dense_weight)
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
