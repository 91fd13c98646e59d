"""Hybrid retrieval: dense search over the store's vectors plus BM25, fused, grouped by article.

A message is read first (``query.plan``): misspelt words are corrected to words the
articles use, and a long message's subject line and questions get vectors of their own
(pooled from the message's forward pass) and count twice in the keyword score, so they
weigh more than the story around them, and each question is searched. A passage's
similarity mixes its text with its title and section heading; an article's score adds
the similarity of the whole article (all its passages at once) and the message's keywords found in
its title.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from assistant.core.embedding import Embedder
from assistant.core.words import with_synonyms
from assistant.core.records import SearchResult
from assistant.core.settings import SearchSettings
from assistant.core.store import MODEL_KEYS, ChunkStore, StoreBackend, StoreMismatchError, check_manifest
from assistant.retrieval.fusion import combine, piece_weights, rank_articles
from assistant.retrieval.index import SearchIndex
from assistant.retrieval.breaker import CircuitBreaker, StoreUnavailable
from assistant.retrieval.query import plan

log = logging.getLogger(__name__)

#: Keyword score of a long message: its own BM25 score plus this times that of its subject and
#: questions together (MEDIQA-QA dev, alexa questions retold long: nDCG@10 0.706 -> 0.713 at 1.0).
PIECE_KEYWORD_WEIGHT = 1.0

#: Chunks whose per-sentence vectors a retriever keeps in memory (about 15 kB each for the bundled corpus's
#: chunks: a few tens of MB at most, while a MedQuAD-sized store holds tens of thousands of chunks).
UNIT_CHUNKS = 2048


class Retriever:
    """Answers ``search(query)`` with article-level hits above the relevance floor.

    The in-memory index (vectors, BM25, spelling vocabulary) follows the live store's
    generation and revision. The first one is built before the first search (``warm``);
    later ones are rebuilt in a background thread after an ingest and swapped in when
    ready, so no question waits for them. Meanwhile the previous index is used, and hits
    on chunks the store no longer holds are dropped. While the store is down, searches
    fail at once (``StoreUnavailable``) until a background probe finds it back.
    """

    def __init__(
        self,
        backend: StoreBackend,
        embedder: Embedder,
        search: SearchSettings | None = None,
        breaker: CircuitBreaker | None = None,
        cache_dir: Path | None = None,
    ):
        search = search or SearchSettings()
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.backend = backend
        self.embedder = embedder
        self.k = search.k
        self.candidates = search.candidates
        self.min_relevance = search.min_relevance
        self.near_best = search.near_best
        self.dense_weight = search.dense_weight
        self.heading_weight = search.heading_weight
        self.article_weight = search.article_weight
        self.title_weight = search.title_weight
        self.subject_weight = search.subject_weight
        self.question_weight = search.question_weight
        self.spelling = search.spelling
        self.breaker = breaker
        self._index: SearchIndex | None = None
        self._key: tuple[str, object] | None = None  # what self._index was built from
        self._checked: tuple[str, object] | None = None  # the store whose manifest matched the model
        self._building: tuple[str, object] | None = None
        self._lock = threading.Lock()
        self._headings: OrderedDict[str, np.ndarray] = OrderedDict()
        # per-sentence vectors of recent chunks, for the store generation they were read from (article text
        # only: a follow-up's two or three searches and the next visitor's question read the same chunks)
        self._units: OrderedDict[tuple[tuple[str, object], str], np.ndarray | None] = OrderedDict()

    def warm(self) -> None:
        """Build the index now (the app does this before it takes questions)."""
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
                {
                    "embedding_model": self.embedder.model_id,
                    "embedding_dim": self.embedder.dimension,
                    "embedding_backend": getattr(self.embedder, "backend", "torch"),
                },
                MODEL_KEYS,
            )
            self._checked = key
        return store, key

    def _build(self, store: ChunkStore, key: tuple[str, object]) -> None:
        index = SearchIndex(
            store.documents(), store.vectors, self._heading_vectors, known=self._known_word,
            dimension=self.embedder.dimension,
        )
        with self._lock:
            self._index, self._key = index, key
            if self._building == key:
                self._building = None

    def _current(self) -> tuple[ChunkStore | None, SearchIndex | None, bool, tuple[str, object] | None]:
        """The live store, the index to search, whether that index is the store's current one, and the store's key."""
        store, key = self._live()
        if store is None:
            return None, None, True, None
        if self._index is None:
            self._build(store, key)  # nothing to search with yet (a command-line search)
        elif key != self._key:
            with self._lock:
                start = self._building != key
                self._building = key
            if start:
                threading.Thread(target=self._rebuild, args=(store, key), name="search-index", daemon=True).start()
        return store, self._index, key == self._key, key

    def _unit_vectors(self, store: ChunkStore, key: tuple[str, object] | None, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The store's per-sentence vectors of these chunks, remembered per store generation (up to ``UNIT_CHUNKS``)."""
        with self._lock:
            known = {cid: self._units[(key, cid)] for cid in ids if (key, cid) in self._units}
            for cid in known:
                self._units.move_to_end((key, cid))
        missing = [cid for cid in ids if cid not in known]
        if missing:
            got = store.unit_vectors(missing)
            with self._lock:
                for cid in missing:
                    known[cid] = self._units[(key, cid)] = got.get(cid)  # None: a chunk kept without them
                while len(self._units) > UNIT_CHUNKS:
                    self._units.popitem(last=False)
        return {cid: v for cid, v in known.items() if v is not None}

    def _rebuild(self, store: ChunkStore, key: tuple[str, object]) -> None:
        try:
            self._build(store, key)
        except Exception:  # noqa: BLE001 - the next search starts another try
            log.warning("search index rebuild failed", exc_info=True)
            with self._lock:
                if self._building == key:
                    self._building = None

    def _heading_vectors(self, labels: Sequence[str]) -> np.ndarray:
        """Vectors of heading paths, remembered across generations and, in ``cache_dir``, across
        restarts (only new headings are embedded: a cold start reads them instead of embedding
        every heading of the corpus)."""
        path = self._heading_cache()
        if not self._headings and path is not None and path.is_file():
            try:
                with np.load(path) as data:
                    self._headings.update(zip(data["labels"].tolist(), np.asarray(data["vectors"], dtype=np.float32)))
            except (OSError, ValueError, KeyError):
                log.warning("ignoring an unreadable heading vector cache at %s", path)
        missing = [label for label in dict.fromkeys(labels) if label not in self._headings]
        if missing:
            for label, vector in zip(missing, self.embedder.embed_documents(missing)):
                self._headings[label] = np.asarray(vector, dtype=np.float32)
        keep = set(labels)
        stale = [label for label in self._headings if label not in keep]
        for label in stale:
            del self._headings[label]
        if (missing or stale) and path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp.npz")
                np.savez(tmp, labels=np.array(list(self._headings), dtype=str), vectors=np.stack(list(self._headings.values())))
                tmp.replace(path)
            except OSError as exc:
                log.warning("could not keep the heading vectors in %s: %s", path, exc)
        return np.stack([self._headings[label] for label in labels])

    def _heading_cache(self) -> Path | None:
        if self.cache_dir is None:
            return None
        backend = getattr(self.embedder, "backend", "torch")  # int8 vectors are not fp32 vectors
        key = hashlib.sha256(f"{self.embedder.model_id}\n{self.embedder.dimension}\n{backend}".encode()).hexdigest()[:16]
        return self.cache_dir / f"heading-vectors-{key}.npz"

    def _known_word(self, word: str) -> bool:
        """A word the model's vocabulary holds whole is a real word, not a misspelling."""
        try:
            return self.embedder.count_tokens(word) == 1
        except Exception:  # noqa: BLE001 - no tokenizer: only the articles' words count as known
            return False

    def _parts(self, text: str) -> tuple[list[str], list[float], list[bool]]:
        """What is embedded for a message, each with its weight and whether it is a question."""
        parts = plan(text)
        pieces = [(parts.message, 1.0, False)]
        if parts.subject and self.subject_weight > 0:
            pieces.append((parts.subject, self.subject_weight, False))
        if self.question_weight > 0:
            pieces += [(q, self.question_weight, True) for q in parts.questions]
        seen: dict[str, tuple[str, float, bool]] = {}
        for piece in pieces:
            seen.setdefault(piece[0], piece)
        texts, weights, asks = zip(*seen.values())
        return list(texts), list(weights), list(asks)

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Vectors of the message (first) and its pieces: the pieces are pooled from the message's own
        forward pass (one model call, shared with triage through the embedder's memory); a piece
        past the model's length limit is embedded on its own."""
        message, pieces = texts[0], texts[1:]
        spans = [(at, at + len(piece)) for piece in pieces if (at := message.find(piece)) >= 0]
        if not pieces or len(spans) < len(pieces) or not hasattr(self.embedder, "embed_spans"):
            return np.asarray(self.embedder.embed_documents(texts), dtype=np.float32)
        whole, parts = self.embedder.embed_spans(message, spans)
        vectors = np.vstack([np.asarray(whole, dtype=np.float32)[None, :], np.asarray(parts, dtype=np.float32)])
        cut = [i for i in range(1, len(texts)) if not np.any(vectors[i])]
        if cut:
            vectors[cut] = self.embedder.embed_documents([texts[i] for i in cut])
        return vectors

    def sources_in(self, region: str) -> list[str]:
        """The articles whose front matter gives this region (none while the store is empty)."""
        _, index, _, _ = self._current()
        if index is None:
            return []
        return [source for source, (_, r) in index.about.items() if r.strip().lower() == region.strip().lower()]

    def search(
        self, query: str, k: int | None = None, floor: float | None = None, within: Collection[str] | None = None,
        whole: bool = False,
    ) -> SearchResult:
        """Top ``k`` articles for ``query``; empty hits mean no good source.

        ``within`` (article sources) searches only those articles: a follow-up's passages are
        ranked for its own question inside the articles the whole conversation found. ``whole``
        searches the text as one piece, with no subject line or questions of its own: a
        conversation, whose newest question alone ("when can I play again?") has no topic.

        If the live generation is swapped while a query runs (a rebuild finished), the
        query is retried once on the new generation; a second failure means the store
        is down, and the breaker opens. ``floor`` replaces the relevance floor for this search.
        """
        if self.breaker is not None:
            self.breaker.check()
        try:
            result = self._search(query, k, floor, within, whole)
        except StoreMismatchError:
            raise
        except Exception:  # noqa: BLE001 - e.g. the collection was replaced mid-query
            self._checked = None
            try:
                result = self._search(query, k, floor, within, whole)
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

    def _search(
        self, query: str, k: int | None, floor: float | None = None, within: Collection[str] | None = None,
        whole: bool = False,
    ) -> SearchResult:
        k = k or self.k
        store, index, current, key = self._current()
        if store is None or index is None or not len(index) or not query.strip():
            return SearchResult(query=query, hits=())
        text = index.speller.correct_text(query)[0] if self.spelling else query
        text = with_synonyms(text)  # "my SPD" also says "pelvic girdle pain", "my doctor" says "GP"
        texts, weights, asks = ([text], [1.0], [False]) if whole else self._parts(text)
        vectors = self._embed(texts)
        sims = index.similarities(vectors, self.heading_weight)
        w = piece_weights(sims.max(axis=0), weights)
        dense = combine(sims, w, asks)
        lexical = _keyword_scores(index.lexical, text, texts)
        if within is not None:
            wanted = set(within)
            allowed = np.isin(index.article_of, [a for a, source in enumerate(index.sources) if source in wanted])
            dense = np.where(allowed, dense, -np.inf)
            lexical = np.where(allowed, lexical, 0.0)
        n = min(self.candidates, len(index))
        chosen = set(np.argpartition(-dense, n - 1)[:n].tolist())
        if lexical.any():
            top = np.argpartition(-lexical, n - 1)[:n]
            chosen.update(int(i) for i in top if lexical[i] > 0)
        if within is not None:
            chosen = {i for i in chosen if allowed[i]}
        if not current:  # the index is being rebuilt: drop what the store no longer holds
            held = store.vectors([index.passages[i].chunk_id for i in chosen])
            chosen = {i for i in chosen if index.passages[i].chunk_id in held}
        rows = sorted(chosen)
        passages = [
            replace(index.passages[i], similarity=float(dense[i]), lexical=float(lexical[i]) or None) for i in rows
        ]
        whole, titled = {}, {}
        articles = sorted({int(index.article_of[i]) for i in rows})
        if self.article_weight > 0:
            article_sims = combine(index.articles[articles] @ vectors.T, w, asks)
            whole = {index.sources[a]: float(s) for a, s in zip(articles, article_sims)}
        if self.title_weight > 0:  # the message's keywords in the title field
            title = _keyword_scores(index.titles, text, texts)
            titled = {index.sources[a]: float(title[a]) for a in articles}
        relevance = self.min_relevance if floor is None else floor
        hits = rank_articles(
            passages, k, relevance, self.dense_weight, whole, self.article_weight, titled, self.title_weight,
            self.near_best,
        )
        hits = [replace(h, about=about, region=region)
                for h in hits for about, region in [index.about.get(h.source, (h.title, ""))]]
        best = max((p.similarity for p in passages if p.similarity is not None), default=None)
        # a search within a conversation's articles is put back in the conversation's order (``refocus``): any of
        # them may come first, so each gets its vectors for every passage
        hits = with_units(lambda ids: self._unit_vectors(store, key, ids), hits, every=within is not None)
        return SearchResult(query=query, hits=tuple(hits), best_relevance=best, query_vector=vectors[0])


def _keyword_scores(bm25, text: str, texts: Sequence[str]) -> np.ndarray:
    """BM25 scores for the message; the words of its subject line and questions count twice."""
    scores = bm25.scores(text)
    if len(texts) > 1:
        scores = scores + PIECE_KEYWORD_WEIGHT * bm25.scores(" ".join(texts[1:]))
    return scores


def with_units(unit_vectors: Callable[[Sequence[str]], dict[str, np.ndarray]], hits: list, articles: int = 3, passages: int = 3, every: bool = False) -> list:
    """The best passages of the best articles, with their per-sentence vectors (one store call).

    The best article's every passage gets them: the sentence that answers may sit in a section
    that search ranked lower ("how long?" answered under "What helps"). ``every``: each passage of
    each hit gets them.
    """
    chosen = hits if every else hits[:articles]
    wanted = [p.chunk_id for rank, h in enumerate(chosen) for p in (h.passages if rank == 0 or every else h.passages[:passages])]
    try:
        vectors = unit_vectors(wanted) if wanted else {}
    except Exception:  # noqa: BLE001 - sentences are then chosen without vectors
        vectors = {}
    if not vectors:
        return hits
    out = []
    for h in hits:
        group = tuple(replace(p, units=vectors.get(p.chunk_id)) if p.chunk_id in vectors else p for p in h.passages)
        out.append(replace(h, passages=group, passage=group[0] if group else h.passage))
    return out
