"""BM25 keyword search over the store's chunks (bm25s with an English stemmer)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import numpy as np

from assistant.core.records import Passage, embed_text
from assistant.core.records import passage_from


#: bm25s's longer English list (NLTK's) without its words of place and time ("after", "into", "off",
#: "down": "after someone drove into the back of my car" is whiplash): question words ("what",
#: "does", "my", "how") left in by the short list outscored a rare word that names the topic
#: ("painful arc").
_KEEP = {"after", "before", "into", "off", "over", "out", "down", "up", "against", "through", "under", "below", "above", "during", "again"}


@functools.cache
def _stopwords() -> list[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return [w for w in STOPWORDS_EN_PLUS if w not in _KEEP]


class LexicalIndex:
    """An in-memory BM25 index of chunk texts (heading path and text), built from what the store holds."""

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
        self._vocab: dict[str, int] = {}
        if corpus:
            tokens = bm25s.tokenize(corpus, stopwords=_stopwords(), stemmer=self._stemmer, show_progress=False)
            self._bm25 = bm25s.BM25()
            self._bm25.index(tokens, show_progress=False)
            self._vocab = tokens.vocab

    def stem(self, word: str) -> str:
        return self._stemmer.stemWord(word.lower())

    def knows(self, word: str) -> bool:
        """Whether some chunk holds a word with the same stem."""
        return self.stem(word) in self._vocab

    def terms(self, query: str) -> list[str]:
        """The query's stemmed terms that occur in some chunk, each once, in order."""
        if self._bm25 is None or not query.strip():
            return []
        import bm25s

        tokens = bm25s.tokenize([query], stopwords=_stopwords(), stemmer=self._stemmer, show_progress=False, return_ids=False)
        return [t for t in dict.fromkeys(tokens[0]) if t in self._vocab]

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every chunk (in ``passages`` order) for the query."""
        terms = self.terms(query)
        if not terms:
            return np.zeros(len(self.passages), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def search(self, query: str, n: int) -> list[tuple[Passage, float]]:
        """Best ``n`` chunks for the query with their BM25 scores (zero scores dropped)."""
        scores = self.scores(query)
        if not len(scores):
            return []
        best = np.argsort(-scores, kind="stable")[: min(n, len(scores))]
        return [(self.passages[int(i)], float(scores[i])) for i in best if scores[i] > 0]
