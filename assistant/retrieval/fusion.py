"""Fusing dense and lexical scores and ranking articles (pure functions).

Both scores are normalised over the candidates (similarity min-max scaled, BM25
divided by the best BM25 score) and mixed as ``w * dense + (1 - w) * bm25``. An
article's score mixes its best similarity and its best BM25 score, which may come
from different passages; its shown passage is the one with the best mixed score.
On the MedQuAD benchmark this beat reciprocal rank fusion clearly (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from assistant.core.records import Passage, SearchHit


def merge_candidates(dense: Sequence[Passage], lexical: Sequence[tuple[Passage, float]]) -> list[Passage]:
    """One passage per chunk, carrying its similarity and/or BM25 score."""
    merged: dict[str, Passage] = {p.chunk_id: p for p in dense}
    for p, score in lexical:
        merged[p.chunk_id] = replace(merged.get(p.chunk_id, p), lexical=score)
    return list(merged.values())


class _Scale:
    def __init__(self, passages: Sequence[Passage], dense_weight: float):
        sims = [p.similarity for p in passages if p.similarity is not None]
        self.lo, self.hi = (min(sims), max(sims)) if sims else (0.0, 0.0)
        self.top = max((p.lexical or 0.0 for p in passages), default=0.0)
        self.w = dense_weight

    def dense(self, sim: float | None) -> float:
        if sim is None:
            return 0.0
        return (sim - self.lo) / (self.hi - self.lo) if self.hi > self.lo else 1.0

    def lexical(self, score: float | None) -> float:
        return (score or 0.0) / self.top if self.top > 0 else 0.0

    def mix(self, sim: float | None, score: float | None) -> float:
        return self.w * self.dense(sim) + (1.0 - self.w) * self.lexical(score)


def score_passages(passages: Sequence[Passage], dense_weight: float = 0.7) -> list[Passage]:
    """Each passage with its fused ``score`` in [0, 1], best first."""
    scale = _Scale(passages, dense_weight)
    scored = [replace(p, score=scale.mix(p.similarity, p.lexical)) for p in passages]
    return sorted(scored, key=lambda p: p.score, reverse=True)


def rank_articles(
    passages: Sequence[Passage], k: int, min_relevance: float, dense_weight: float = 0.7
) -> list[SearchHit]:
    """One hit per article, best first, with its best passage.

    ``relevance`` is the article's best cosine similarity; articles below
    ``min_relevance`` are left out ("no good source").
    """
    scale = _Scale(passages, dense_weight)
    by_source: dict[str, list[Passage]] = {}
    for p in score_passages(passages, dense_weight):
        by_source.setdefault(p.source, []).append(p)
    ranked = []
    for group in by_source.values():
        sims = [p.similarity for p in group if p.similarity is not None]
        relevance = max(sims, default=float("-inf"))
        if relevance < min_relevance:
            continue
        best_lexical = max((p.lexical or 0.0 for p in group), default=0.0)
        score = scale.mix(relevance if sims else None, best_lexical)
        ranked.append((score, relevance, group))
    ranked.sort(key=lambda t: (t[0], t[1]), reverse=True)
    hits = []
    for rank, (score, relevance, group) in enumerate(ranked[:k], start=1):
        best = group[0]
        hits.append(
            SearchHit(
                rank=rank,
                source=best.source,
                title=best.title,
                url=best.link,
                section=best.section,
                score=score,
                relevance=relevance,
                passage=best,
                passages=tuple(group),
                name=best.name,
            )
        )
    return hits
