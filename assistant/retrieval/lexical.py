"""BM25 keyword search over the store's chunks (bm25s with an English stemmer)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
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


#: BM25 parameters of the title index: a title holds a word once, so a low k1 makes a match count
#: about its word's idf; b=1 favours a title that is mostly the matched words ("What causes Flu?"
#: over "Flu shot and pregnancy"). MEDIQA-QA dev: k1 0.05-0.5 and b 0-1 all scored alike.
TITLE_K1, TITLE_B = 0.2, 1.0


class Bm25:
    """BM25 over a list of texts (stemmed, without stop words): which texts hold a query's words."""

    def __init__(self, texts: Sequence[str], k1: float = 1.5, b: float = 0.75):
        import bm25s
        import Stemmer

        self._stemmer = Stemmer.Stemmer("english")
        self.size = len(texts)
        self._bm25 = None
        self._vocab: dict[str, int] = {}
        if any(t.strip() for t in texts):
            tokens = bm25s.tokenize(list(texts), stopwords=_stopwords(), stemmer=self._stemmer, show_progress=False)
            self._bm25 = bm25s.BM25(k1=k1, b=b)
            self._bm25.index(tokens, show_progress=False)
            self._vocab = tokens.vocab

    def stem(self, word: str) -> str:
        return self._stemmer.stemWord(word.lower())

    def knows(self, word: str) -> bool:
        """Whether some text holds a word with the same stem."""
        return self.stem(word) in self._vocab

    def terms(self, query: str) -> list[str]:
        """The query's stemmed terms that occur in some text, each once, in order."""
        if self._bm25 is None or not query.strip():
            return []
        import bm25s

        tokens = bm25s.tokenize([query], stopwords=_stopwords(), stemmer=self._stemmer, show_progress=False, return_ids=False)
        return [t for t in dict.fromkeys(tokens[0]) if t in self._vocab]

    def scores(self, query: str) -> np.ndarray:
        """The BM25 score of every text (in the order given) for the query."""
        terms = self.terms(query)
        if not terms:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)


class LexicalIndex(Bm25):
    """An in-memory BM25 index of chunk texts (heading path and text), built from what the store holds."""

    def __init__(self, documents: Iterable[tuple[str, str, dict[str, Any]]]):
        self.passages: list[Passage] = []
        corpus: list[str] = []
        for chunk_id, text, meta in documents:
            self.passages.append(passage_from(chunk_id, text, meta))
            corpus.append(embed_text(meta.get("section", ""), text))
        super().__init__(corpus)

    def search(self, query: str, n: int) -> list[tuple[Passage, float]]:
        """Best ``n`` chunks for the query with their BM25 scores (zero scores dropped)."""
        scores = self.scores(query)
        if not len(scores):
            return []
        best = np.argsort(-scores, kind="stable")[: min(n, len(scores))]
        return [(self.passages[int(i)], float(scores[i])) for i in best if scores[i] > 0]


class TitleIndex(Bm25):
    """BM25 over each article's title field (its title and tags), one text per article."""

    def __init__(self, titles: Iterable[str]):
        super().__init__(list(titles), k1=TITLE_K1, b=TITLE_B)
