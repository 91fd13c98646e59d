"""What search keeps in memory for one store generation: chunk vectors, heading vectors, article
vectors, the BM25 index and the spelling vocabulary.

Dense search is exact: a product of the chunk vectors with the message's few vectors (the whole
message, its subject, its questions). On the 1,671-article MEDIQA-QA store (6,718 chunks) that is
about 10 MB and a millisecond or two, cheaper than one approximate store query per vector.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from assistant.core.records import Passage, embed_text
from assistant.retrieval.lexical import LexicalIndex, TitleIndex
from assistant.retrieval.spelling import Speller, word_counts

#: Chunk vectors are read from the store in batches of this many ids.
_BATCH = 1000


class SearchIndex:
    """Chunks with their vectors, in one order, plus per-article and per-heading vectors.

    ``heading_vectors`` embeds heading paths ("Title > Section"); the retriever passes a
    function that remembers them between generations, so only new headings are embedded.
    ``known`` says whether a word is a real word the speller must leave alone.
    """

    def __init__(
        self,
        documents: Iterable[tuple[str, str, dict[str, Any]]],
        vectors: Callable[[Sequence[str]], dict[str, np.ndarray]],
        heading_vectors: Callable[[Sequence[str]], np.ndarray],
        known: Callable[[str], bool] | None = None,
        dimension: int = 384,
    ):
        docs = list(documents)
        found: dict[str, np.ndarray] = {}
        ids = [d[0] for d in docs]
        for start in range(0, len(ids), _BATCH):
            found.update(vectors(ids[start : start + _BATCH]))
        docs = [d for d in docs if d[0] in found]  # a chunk deleted meanwhile has no vector
        self.lexical = LexicalIndex(docs)
        self.passages: list[Passage] = self.lexical.passages
        self.dimension = int(next(iter(found.values())).shape[0]) if found else dimension
        self.vectors = (
            np.stack([np.asarray(found[d[0]], dtype=np.float32) for d in docs])
            if docs else np.zeros((0, self.dimension), dtype=np.float32)
        )
        labels = [p.section for p in self.passages]
        distinct = list(dict.fromkeys(labels))
        where = {label: i for i, label in enumerate(distinct)}
        heading = heading_vectors(distinct) if distinct else np.zeros((0, self.dimension), dtype=np.float32)
        self.headings = np.asarray(heading, dtype=np.float32)[[where[label] for label in labels]] if labels else (
            np.zeros((0, self.dimension), dtype=np.float32)
        )
        self.sources: list[str] = list(dict.fromkeys(p.source for p in self.passages))
        article = {source: i for i, source in enumerate(self.sources)}
        self.article_of = np.array([article[p.source] for p in self.passages], dtype=np.int64)
        self.articles = _centroids(self.vectors, self.article_of, len(self.sources))
        # an article's title field: its title and, where its front matter has them, its tags ("SPD", "painful arc");
        # and what it is about: its title and the front matter's region, tags and summary (with its first chunk)
        titles: dict[str, str] = {}
        self.about: dict[str, tuple[str, str]] = {}
        for _, _, meta in docs:
            source, title = meta.get("source", ""), meta.get("title") or ""
            region, tags, summary = (meta.get(f"article_{key}", "") for key in ("region", "tags", "summary"))
            if tags or source not in titles:
                titles[source] = f"{title} {tags}".strip()
            if region or tags or summary or source not in self.about:
                self.about[source] = (" ".join(p for p in (title, region, tags, summary) if p), region)
        self.titles = TitleIndex(titles.get(source, "") for source in self.sources)
        counts = word_counts(embed_text(p.section, p.text) for p in self.passages)
        self.speller = Speller(counts, known=lambda w: self.lexical.knows(w) or bool(known and known(w)))

    def __len__(self) -> int:
        return len(self.passages)

    def similarities(self, vectors: np.ndarray, heading_weight: float) -> np.ndarray:
        """Chunks x query vectors: cosine with the chunk, mixed with cosine with its heading path."""
        sims = self.vectors @ vectors.T
        if heading_weight > 0 and len(self.headings):
            sims = (sims + heading_weight * (self.headings @ vectors.T)) / (1.0 + heading_weight)
        return sims


def _centroids(vectors: np.ndarray, article_of: np.ndarray, n: int) -> np.ndarray:
    """Each article's vector: the normalised mean of its chunks' vectors (all its passages at once)."""
    out = np.zeros((n, vectors.shape[1]), dtype=np.float32)
    if len(vectors):
        np.add.at(out, article_of, vectors)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1.0, norms)
