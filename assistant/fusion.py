"""Fusing dense and lexical rankings and grouping chunks into articles (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from assistant.records import Passage, SearchHit

#: Reciprocal-rank-fusion constant; 60 is the value from Cormack et al. (2009).
RRF_K = 60


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], weights: Sequence[float] | None = None, k: int = RRF_K
) -> dict[str, float]:
    """Score each id by the weighted sum of 1 / (k + rank) over the rankings it appears in."""
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return scores


def group_by_article(passages: Sequence[Passage], k: int, min_relevance: float) -> list[SearchHit]:
    """One hit per article, ranked by its best passage's fused score.

    ``relevance`` is the best cosine similarity among the article's passages;
    articles below ``min_relevance`` are left out ("no good source").
    """
    by_source: dict[str, list[Passage]] = {}
    for p in passages:
        by_source.setdefault(p.source, []).append(p)
    ranked = []
    for source, group in by_source.items():
        group.sort(key=lambda p: p.score, reverse=True)
        relevance = max((p.similarity for p in group if p.similarity is not None), default=float("-inf"))
        if relevance < min_relevance:
            continue
        # a second strong passage from the same article adds a little weight
        score = group[0].score + (0.25 * group[1].score if len(group) > 1 else 0.0)
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
            )
        )
    return hits


def fuse_passages(
    dense: Sequence[Passage],
    lexical: Sequence[tuple[Passage, float]],
    weights: tuple[float, float] = (1.0, 1.0),
) -> list[Passage]:
    """Merge the two candidate lists into passages carrying both scores and the fused one."""
    fused = reciprocal_rank_fusion(
        [[p.chunk_id for p in dense], [p.chunk_id for p, _ in lexical]], weights=list(weights)
    )
    merged: dict[str, Passage] = {p.chunk_id: p for p in dense}
    for p, score in lexical:
        base = merged.get(p.chunk_id, p)
        merged[p.chunk_id] = replace(base, lexical=score)
    return sorted(
        (replace(p, score=fused[cid]) for cid, p in merged.items()), key=lambda p: p.score, reverse=True
    )
