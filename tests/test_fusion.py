"""Rank fusion and article grouping are pure functions."""

from __future__ import annotations

import pytest

from assistant.fusion import RRF_K, fuse_passages, group_by_article, reciprocal_rank_fusion
from assistant.records import Passage


def P(cid, source, sim=None, score=0.0, anchor=None):
    return Passage(cid, source, source.title(), f"https://x/{source}", f"{source} > s", anchor, f"text {cid}", sim, None, score)


def test_rrf_rewards_agreement():
    scores = reciprocal_rank_fusion([["a", "b", "c"], ["b", "a", "d"]])
    assert scores["a"] == pytest.approx(1 / (RRF_K + 1) + 1 / (RRF_K + 2))
    assert scores["a"] == scores["b"]
    assert scores["a"] > scores["c"] > 0 and scores["c"] == scores["d"]
    weighted = reciprocal_rank_fusion([["a"], ["b"]], weights=[2.0, 1.0])
    assert weighted["a"] == pytest.approx(2 * weighted["b"])


def test_fuse_keeps_both_scores_and_orders_by_fused():
    dense = [P("1", "knee", 0.8), P("2", "heel", 0.5)]
    lexical = [(P("2", "heel"), 7.0), (P("3", "neck"), 3.0)]
    fused = fuse_passages(dense, lexical)
    assert [p.chunk_id for p in fused] == ["2", "1", "3"]
    heel = fused[0]
    assert heel.similarity == 0.5 and heel.lexical == 7.0
    assert fused[2].similarity is None


def test_group_by_article_one_hit_per_article_with_best_passage():
    passages = [P("k1", "knee", 0.7, 0.03, "a"), P("h1", "heel", 0.6, 0.025), P("k2", "knee", 0.5, 0.01)]
    hits = group_by_article(passages, k=5, min_relevance=0.0)
    assert [h.source for h in hits] == ["knee", "heel"]
    assert hits[0].passage.chunk_id == "k1" and hits[0].url == "https://x/knee#a"
    assert hits[0].relevance == 0.7 and len(hits[0].passages) == 2
    assert [h.rank for h in hits] == [1, 2]


def test_relevance_floor_drops_weak_articles():
    passages = [P("k1", "knee", 0.25, 0.03), P("h1", "heel", 0.45, 0.01), P("n1", "neck", None, 0.02)]
    hits = group_by_article(passages, k=5, min_relevance=0.3)
    assert [h.source for h in hits] == ["heel"]
    assert group_by_article(passages, k=5, min_relevance=0.9) == []
