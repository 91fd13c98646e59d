"""The in-memory search index and the mixing of a message's pieces, with deterministic vectors."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FakeEmbedder

from assistant.retrieval.fusion import GATE_HIGH, GATE_LOW, combine, piece_weights, rank_articles
from assistant.retrieval.index import SearchIndex
from assistant.core.records import Passage, embed_text


def doc(cid: str, source: str, section: str, text: str):
    return cid, text, {"source": source, "title": section.split(" > ")[0], "section": section}


DOCS = [
    doc("s1", "shin.md", "Shin splints > What helps",
        "Rest from running for a week, then build the distance back up slowly on soft ground with good trainers."),
    doc("r1", "shoes.md", "Running shoes > Choosing",
        "Shin splints, sore soles, blisters: choose shoes that fit, and replace them often."),
    doc("r2", "shoes.md", "Running shoes > Fitting", "Try shoes on in the afternoon, with your running socks."),
    doc("k1", "knee.md", "Kneecap pain > Exercises", "Step-ups and wall sits strengthen the thigh muscles."),
]


@pytest.fixture
def index():
    fake = FakeEmbedder()
    vectors = {cid: fake.embed_query(embed_text(meta["section"], text)) for cid, text, meta in DOCS}
    return SearchIndex(
        DOCS, lambda ids: {i: vectors[i] for i in ids if i in vectors}, fake.embed_documents, dimension=fake.dimension
    ), fake


def test_index_keeps_chunks_articles_and_headings_in_one_order(index):
    idx, fake = index
    assert len(idx) == 4 and idx.sources == ["shin.md", "shoes.md", "knee.md"]
    assert idx.article_of.tolist() == [0, 1, 1, 2]
    # an article's vector is the normalised mean of its chunks' vectors
    both = idx.vectors[1] + idx.vectors[2]
    assert np.allclose(idx.articles[1], both / np.linalg.norm(both), atol=1e-6)
    assert np.allclose(idx.headings[0], fake.embed_query("Shin splints > What helps"), atol=1e-6)


def test_a_chunk_without_a_vector_is_left_out():
    fake = FakeEmbedder()
    idx = SearchIndex(DOCS, lambda ids: {i: fake.embed_query(i) for i in ids if i != "r2"}, fake.embed_documents)
    assert [p.chunk_id for p in idx.passages] == ["s1", "r1", "k1"]


def test_the_heading_counts_as_a_field(index):
    idx, fake = index
    query = fake.embed_documents(["shin splints"])
    text_only = idx.similarities(query, heading_weight=0.0)[:, 0]
    with_heading = idx.similarities(query, heading_weight=0.5)[:, 0]
    # the shoe passage names shin splints in its text; the shin splints article only in its title
    assert text_only[1] > text_only[0]
    assert with_heading[0] > with_heading[1]
    assert with_heading[0] == pytest.approx((text_only[0] + 0.5 * float(idx.headings[0] @ query[0])) / 1.5, abs=1e-6)


def test_the_spelling_vocabulary_is_the_articles_words(index):
    idx, _ = index
    assert idx.speller.correct("splnts") == "splints"
    assert idx.speller.correct_text("runing shoes")[0] == "running shoes"
    assert idx.speller.correct("exercizes") is None  # a word the articles use only once is not offered


def test_a_piece_counts_only_when_some_passage_matches_it():
    w = piece_weights([0.1, GATE_LOW - 0.01, (GATE_LOW + GATE_HIGH) / 2, GATE_HIGH + 0.1], [1.0, 0.25, 1.0, 1.0])
    assert w.tolist() == pytest.approx([1.0, 0.0, 0.5, 1.0])  # the message keeps its weight whatever it matches


def test_a_passage_answering_one_question_of_several_scores_high():
    # columns: the message, its subject, two questions
    sims = np.array([[0.5, 0.4, 0.9, 0.1], [0.5, 0.4, 0.5, 0.5]], dtype=np.float32)
    weights = np.array([1.0, 0.25, 1.0, 1.0], dtype=np.float32)
    scores = combine(sims, weights, [False, False, True, True])
    assert scores[0] == pytest.approx((0.5 + 0.25 * 0.4 + 0.9) / 2.25)  # its best question, not the mean
    assert scores[1] == pytest.approx((0.5 + 0.25 * 0.4 + 0.5) / 2.25)
    assert scores[0] > scores[1]
    assert combine(sims[:, :1], weights[:1], [False]).tolist() == pytest.approx([0.5, 0.5])  # message only


def P(cid, source, sim=None, lexical=None):
    return Passage(cid, source, source.title(), None, f"{source} > s", None, f"text {cid}", sim, lexical)


def test_evidence_from_several_passages_of_one_article_adds_up():
    passages = [P("a1", "one", 0.60), P("b1", "many", 0.58), P("b2", "many", 0.57), P("c1", "other", 0.2)]
    whole = {"one": 0.40, "many": 0.65, "other": 0.2}
    assert [h.source for h in rank_articles(passages, 3, 0.0)][:2] == ["one", "many"]
    ranked = rank_articles(passages, 3, 0.0, article_similarity=whole, article_weight=0.4)
    assert [h.source for h in ranked][:2] == ["many", "one"]
    assert ranked[0].relevance == pytest.approx(0.58)  # the floor still looks at the best passage


def test_the_title_field_holds_each_articles_title_and_tags():
    docs = [
        ("p1", "Keep your knees together when you turn over in bed.", {
            "source": "pgp.md", "title": "Pelvic girdle pain in pregnancy", "section": "Pelvic girdle pain > Tips",
            "article_tags": "PGP, SPD, pregnancy"}),
        ("p2", "Most people recover after the birth.", {"source": "pgp.md", "title": "Pelvic girdle pain in pregnancy",
                                                        "section": "Pelvic girdle pain > Outlook"}),
        ("k1", "Step-ups strengthen the thigh.", {"source": "knee.md", "title": "Kneecap pain", "section": "Kneecap pain > Exercises"}),
    ]
    fake = FakeEmbedder()
    idx = SearchIndex(docs, lambda ids: {i: fake.embed_query(i) for i in ids}, fake.embed_documents, dimension=fake.dimension)
    spd = idx.titles.scores("getting out of the car with my PGP")
    assert spd[0] > 0 and spd[1] == 0  # the tag, kept with the article's first chunk only, is in its field
    knee = idx.titles.scores("my kneecap hurts")
    assert knee[1] > 0 and knee[0] == 0
    assert not idx.titles.scores("what are your opening hours").any()
