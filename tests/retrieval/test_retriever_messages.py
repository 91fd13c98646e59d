"""The retriever reads a message before searching it (deterministic fake embedder, real Chroma)."""

from __future__ import annotations

import pytest
from conftest import FakeEmbedder

from assistant.app import operations
from assistant.app.services import Services


class WordPieceFake(FakeEmbedder):
    """Like the model's tokenizer: a dictionary word is one piece, anything else several."""

    WORDS = frozenset("my is the a and in of how what can i do sore hurts".split())

    def count_tokens(self, text: str) -> int:
        return sum(1 if w.lower() in self.WORDS else 2 for w in text.split())


@pytest.fixture
def retriever(settings, backend):
    services = Services(settings, backend=backend, embedder=WordPieceFake())
    operations.ingest(services)
    r = services.retriever
    r.min_relevance = 0.2
    return r


def slug(hit) -> str:
    return hit.source.rsplit("/", 1)[-1].removesuffix(".md")


def test_a_misspelt_word_is_searched_as_the_article_word(retriever):
    hits = retriever.search("nekc stiffnes").hits
    assert hits and slug(hits[0]) == "neck"
    retriever.spelling = False
    assert not retriever.search("nekc stiffnes").hits  # as typed, it matches no article well


def test_a_dictionary_word_is_not_corrected(retriever):
    # "sore" is not in the articles but the tokenizer knows it: it must not become "some" or "more"
    store, index, _, _ = retriever._current()
    assert index.speller.correct_text("my sore heel")[0] == "my sore heel"


def test_a_long_message_is_searched_as_its_pieces(retriever):
    texts, weights, asks = retriever._parts(
        "Heel pain. My neighbour said I should write to you about this. What can I do about heel pain in the morning?"
    )
    assert texts[1:] == ["Heel pain", "What can I do about heel pain in the morning?"]
    assert weights == [1.0, retriever.subject_weight, retriever.question_weight]
    assert asks == [False, False, True]
    retriever.subject_weight = 0.0
    retriever.question_weight = 0.0
    assert retriever._parts("Heel pain. My neighbour said I should write. What can I do?")[0] == [
        "Heel pain. My neighbour said I should write. What can I do?"
    ]


def test_heading_vectors_are_kept_across_restarts(settings, backend, tmp_path):
    from assistant.retrieval.retriever import Retriever

    services = Services(settings, backend=backend, embedder=WordPieceFake())
    operations.ingest(services)
    first = WordPieceFake()
    Retriever(backend, first, settings.search, cache_dir=tmp_path / "cache").search("heel pain")
    assert first.embedded > 1  # the headings, then the question
    assert list((tmp_path / "cache").glob("heading-vectors-*.npz"))
    again = WordPieceFake()
    hits = Retriever(backend, again, settings.search, cache_dir=tmp_path / "cache").search("heel pain").hits
    assert again.embedded == 1 and hits and hits[0].source.endswith("heel.md")  # only the question


def test_per_sentence_vectors_are_read_from_the_store_once_per_generation(retriever, monkeypatch):
    from assistant.retrieval import retriever as module

    store, _, _, key = retriever._current()
    asked: list[list[str]] = []
    original = type(store).unit_vectors

    def counting(self, ids):
        asked.append(list(ids))
        return original(self, ids)

    monkeypatch.setattr(type(store), "unit_vectors", counting)
    first = retriever.search("heel pain in the morning").hits
    assert asked and asked[0]
    asked.clear()
    again = retriever.search("heel pain in the morning").hits
    assert not asked  # every chunk's vectors were remembered
    units = [p.units for p in first[0].passages if p.units is not None]
    assert units and all((a == b).all() for a, b in zip(units, [p.units for p in again[0].passages if p.units is not None]))
    ids = [p.chunk_id for p in first[0].passages]
    retriever._unit_vectors(store, ("another store", 2), ids)
    assert asked == [ids]  # another generation's chunks are read again
    monkeypatch.setattr(module, "UNIT_CHUNKS", 2)
    retriever._unit_vectors(store, ("a third", 3), ids)
    assert len(retriever._units) <= 2
