"""Score fusion and article ranking are pure functions."""

from __future__ import annotations

import pytest

from assistant.retrieval.fusion import merge_candidates, rank_articles, score_passages
from assistant.core.records import Passage


def P(cid, source, sim=None, lexical=None, anchor=None):
    return Passage(cid, source, source.title(), f"https://x/{source}", f"{source} > s", anchor, f"text {cid}", sim, lexical)


def test_merge_keeps_both_scores():
    merged = {p.chunk_id: p for p in merge_candidates([P("1", "knee", 0.8), P("2", "heel", 0.5)], [(P("2", "heel"), 7.0), (P("3", "neck"), 3.0)])}
    assert (merged["2"].similarity, merged["2"].lexical) == (0.5, 7.0)
    assert (merged["3"].similarity, merged["3"].lexical) == (None, 3.0)
    assert (merged["1"].similarity, merged["1"].lexical) == (0.8, None)


def test_scores_are_normalised_and_weighted():
    passages = [P("1", "knee", 0.8), P("2", "heel", 0.5, 8.0), P("3", "neck", None, 4.0), P("4", "hip", 0.2)]
    scored = {p.chunk_id: p.score for p in score_passages(passages, dense_weight=0.7)}
    assert scored["1"] == pytest.approx(0.7)  # best similarity, no keyword match
    assert scored["2"] == pytest.approx(0.7 * 0.5 + 0.3)  # middle similarity, best keyword score
    assert scored["3"] == pytest.approx(0.3 * 0.5)
    assert scored["4"] == pytest.approx(0.0)
    assert [p.chunk_id for p in score_passages(passages, 1.0)][:2] == ["1", "2"]
    assert [p.chunk_id for p in score_passages(passages, 0.0)][:2] == ["2", "3"]
    assert score_passages([], 0.7) == []


def test_article_score_mixes_its_best_similarity_and_best_keyword_score():
    # knee: best similarity in one passage, best keyword score in another
    passages = [P("k1", "knee", 0.60, 1.0, "a"), P("k2", "knee", 0.40, 5.0), P("h1", "heel", 0.62, 2.0), P("n1", "neck", 0.2)]
    hits = rank_articles(passages, k=5, min_relevance=0.0, dense_weight=0.7)
    assert [h.source for h in hits] == ["knee", "heel", "neck"]
    knee = hits[0]
    assert knee.relevance == 0.60 and len(knee.passages) == 2
    assert knee.score == pytest.approx(0.7 * (0.60 - 0.2) / 0.42 + 0.3 * 1.0)
    assert knee.passage.chunk_id == "k1" and knee.url == "https://x/knee#a"
    assert [h.rank for h in hits] == [1, 2, 3]
    assert len(rank_articles(passages, k=1, min_relevance=0.0)) == 1


def test_relevance_floor_drops_weak_articles():
    passages = [P("k1", "knee", 0.25, 9.0), P("h1", "heel", 0.45), P("n1", "neck", None, 5.0)]
    hits = rank_articles(passages, k=5, min_relevance=0.3)
    assert [h.source for h in hits] == ["heel"]
    assert rank_articles(passages, k=5, min_relevance=0.9) == []


def test_an_article_just_under_the_floor_is_found_when_it_scores_near_the_best_one():
    # heel passes the floor; knee is just under it, but its keywords make it score nearly as well
    passages = [P("h1", "heel", 0.31, 6.0), P("k1", "knee", 0.29, 7.0), P("n1", "neck", 0.2), P("x1", "hip", 0.5)]
    floor = rank_articles(passages, k=5, min_relevance=0.3, near_best=0.0)
    assert [h.source for h in floor] == ["hip", "heel"]
    near = rank_articles(passages, k=5, min_relevance=0.3, near_best=0.7)
    assert "knee" in [h.source for h in near] and "neck" not in [h.source for h in near]
    # the floor still says whether any article answers: none passing, none found
    assert rank_articles(passages, k=5, min_relevance=0.6, near_best=0.7) == []


def test_the_title_match_is_mixed_in_as_a_share_of_the_best_one():
    passages = [P("k1", "knee", 0.60), P("h1", "heel", 0.58)]
    plain = rank_articles(passages, k=5, min_relevance=0.0)
    assert [h.source for h in plain] == ["knee", "heel"]
    titled = rank_articles(passages, k=5, min_relevance=0.0, title_match={"heel": 4.0, "knee": 1.0}, title_weight=1.0)
    assert [h.source for h in titled] == ["heel", "knee"]
    heel = titled[0]
    assert heel.score == pytest.approx((0.0 + 1.0) / 2.0)  # the lower similarity scales to 0; the best title to 1
    assert titled[1].score == pytest.approx((0.7 + 0.25) / 2.0)
    assert rank_articles(passages, k=5, min_relevance=0.0, title_match={}, title_weight=0.5)[0].source == "knee"
