"""Fusing dense and lexical scores and ranking articles (pure functions).

Both scores are normalised over the candidates (similarity min-max scaled, BM25
divided by the best BM25 score) and mixed as ``w * dense + (1 - w) * bm25``. An
article's score mixes its best similarity and its best BM25 score, which may come
from different passages, and, with ``article_weight``, the similarity of the whole
article (all its passages at once), on the same scale; its shown passage is the one
with the best mixed score. On the MedQuAD benchmark this beat reciprocal rank fusion
clearly, and the whole-article term added 0.011 nDCG@10 on MEDIQA-QA dev (docs/benchmarks.md).

A long message is searched as several vectors (the message, its subject, its
questions: ``assistant.retrieval.query``); ``combine`` turns a passage's similarities
to them into one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from assistant.core.records import Passage, SearchHit

#: A subject or question counts not at all when no passage matches it better than GATE_LOW,
#: fully from GATE_HIGH (cosine similarity): "Please help me." or a form's subject line
#: ("ClinicalTrials.gov - Compliment") match nothing well and so change nothing.
GATE_LOW, GATE_HIGH = 0.5, 0.7


def piece_weights(best: Sequence[float], weights: Sequence[float]) -> np.ndarray:
    """Each part's weight scaled by how well its best passage matches it; the message (first) keeps its own."""
    out = np.asarray(weights, dtype=np.float32).copy()
    for i in range(1, len(out)):
        out[i] *= min(max((float(best[i]) - GATE_LOW) / (GATE_HIGH - GATE_LOW), 0.0), 1.0)
    return out


def combine(sims: np.ndarray, weights: np.ndarray, is_question: Sequence[bool]) -> np.ndarray:
    """Rows x parts similarities -> one per row: the weighted mean over the message, its subject and
    its best-matching question (a passage answering any one question of the message scores)."""
    sims = np.atleast_2d(sims)
    asks = np.asarray(is_question, dtype=bool)
    rest = ~asks
    num = sims[:, rest] @ weights[rest]
    den = float(weights[rest].sum())
    if asks.any() and float(weights[asks].max()) > 0:
        num = num + (sims[:, asks] * weights[asks][None, :]).max(axis=1)
        den += float(weights[asks].max())
    return num / den if den > 0 else num


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
    passages: Sequence[Passage], k: int, min_relevance: float, dense_weight: float = 0.7,
    article_similarity: Mapping[str, float] | None = None, article_weight: float = 0.0,
    title_match: Mapping[str, float] | None = None, title_weight: float = 0.0, near_best: float = 0.0,
) -> list[SearchHit]:
    """One hit per article, best first, with its best passage.

    ``relevance`` is the article's best passage similarity; articles below
    ``min_relevance`` are left out ("no good source"), unless another article passed and
    this one scores at least ``near_best`` times as well (0 turns that off): a long story
    ("taxi driver, sat 10 hours a day ... my dad's old walking stick") spreads its meaning
    thin, and the floor says whether any article answers, not which. ``article_similarity``
    (by source) is the similarity of each whole article, mixed in with ``article_weight``;
    ``title_match`` (by source) is the BM25 score of each article's title, divided by the best
    one and mixed in with ``title_weight``.
    """
    scale = _Scale(passages, dense_weight)
    whole = article_similarity or {}
    by_source: dict[str, list[Passage]] = {}
    for p in score_passages(passages, dense_weight):
        by_source.setdefault(p.source, []).append(p)
    titles = title_match or {}
    best_title = max((titles.get(source, 0.0) for source in by_source), default=0.0)

    def scored(group: list[Passage]) -> tuple[float, float, list[Passage]]:
        sims = [p.similarity for p in group if p.similarity is not None]
        relevance = max(sims, default=float("-inf"))
        best_lexical = max((p.lexical or 0.0 for p in group), default=0.0)
        score = scale.mix(relevance if sims else None, best_lexical)
        extra, weight = 0.0, 0.0
        if article_weight > 0:
            extra, weight = article_weight * scale.dense(whole.get(group[0].source)), article_weight
        if title_weight > 0:
            title = titles.get(group[0].source, 0.0) / best_title if best_title > 0 else 0.0
            extra, weight = extra + title_weight * title, weight + title_weight
        return (score + extra) / (1.0 + weight), relevance, group

    every = [scored(group) for group in by_source.values()]
    ranked = [t for t in every if t[1] >= min_relevance]
    if ranked and near_best > 0:
        top = max(t[0] for t in ranked)
        ranked += [t for t in every if t[1] < min_relevance and t[0] >= near_best * top]
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
