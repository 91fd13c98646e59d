"""BM25 keyword search over the store's chunks (bm25s with an English stemmer)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from assistant.core.records import Passage, embed_text
from assistant.core.records import passage_from


class LexicalIndex:
    """An in-memory BM25 index of chunk texts, built from what the store holds."""

    def __init__(self, documents: Iterable[tuple[str, str, dict[str, Any]]]):
        import bm25s
        import Stemmer

        self._stemmer = Stemmer.Stemmer("english")
        self.passages: list[Passage] = []
        corpus: list[str] = []
        for chunk_id, text, meta in documents:
            self.passages.append(passage_from(chunk_id, text, meta))
            corpus.append(embed_text(meta.get("section", ""), text))
        self._bm25 = None
        if corpus:
            tokens = bm25s.tokenize(corpus, stopwords="en", stemmer=self._stemmer, show_progress=False)
            self._bm25 = bm25s.BM25()
            self._bm25.index(tokens, show_progress=False)
            self._vocab = tokens.vocab

    def search(self, query: str, n: int) -> list[tuple[Passage, float]]:
        """Best ``n`` chunks for the query with their BM25 scores (zero scores dropped)."""
        if self._bm25 is None or not query.strip():
            return []
        import bm25s

        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self._stemmer, show_progress=False, return_ids=False)
        known = [[t for t in tokens[0] if t in self._vocab]]
        if not known[0]:
            return []
        k = min(n, len(self.passages))
        docs, scores = self._bm25.retrieve(known, k=k, show_progress=False, n_threads=1)
        out = []
        for idx, score in zip(np.asarray(docs)[0], np.asarray(scores)[0]):
            if score > 0:
                out.append((self.passages[int(idx)], float(score)))
        return out
